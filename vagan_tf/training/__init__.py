"""Parts of a custom train step: replica helpers, latents, weight averages, objectives."""
from vagan_tf.training import distribute, ema, latents, objectives
from vagan_tf.training.ema import WeightAverage
from vagan_tf.training.latents import Latent, NormalLatent, UniformLatent
from vagan_tf.training.objectives import JensenShannon, Objective, ReverseKL, WassersteinGP

__all__ = ["JensenShannon", "Latent", "NormalLatent", "Objective", "ReverseKL", "UniformLatent",
           "WassersteinGP", "WeightAverage", "distribute", "ema", "latents", "objectives"]
