"""Keras models with custom train steps, the contract they obey, and the U-GAN updates."""
from vagan_tf.models import contract, ugan_updates
from vagan_tf.models.annealed_gan import AnnealedGAN
from vagan_tf.models.contract import TrainableSampler
from vagan_tf.models.reverse_kl_flow import ReverseKLFlow
from vagan_tf.models.unnormalized_gan import UnnormalizedGAN

__all__ = ["AnnealedGAN", "ReverseKLFlow", "TrainableSampler", "UnnormalizedGAN", "contract",
           "ugan_updates"]
