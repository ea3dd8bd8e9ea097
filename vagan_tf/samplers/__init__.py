"""Samplers that are not trained generators: Langevin with a DAE score, NUTS, SVGD."""
from vagan_tf.samplers import dae_score, langevin, mcmc

__all__ = ["dae_score", "langevin", "mcmc"]
