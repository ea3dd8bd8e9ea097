"""Target densities: mixtures, 2-D densities, BLR, sampler benchmarks, any log density."""
from vagan_tf.targets import base, benchmarks, blr, mixtures, planar, uci
from vagan_tf.targets.base import LogDensity, Target, rejection_sample
from vagan_tf.targets.benchmarks import (Funnel, ManyWell, Rescaled, SonarLogisticRegression,
                                         gmm40)
from vagan_tf.targets.blr import BayesianLogisticRegression, NonCentredPrecision, blr_posterior
from vagan_tf.targets.mixtures import GaussianMixture, grid, ring, separated_mixture
from vagan_tf.targets.planar import Banana, Kidney

__all__ = ["Banana", "BayesianLogisticRegression", "Funnel", "GaussianMixture", "Kidney",
           "LogDensity", "ManyWell", "NonCentredPrecision", "Rescaled", "SonarLogisticRegression",
           "Target", "base", "benchmarks", "blr", "blr_posterior", "gmm40", "grid", "mixtures",
           "planar", "rejection_sample", "ring", "separated_mixture", "uci"]
