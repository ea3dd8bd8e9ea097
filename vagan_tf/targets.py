"""Target densities on R^d: Gaussian mixtures (ring, grid), banana and kidney.

Every target is a ``Target``: ``log_prob(x)`` of points x [n, dim] (a normalised or
unnormalised log density, as each class states), ``score(x)`` = grad_x log_prob(x),
and, where one exists, an exact ``sample(n, seed)`` with a stateless seed pair.
Mixtures also expose their ``centers`` and ``std`` for the mode metrics.
"""
import itertools
import math

import gin
import numpy as np
import tensorflow as tf


class Target:
    """Base of the targets: checks the points, and differentiates ``log_prob`` into ``score``.

    Subclasses set ``name`` and ``dim`` and implement ``_log_prob(x)`` on checked
    float32 points x [n, dim], returning [n].
    """

    name = "target"
    dim = 2

    def _checked_points(self, x):
        """x as float32 [n, dim]; a wrong shape or a NaN/inf coordinate raises a clear error.

        A wrong shape raises ``ValueError``. Non-finite values raise ``ValueError``
        eagerly and ``tf.errors.InvalidArgumentError`` inside a ``tf.function``.
        """
        x = tf.cast(tf.convert_to_tensor(x), tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.dim:
            raise ValueError(f"{self.name} takes points of shape (n, {self.dim}); "
                             f"got {tuple(x.shape)}")
        message = f"{self.name} got non-finite points (NaN or inf)"
        if tf.executing_eagerly():
            bad = int(np.sum(~np.all(np.isfinite(x.numpy()), axis=1)))
            if bad:
                raise ValueError(f"{message} in {bad} of {x.shape[0]} rows")
            return x
        return tf.debugging.assert_all_finite(x, message)

    def log_prob(self, x):
        """log density at points x [n, dim] -> [n]."""
        return self._log_prob(self._checked_points(x))

    def score(self, x):
        """grad_x log_prob(x) at points x [n, dim] -> [n, dim] (by automatic differentiation)."""
        x = self._checked_points(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            log_density = self._log_prob(x)
        return tape.gradient(log_density, x)

    def _log_prob(self, x):
        raise NotImplementedError


class GaussianMixture(Target):
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

    def _log_prob(self, x):
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


@gin.configurable("banana")
class Banana(Target):
    """The banana of DESIGN 3.6, unnormalised: log u(x) = -(x2^2 / 4 + (x1 - x2^2 / 4)^2) / 2.

    u is the product of N(x2; 0, 4) and N(x1; x2^2 / 4, 1) without their constants,
    so its normaliser is Z = 2 pi * 2 * 1 = 4 pi, and ``sample`` is exact:
    x2 ~ N(0, 4), then x1 | x2 ~ N(x2^2 / 4, 1).
    """

    name = "banana"
    dim = 2

    def _log_prob(self, x):
        x1, x2 = x[:, 0], x[:, 1]
        bend = tf.square(x2) / 4.0
        return -0.5 * (bend + tf.square(x1 - bend))

    def standardize(self, x):
        """The sampler's map inverted: z = (x1 - x2^2 / 4, x2 / 2), N(0, I) when x ~ banana.

        Its spread shows how a sample set sits across (z1) and along (z2) the curve.
        """
        x = self._checked_points(x)
        return tf.stack([x[:, 0] - tf.square(x[:, 1]) / 4.0, x[:, 1] / 2.0], axis=1)

    def sample(self, n, seed=(0, 0)):
        """n exact samples [n, 2]; ``seed`` is a stateless seed pair (tuple or int tensor [2]).

        The seed is split before use, so the normals are not those that a stateless
        op (or ``keras.random.SeedGenerator(seed[0])``, whose draws use the seeds
        (seed[0], k)) would draw from the same pair: a denoiser trained on
        ``sampler_dataset(banana, seed=0)`` with such a generator would otherwise
        see noise that is a function of its data.
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        x2 = 2.0 * tf.random.stateless_normal([n], seeds[0])
        x1 = tf.square(x2) / 4.0 + tf.random.stateless_normal([n], seeds[1])
        return tf.stack([x1, x2], axis=1)

    def __repr__(self):
        return "Banana()"


@gin.configurable("kidney")
class Kidney(Target):
    """The kidney of DESIGN 3.6 (the density; the paper's supplement prints its energy -log u):

    log u(x) = -((||x|| - radius) / radial_scale)^2 / 2
               + log( exp(-((x1 - offset) / lobe_scale)^2 / 2)
                      + exp(-((x1 + offset) / lobe_scale)^2 / 2) )

    with radius 2, radial_scale 0.4, offset 2 and lobe_scale 0.6 by default: a ring
    of radius 2 whose mass sits in two lobes at (+-2, 0). Unnormalised. ``sample`` is
    exact, by rejection (``rejection_sample``) from the uniform law on the box
    |x_i| <= radius + 6 radial_scale (outside it u < e^-18) under log u <= log 2.
    ||x|| is sqrt(max(||x||^2, 1e-30)), so the score at the origin (a cone point) is 0, not NaN.
    """

    name = "kidney"
    dim = 2

    def __init__(self, radius=2.0, radial_scale=0.4, offset=2.0, lobe_scale=0.6):
        if radial_scale <= 0 or lobe_scale <= 0:
            raise ValueError(f"kidney scales must be positive; got radial_scale={radial_scale}, "
                             f"lobe_scale={lobe_scale}")
        self.radius = float(radius)
        self.radial_scale = float(radial_scale)
        self.offset = float(offset)
        self.lobe_scale = float(lobe_scale)

    def _log_prob(self, x):
        norm = tf.sqrt(tf.maximum(tf.reduce_sum(tf.square(x), axis=1), 1e-30))
        ring = -0.5 * tf.square((norm - self.radius) / self.radial_scale)
        lobes = tf.stack([x[:, 0] - self.offset, x[:, 0] + self.offset], axis=1) / self.lobe_scale
        return ring + tf.reduce_logsumexp(-0.5 * tf.square(lobes), axis=1)

    def sample(self, n, seed=(0, 0)):
        """n samples [n, 2] by rejection; ``seed`` is a stateless seed pair."""
        half_width = self.radius + 6.0 * self.radial_scale
        return rejection_sample(self, n, [-half_width] * 2, [half_width] * 2, math.log(2.0), seed)

    def __repr__(self):
        return (f"Kidney(radius={self.radius}, radial_scale={self.radial_scale}, "
                f"offset={self.offset}, lobe_scale={self.lobe_scale})")


def rejection_sample(target, n, low, high, log_bound, seed=(0, 0), batch=10_000):
    """n exact draws of exp(target.log_prob) restricted to the box [low, high] by rejection.

    Proposals x ~ U[low, high] are kept with probability exp(log u(x) - log_bound), in
    rounds of ``batch`` with the stateless seeds split from ``seed``. ``log_bound`` must
    bound log u on the box: a proposal above it raises, since the draws would then not
    follow u.
    """
    low = tf.constant(low, tf.float32)
    high = tf.constant(high, tf.float32)
    kept, count, round_index = [], 0, 0
    while count < n:
        seeds = tf.random.experimental.stateless_split(
            tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), round_index), 2)
        x = low + (high - low) * tf.random.stateless_uniform([batch, target.dim], seeds[0])
        log_u = target.log_prob(x)
        if float(tf.reduce_max(log_u)) > log_bound:
            raise ValueError(f"rejection_sample: log u reaches {float(tf.reduce_max(log_u)):.4f} "
                             f"on the box, above log_bound {log_bound:.4f}")
        accept = tf.math.log(tf.random.stateless_uniform([batch], seeds[1])) < log_u - log_bound
        kept.append(tf.boolean_mask(x, accept))
        count += int(kept[-1].shape[0])
        round_index += 1
    return tf.concat(kept, axis=0)[:n]
