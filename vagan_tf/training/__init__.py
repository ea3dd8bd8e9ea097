"""Parts of a custom train step: replica helpers, latents, weight averages, objectives."""
from vagan_tf.training import distribute, latents, objectives

__all__ = ["distribute", "latents", "objectives"]
