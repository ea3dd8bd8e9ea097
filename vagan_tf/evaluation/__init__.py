"""Judging samples: metrics, image evaluators, feature extractors, figures, log Z and ESS."""
from vagan_tf.evaluation import (extractors, frozen_graph, image_quality, importance, metrics,
                                 plots)
from vagan_tf.evaluation.image_quality import ImageQuality, real_images

__all__ = ["ImageQuality", "extractors", "frozen_graph", "image_quality", "importance", "metrics",
           "plots", "real_images"]
