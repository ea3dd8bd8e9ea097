"""Keras models with custom train steps."""
from vagan_tf.models.annealed_gan import AnnealedGAN
from vagan_tf.models.reverse_kl_flow import ReverseKLFlow
from vagan_tf.models.unnormalized_gan import UnnormalizedGAN

__all__ = ["AnnealedGAN", "ReverseKLFlow", "UnnormalizedGAN"]
