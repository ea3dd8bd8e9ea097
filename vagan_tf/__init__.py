"""vagan_tf: variationally annealed GANs (Tao et al., ICML 2019) on TensorFlow 2 / Keras 3.

Importing the package loads nothing else: each module (and TensorFlow with it) is imported
on first use, so the ``vagan`` command answers ``--help`` without TensorFlow.
``register_configurables()`` imports every module that registers gin configurables
(``runs.parse_gin`` calls it before parsing).
"""
import importlib

__version__ = "0.1.0"

_MODULES = ("annealing", "callbacks", "data", "evaluation", "experiment", "export", "extractors",
            "flows", "langevin", "latents", "mcmc", "metrics", "models", "nets", "objectives",
            "regularizers", "score", "svgd", "targets", "uci")
_MODELS = ("AnnealedGAN", "ReverseKLFlow", "UnnormalizedGAN")

__all__ = [*_MODELS, *_MODULES, "register_configurables"]


def register_configurables():
    """Imports every module of the package that registers gin configurables."""
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")


def __getattr__(name):
    """``vagan_tf.<module>`` and ``vagan_tf.AnnealedGAN`` (...), imported when first asked for."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _MODELS:
        return getattr(importlib.import_module(f"{__name__}.models"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
