"""Evaluators of generated images: samples -> {"fid", "kid", ...} for ``metrics.json``."""
import gin
import numpy as np

from vagan_tf.evaluation import metrics
from vagan_tf.evaluation.extractors import extract


@gin.configurable
class ImageQuality:
    """FID, KID and IS of generated images under a fixed extractor, against real images.

    The reference is the first ``reference_size`` images of ``dataset_fn`` (a pipeline
    of ``data``, read once, on the first call); its Gaussian statistics and features
    are kept for every later evaluation. The extractor is built at construction, so a
    missing weights file stops a run before its first step.

    Args:
      extractor: ``extractor()`` -> keras model images -> [features, logits]
        (``digit_classifier``, ``inception_v3``).
      dataset_fn: the real images, ``dataset_fn(batch_size=..., start=0)``.
      reference_size: number of real images in the reference.
      kid_subsets: the number of KID's subsets (Binkowski et al. use 100).
      kid_subset_size: samples per KID subset (Binkowski et al. use 1000).
      is_splits: Inception Score splits.
    """

    def __init__(self, extractor=gin.REQUIRED, dataset_fn=gin.REQUIRED, reference_size=10_000,
                 kid_subsets=100, kid_subset_size=1000, is_splits=10):
        self.extractor = extractor()  # now: a missing weights file fails before training
        self.dataset_fn = dataset_fn
        self.reference_size = int(reference_size)
        self.kid_subsets = int(kid_subsets)
        self.kid_subset_size = int(kid_subset_size)
        self.is_splits = int(is_splits)
        self.reference = None

    def reference_features(self):
        """Features of the real reference images (computed once).

        Returns:
            (features float64 [reference_size, F], (mean [F], covariance [F, F])).
        """
        if self.reference is None:
            images = real_images(self.dataset_fn, self.reference_size)
            features, _ = extract(self.extractor, images)
            self.reference = (features, metrics.gaussian_statistics(features))
        return self.reference

    def __call__(self, samples):
        real_features, (real_mean, real_cov) = self.reference_features()
        features, logits = extract(self.extractor, samples)
        fid = metrics.frechet_distance(*metrics.gaussian_statistics(features), real_mean, real_cov)
        kid, kid_std = metrics.kernel_distance(features, real_features, self.kid_subsets,
                                               self.kid_subset_size)
        score, score_std = metrics.inception_score(logits, self.is_splits)
        return {"fid": fid, "kid": kid, "kid_std": kid_std,
                "inception_score": score, "inception_score_std": score_std}


def real_images(dataset_fn, num_images, batch_size=500):
    """The first ``num_images`` images of a pipeline, as one float32 array.

    Args:
        dataset_fn: the pipeline, ``dataset_fn(batch_size=..., start=0)``.
        num_images: how many images to take.
        batch_size: the largest batch asked of the pipeline.

    Returns:
        The images [num_images, h, w, C] (fewer if the pipeline ends first).
    """
    batches, count = [], 0
    for batch in dataset_fn(batch_size=min(batch_size, num_images), start=0):
        batches.append(batch.numpy())
        count += len(batches[-1])
        if count >= num_images:
            break
    return np.concatenate(batches)[:num_images]
