"""Target distributions with known densities: the 2-D Gaussian mixtures.

Each target has ``log_prob(x)`` and an exact ``sample(n, seed)``; mixtures also
expose their ``centers`` and ``std`` for the mode metrics.
"""
import itertools
import math

import gin
import numpy as np
import tensorflow as tf


class GaussianMixture:
    """Equal-weight mixture of isotropic Gaussians N(c_k, std^2 I), k = 1..K.

    log p(x) = logsumexp_k( -||x - c_k||^2 / (2 std^2) ) - log K - (d/2) log(2 pi std^2).
    """

    def __init__(self, centers, std, name="mixture"):
        centers = np.asarray(centers, dtype=np.float32)
        if centers.ndim != 2:
            raise ValueError(f"centers must have shape (modes, dim); got {centers.shape}")
        if std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        self.centers = centers
        self.std = float(std)
        self.name = name

    @property
    def dim(self):
        return self.centers.shape[1]

    @property
    def num_modes(self):
        return self.centers.shape[0]

    def _check(self, x):
        x = tf.convert_to_tensor(x, tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.dim:
            raise ValueError(f"{self.name} takes points of shape (n, {self.dim}); "
                             f"got {tuple(x.shape)}")
        return x

    def log_prob(self, x):
        x = self._check(x)
        sq = tf.reduce_sum(tf.square(x[:, None, :] - self.centers[None]), axis=-1)
        log_norm = math.log(self.num_modes) + 0.5 * self.dim * math.log(2 * math.pi * self.std**2)
        return tf.reduce_logsumexp(-sq / (2 * self.std**2), axis=1) - log_norm

    def sample(self, n, seed=(0, 0)):
        """n exact samples; ``seed`` is a stateless seed pair (tuple or int tensor of shape [2])."""
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        modes = tf.random.stateless_uniform([n], seeds[0], 0, self.num_modes, dtype=tf.int32)
        noise = tf.random.stateless_normal([n, self.dim], seeds[1])
        return tf.gather(tf.constant(self.centers), modes) + self.std * noise

    def __repr__(self):
        return f"GaussianMixture(name={self.name!r}, modes={self.num_modes}, std={self.std})"


@gin.configurable
def ring(num_modes=8, radius=2.0, std=0.02):
    """The 8-Gaussian ring: centres radius * (cos 2 pi k / K, sin 2 pi k / K), std 0.02."""
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centers, std, name="ring")


@gin.configurable
def grid(values=(-4.0, -2.0, 0.0, 2.0, 4.0), std=0.05):
    """The 25-Gaussian grid: centres {-4, -2, 0, 2, 4}^2, std 0.05."""
    centers = np.array(list(itertools.product(values, values)))
    return GaussianMixture(centers, std, name="grid")
