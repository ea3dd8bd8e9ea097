"""vagan_tf: variationally annealed GANs (Tao et al., ICML 2019) on TensorFlow 2 / Keras 3.

The public face: the models (``AnnealedGAN``, ``UnnormalizedGAN``, ``ReverseKLFlow``, their
base ``TrainableSampler``) and one subpackage per concept, each of whose ``__init__`` says what
it holds. Importing the package loads nothing else: a subpackage (and TensorFlow with it) is
imported on first use, so the ``vagan`` command answers ``--help`` without TensorFlow;
``vagan_tf.run.assemble.parse_gin`` imports the subpackages that register gin configurables.
"""
import importlib

__version__ = "0.1.0"

_SUBPACKAGES = ("config", "training", "annealing", "nets", "data", "targets", "samplers",
                "evaluation", "models", "run", "rl")
_MODELS = ("AnnealedGAN", "ReverseKLFlow", "TrainableSampler", "UnnormalizedGAN")

__all__ = [*_MODELS, *_SUBPACKAGES]


def __getattr__(name):
    """``vagan_tf.<subpackage>`` and ``vagan_tf.AnnealedGAN`` (...), imported when first asked for."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _MODELS:
        return getattr(importlib.import_module(f"{__name__}.models"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
