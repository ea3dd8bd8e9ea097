"""Sample-quality metrics against a known target (NumPy; for evaluation, not training).

* mode metrics for Gaussian mixtures (Metz et al. 2017; Srivastava et al. 2017):
  a sample is *high quality* if it lies within ``n_std`` standard deviations of
  its nearest centre; a mode is *covered* if it holds at least ``min_share`` of
  its fair share n / K of high-quality samples.
* histogram symmetric KL: KL(P || Q) + KL(Q || P) of 2-D histograms with a
  small pseudo-count, on a common grid.
* energy distance  E(X, Y) = 2 E||X - Y|| - E||X - X'|| - E||Y - Y'|| (Szekely),
  the V-statistic, which is >= 0 and is 0 iff the two empirical laws coincide.
"""
import gin
import numpy as np


def _pairwise_distances(a, b):
    sq = (np.sum(a**2, 1)[:, None] + np.sum(b**2, 1)[None, :] - 2.0 * a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


def mode_statistics(samples, centers, std, n_std=3.0, min_share=0.1):
    """Returns {'modes_covered', 'high_quality', 'mode_counts'} for a Gaussian mixture.

    ``high_quality`` is the fraction of samples within ``n_std * std`` of their
    nearest centre; ``mode_counts[k]`` the high-quality samples at centre k; a mode
    is covered when ``mode_counts[k] >= min_share * n / K``.
    """
    samples = np.asarray(samples, np.float64)
    centers = np.asarray(centers, np.float64)
    distances = _pairwise_distances(samples, centers)
    nearest = np.argmin(distances, axis=1)
    good = distances[np.arange(len(samples)), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    threshold = min_share * len(samples) / len(centers)
    return {
        "modes_covered": int(np.sum(counts >= threshold)),
        "high_quality": float(np.mean(good)),
        "mode_counts": counts.tolist(),
    }


def histogram_symmetric_kl(samples, reference, bins=50, limits=None, pseudo_count=1e-3):
    """KL(P||Q) + KL(Q||P) between 2-D histograms of ``samples`` (Q) and ``reference`` (P)."""
    samples = np.asarray(samples, np.float64)
    reference = np.asarray(reference, np.float64)
    if limits is None:
        lo, hi = reference.min(axis=0), reference.max(axis=0)
        pad = 0.1 * (hi - lo)
        limits = list(zip(lo - pad, hi + pad))
    h_p, _, _ = np.histogram2d(reference[:, 0], reference[:, 1], bins=bins, range=limits)
    h_q, _, _ = np.histogram2d(samples[:, 0], samples[:, 1], bins=bins, range=limits)
    p = (h_p + pseudo_count) / np.sum(h_p + pseudo_count)
    q = (h_q + pseudo_count) / np.sum(h_q + pseudo_count)
    return float(np.sum(p * np.log(p / q)) + np.sum(q * np.log(q / p)))


def energy_distance(x, y):
    """2 mean||x_i - y_j|| - mean||x_i - x_j|| - mean||y_i - y_j|| (V-statistic)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    return float(2.0 * _pairwise_distances(x, y).mean()
                 - _pairwise_distances(x, x).mean() - _pairwise_distances(y, y).mean())


@gin.configurable
def mixture_report(samples, mixture=gin.REQUIRED, reference_size=None, seed=(1, 2)):
    """All toy metrics of ``samples`` against a ``targets.GaussianMixture``."""
    samples = np.asarray(samples)
    reference = mixture.sample(reference_size or len(samples), seed=seed).numpy()
    report = mode_statistics(samples, mixture.centers, mixture.std)
    limits = [(lo - 1.0, hi + 1.0) for lo, hi in zip(mixture.centers.min(0), mixture.centers.max(0))]
    report["symmetric_kl"] = histogram_symmetric_kl(samples, reference, limits=limits)
    report["energy_distance"] = energy_distance(samples, reference)
    return report
