"""Two-dimensional unnormalised densities: the banana and the kidney (docs/design.md §6.1)."""
import math

import gin
import tensorflow as tf

from vagan_tf.targets.base import Target, rejection_sample


@gin.configurable("banana")
class Banana(Target):
    """The banana of docs/design.md §6.1, unnormalised:
    log u(x) = -(x2^2 / 4 + (x1 - x2^2 / 4)^2) / 2.

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

        Args:
            x: points [n, 2].

        Returns:
            z, float32 [n, 2].

        Raises:
            ValueError: x is not [n, 2], or (eagerly) holds NaN or inf.
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

        Args:
            n: the number of samples.
            seed: a stateless seed pair.

        Returns:
            float32 [n, 2].
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        x2 = 2.0 * tf.random.stateless_normal([n], seeds[0])
        x1 = tf.square(x2) / 4.0 + tf.random.stateless_normal([n], seeds[1])
        return tf.stack([x1, x2], axis=1)

    def __repr__(self):
        return "Banana()"


@gin.configurable("kidney")
class Kidney(Target):
    """The kidney of docs/design.md §6.2 (the density; the supplement prints its energy -log u):

    log u(x) = -((||x|| - radius) / radial_scale)^2 / 2
               + log( exp(-((x1 - offset) / lobe_scale)^2 / 2)
                      + exp(-((x1 + offset) / lobe_scale)^2 / 2) )

    with radius 2, radial_scale 0.4, offset 2 and lobe_scale 0.6 by default: a ring
    of radius 2 whose mass sits in two lobes at (+-2, 0). Unnormalised. ``sample`` is
    exact, by rejection (``rejection_sample``) from the uniform law on the box
    |x_i| <= radius + 6 radial_scale (outside it u < e^-18) under log u <= log 2.
    ||x|| is sqrt(max(||x||^2, 1e-30)), so the score at the origin (a cone point) is 0, not NaN.

    Args:
        radius: the ring's radius.
        radial_scale: the ring's width.
        offset: the lobes' distance from the origin along x1.
        lobe_scale: the lobes' width.

    Raises:
        ValueError: ``radial_scale`` or ``lobe_scale`` <= 0.
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
        """n samples [n, 2] by rejection; ``seed`` is a stateless seed pair.

        Args:
            n: the number of samples.
            seed: a stateless seed pair.

        Returns:
            float32 [n, 2].
        """
        half_width = self.radius + 6.0 * self.radial_scale
        return rejection_sample(self, n, [-half_width] * 2, [half_width] * 2, math.log(2.0), seed)

    def __repr__(self):
        return (f"Kidney(radius={self.radius}, radial_scale={self.radial_scale}, "
                f"offset={self.offset}, lobe_scale={self.lobe_scale})")
