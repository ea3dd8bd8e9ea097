"""Samplers that are not trained generators: Langevin with a DAE score, NUTS, SVGD, AIS, PMC."""
from vagan_tf.samplers import dae_score, langevin, mcmc, population_mc, smc, svgd
from vagan_tf.samplers.dae_score import DenoisingAutoencoder
from vagan_tf.samplers.langevin import mala, ula
from vagan_tf.samplers.mcmc import nuts
from vagan_tf.samplers.population_mc import refit_t_log_normaliser
from vagan_tf.samplers.smc import ais_log_normaliser

__all__ = ["DenoisingAutoencoder", "ais_log_normaliser", "dae_score", "langevin", "mala", "mcmc",
           "nuts", "population_mc", "refit_t_log_normaliser", "smc", "svgd", "ula"]
