"""Network builders; every builder is gin-configurable."""
from vagan_tf.nets import flows
from vagan_tf.nets.dcgan import dcgan_discriminator, dcgan_generator
from vagan_tf.nets.mlp import MLPDenoiser, mlp_critic, mlp_generator

__all__ = ["MLPDenoiser", "dcgan_discriminator", "dcgan_generator", "mlp_critic", "mlp_generator"]
