"""Network builders: MLPs, DCGAN, masked autoregressive flows; every builder is gin-configurable."""
from vagan_tf.nets import dcgan, flows, mlp
from vagan_tf.nets.dcgan import dcgan_discriminator, dcgan_generator
from vagan_tf.nets.flows import IAF, MADE, MAF
from vagan_tf.nets.mlp import MLPDenoiser, mlp_critic, mlp_generator

__all__ = ["IAF", "MADE", "MAF", "MLPDenoiser", "dcgan", "dcgan_discriminator", "dcgan_generator",
           "flows", "mlp", "mlp_critic", "mlp_generator"]
