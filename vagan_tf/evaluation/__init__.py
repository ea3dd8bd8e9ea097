"""Judging samples: metrics, image evaluators, feature extractors, figures."""
from vagan_tf.evaluation import extractors, image_quality, metrics
from vagan_tf.evaluation.image_quality import ImageQuality, real_images

__all__ = ["ImageQuality", "extractors", "image_quality", "metrics", "real_images"]
