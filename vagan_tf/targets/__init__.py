"""Target densities: mixtures, 2-D densities, BLR posteriors, any log density as a function."""
from vagan_tf.targets import base, blr, mixtures, planar, uci
from vagan_tf.targets.base import LogDensity, Target, rejection_sample
from vagan_tf.targets.blr import BayesianLogisticRegression, NonCentredPrecision, blr_posterior
from vagan_tf.targets.mixtures import GaussianMixture, grid, ring, separated_mixture
from vagan_tf.targets.planar import Banana, Kidney

__all__ = ["Banana", "BayesianLogisticRegression", "GaussianMixture", "Kidney", "LogDensity",
           "NonCentredPrecision", "Target", "base", "blr", "blr_posterior", "grid", "mixtures",
           "planar", "rejection_sample", "ring", "separated_mixture", "uci"]
