"""Gaussian mixtures on R^d: the ring and the grid of the toy GAN benchmarks, and separated
mixtures in higher dimension. Mixtures expose their ``centers`` and ``std`` for the mode metrics.
"""
import itertools
import math

import gin
import numpy as np
import tensorflow as tf

from vagan_tf.targets.base import Target


class GaussianMixture(Target):
    """Mixture of isotropic Gaussians N(c_k, std^2 I) with weights w_k (equal by default).

    log p(x) = logsumexp_k( log w_k - ||x - c_k||^2 / (2 std^2) ) - (d/2) log(2 pi std^2).

    Args:
        centers: the centres c_k [K, d].
        std: the components' standard deviation.
        weights: w_k [K], positive and summing to 1; None: 1 / K each.
        name: the target's name.

    Raises:
        ValueError: ``centers`` is not 2-D, ``std`` <= 0, or bad ``weights``.
    """

    def __init__(self, centers, std, weights=None, name="mixture"):
        centers = np.asarray(centers, dtype=np.float32)
        if centers.ndim != 2:
            raise ValueError(f"centers must have shape (modes, dim); got {centers.shape}")
        if std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        self.centers = centers
        self.std = float(std)
        self.name = name
        self.equal_weights = weights is None
        self.weights = (np.full(self.num_modes, 1.0 / self.num_modes) if weights is None
                        else _checked_weights(weights, self.num_modes, name))

    @property
    def dim(self):
        """d, the centres' dimension."""
        return self.centers.shape[1]

    @property
    def num_modes(self):
        """K, the number of components."""
        return self.centers.shape[0]

    def _log_prob(self, x):
        sq = tf.reduce_sum(tf.square(x[:, None, :] - self.centers[None]), axis=-1)
        # log w_k = log(K w_k) - log K: equal weights add exactly 0 to each component
        log_relative_weights = tf.constant(np.log(self.num_modes * self.weights), tf.float32)
        log_norm = math.log(self.num_modes) + 0.5 * self.dim * math.log(2 * math.pi * self.std**2)
        return tf.reduce_logsumexp(log_relative_weights - sq / (2 * self.std**2), axis=1) - log_norm

    def sample(self, n, seed=(0, 0)):
        """n exact samples; ``seed`` is a stateless seed pair (tuple or int tensor of shape [2]).

        Args:
            n: the number of samples.
            seed: a stateless seed pair.

        Returns:
            float32 [n, d].
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        if self.equal_weights:
            modes = tf.random.stateless_uniform([n], seeds[0], 0, self.num_modes, dtype=tf.int32)
        else:
            log_weights = tf.constant(np.log(self.weights)[None], tf.float32)
            modes = tf.random.stateless_categorical(log_weights, n, seeds[0])[0]
        noise = tf.random.stateless_normal([n, self.dim], seeds[1])
        return tf.gather(tf.constant(self.centers), modes) + self.std * noise

    def __repr__(self):
        weights = "" if self.equal_weights else f", weights={self.weights.round(4).tolist()}"
        return (f"GaussianMixture(name={self.name!r}, modes={self.num_modes}, "
                f"std={self.std}{weights})")


def _checked_weights(weights, num_modes, name):
    """``weights`` as float64 [K]: positive and summing to 1, or a one-line error naming them."""
    weights = np.asarray(weights, np.float64)
    if weights.shape != (num_modes,) or not np.all(weights > 0) or abs(weights.sum() - 1) > 1e-6:
        raise ValueError(f"{name}: weights must be {num_modes} positive numbers summing to 1; "
                         f"got {weights.tolist()}")
    return weights


@gin.configurable
def ring(num_modes=8, radius=2.0, std=0.02):
    """The 8-Gaussian ring: centres radius * (cos 2 pi k / K, sin 2 pi k / K), std 0.02.

    Args:
        num_modes: K.
        radius: the ring's radius.
        std: the components' standard deviation.

    Returns:
        The ``GaussianMixture`` named 'ring'.
    """
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centers, std, name="ring")


@gin.configurable
def grid(values=(-4.0, -2.0, 0.0, 2.0, 4.0), std=0.05):
    """The 25-Gaussian grid: centres {-4, -2, 0, 2, 4}^2, std 0.05.

    Args:
        values: the centres' coordinates on each axis.
        std: the components' standard deviation.

    Returns:
        The ``GaussianMixture`` named 'grid', len(values)^2 modes.
    """
    centers = np.array(list(itertools.product(values, values)))
    return GaussianMixture(centers, std, name="grid")


@gin.configurable
def separated_mixture(dim=10, num_modes=2, separation=6.0, std=1.0, weights=None):
    """K well-separated Gaussians in d dimensions: centres (separation / sqrt 2) e_k, k < K.

    Every pair of centres is ``separation`` apart (in units where std = 1 it is the number
    of standard deviations between modes); the density between them is exp(-separation^2 / 8)
    of a peak's, so a sampler fit by reverse KL tends to settle in one mode. Exact samples:
    ``sample``; K <= d. ``weights``: the modes' weights (equal by default).

    Args:
        dim: d.
        num_modes: K, 2 <= K <= d.
        separation: the distance between any two centres.
        std: the components' standard deviation.
        weights: the modes' weights [K]; None: equal.

    Returns:
        The ``GaussianMixture`` named 'mixture<K>_d<d>'.

    Raises:
        ValueError: K outside [2, d], or bad ``weights``.
    """
    if not 2 <= num_modes <= dim:
        raise ValueError(f"separated_mixture needs 2 <= num_modes <= dim; got {num_modes} "
                         f"modes in {dim} dimensions")
    centers = separation / math.sqrt(2.0) * np.eye(dim)[:num_modes]
    return GaussianMixture(centers, std, weights, name=f"mixture{num_modes}_d{dim}")
