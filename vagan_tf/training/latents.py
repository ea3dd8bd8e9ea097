"""Latent distributions p(z) of a generator, selected in gin."""
import gin
import keras
import tensorflow as tf


class Latent:
    """Draws z of a given shape. ``seed``: a keras SeedGenerator, or None for TF's global RNG
    (used by exported SavedModels, which must not depend on Keras seed state)."""

    def sample(self, shape, seed=None):
        """z of ``shape``; each latent defines it.

        Args:
            shape: the shape of z, e.g. (n, latent_dim).
            seed: a ``keras.random.SeedGenerator`` or an int seed of ``keras.random``; None:
                TensorFlow's global generator.
        """
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


@gin.configurable("normal_latent")
class NormalLatent(Latent):
    """z ~ N(0, I)."""

    def sample(self, shape, seed=None):
        """z ~ N(0, I).

        Args:
            shape: the shape of z, e.g. (n, latent_dim).
            seed: a ``keras.random.SeedGenerator`` or an int seed of ``keras.random``; None:
                TensorFlow's global generator.

        Returns:
            float32 z of ``shape``.
        """
        if seed is None:
            return tf.random.normal(shape)
        return keras.random.normal(shape, seed=seed)


@gin.configurable("uniform_latent")
class UniformLatent(Latent):
    """z ~ U[low, high]^d (DCGAN and DFM use U[-1, 1]).

    Args:
        low: the lower bound.
        high: the upper bound.

    Raises:
        ValueError: ``low`` >= ``high``.
    """

    def __init__(self, low=-1.0, high=1.0):
        if not low < high:
            raise ValueError(f"uniform_latent needs low < high, got [{low}, {high}]")
        self.low = float(low)
        self.high = float(high)

    def sample(self, shape, seed=None):
        """z ~ U[low, high]^d.

        Args:
            shape: the shape of z, e.g. (n, latent_dim).
            seed: a ``keras.random.SeedGenerator`` or an int seed of ``keras.random``; None:
                TensorFlow's global generator.

        Returns:
            float32 z of ``shape``.
        """
        if seed is None:
            return tf.random.uniform(shape, self.low, self.high)
        return keras.random.uniform(shape, self.low, self.high, seed=seed)
