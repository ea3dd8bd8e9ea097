"""vagan_tf: variationally annealed GANs (Tao et al., ICML 2019) on TensorFlow 2 / Keras 3.

The public face: the models (``AnnealedGAN``, ``UnnormalizedGAN``, ``ReverseKLFlow``, their
base ``TrainableSampler``) and one subpackage per concept, each of whose ``__init__`` says what
it holds. Importing the package registers every gin configurable (``vagan_tf.rl``: on import).
"""
from vagan_tf import (config, training, annealing, nets, data, targets, samplers, evaluation,
                      models, run)
from vagan_tf.models import AnnealedGAN, ReverseKLFlow, TrainableSampler, UnnormalizedGAN

__version__ = "0.1.0"

__all__ = ["AnnealedGAN", "ReverseKLFlow", "TrainableSampler", "UnnormalizedGAN", "annealing",
           "config", "data", "evaluation", "models", "nets", "run", "samplers", "targets",
           "training"]
