"""Annealing schedules lambda_t, the forms lambda <-> beta, the generator-loss terms."""
from vagan_tf.annealing import schedules, terms
from vagan_tf.annealing.schedules import (likelihood_beta, likelihood_lambda, entropy_beta,
                                          entropy_lambda, FORMS, check_form, beta, Schedule,
                                          Constant, Linear, Exponential, Sinusoidal, Stepwise,
                                          Triangle)

__all__ = ["Constant", "Exponential", "FORMS", "Linear", "Schedule", "Sinusoidal", "Stepwise",
           "Triangle", "beta", "check_form", "entropy_beta", "entropy_lambda", "likelihood_beta",
           "likelihood_lambda", "schedules", "terms"]
