"""Samplers that are not trained generators: Langevin with a DAE score, NUTS, SVGD."""
from vagan_tf.samplers import dae_score, langevin, mcmc, svgd
from vagan_tf.samplers.dae_score import DenoisingAutoencoder
from vagan_tf.samplers.langevin import mala, ula
from vagan_tf.samplers.mcmc import nuts

__all__ = ["DenoisingAutoencoder", "dae_score", "langevin", "mala", "mcmc", "nuts", "svgd", "ula"]
