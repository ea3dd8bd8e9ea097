"""Samplers that are not trained generators: Langevin with a DAE score, NUTS, SVGD, AIS."""
from vagan_tf.samplers import dae_score, langevin, mcmc, smc, svgd
from vagan_tf.samplers.dae_score import DenoisingAutoencoder
from vagan_tf.samplers.langevin import mala, ula
from vagan_tf.samplers.mcmc import nuts
from vagan_tf.samplers.smc import ais_log_normaliser

__all__ = ["DenoisingAutoencoder", "ais_log_normaliser", "dae_score", "langevin", "mala", "mcmc",
           "nuts", "smc", "svgd", "ula"]
