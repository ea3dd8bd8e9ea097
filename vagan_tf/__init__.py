"""vagan_tf: variationally annealed GANs (Tao et al., ICML 2019) on TensorFlow 2 / Keras 3.

Importing the package registers every gin configurable.
"""
from vagan_tf import (config, training, annealing, nets, data, targets, samplers, evaluation,
                      models, run)
from vagan_tf.models import AnnealedGAN, ReverseKLFlow, UnnormalizedGAN

__version__ = "0.1.0"

__all__ = ["AnnealedGAN", "ReverseKLFlow", "UnnormalizedGAN", "annealing", "config", "data",
           "evaluation", "models", "nets", "run", "samplers", "targets", "training"]
