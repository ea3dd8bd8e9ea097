"""Target densities: Gaussian mixtures, 2-D densities, BLR posteriors on UCI tables."""
from vagan_tf.targets import densities, uci
from vagan_tf.targets.densities import (Target, GaussianMixture, ring, grid, separated_mixture,
                                        Banana, Kidney, rejection_sample,
                                        BayesianLogisticRegression, NonCentredPrecision,
                                        blr_posterior)

__all__ = ["Banana", "BayesianLogisticRegression", "GaussianMixture", "Kidney",
           "NonCentredPrecision", "Target", "blr_posterior", "densities", "grid",
           "rejection_sample", "ring", "separated_mixture", "uci"]
