"""Keras models with custom train steps."""
from vagan_tf.models.annealed_gan import AnnealedGAN

__all__ = ["AnnealedGAN"]
