"""vagan_tf: variationally annealed GANs (Tao et al., ICML 2019) on TensorFlow 2 / Keras 3.

Importing the package registers every gin configurable.
"""
from vagan_tf import (annealing, benchmark_targets, callbacks, data, evaluation, experiment,
                      export, extractors, flows, importance, langevin, latents, mcmc, metrics, nets,
                      objectives, regularizers, score, smc, svgd, targets, uci)
from vagan_tf.models import AnnealedGAN, ReverseKLFlow, UnnormalizedGAN

__version__ = "0.1.0"

__all__ = ["AnnealedGAN", "ReverseKLFlow", "UnnormalizedGAN", "annealing", "benchmark_targets",
           "callbacks", "data", "evaluation", "experiment", "export", "extractors", "flows",
           "importance", "langevin", "latents", "mcmc", "metrics", "nets", "objectives",
           "regularizers", "score", "smc", "svgd", "targets", "uci"]
