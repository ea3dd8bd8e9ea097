"""Annealing schedules lambda_t, the forms lambda <-> beta, the generator-loss terms."""
from vagan_tf.annealing import schedules, terms
from vagan_tf.annealing.schedules import (Constant, Exponential, FORMS, Linear, Schedule,
                                          Sinusoidal, Stepwise, Triangle, beta, check_form,
                                          entropy_beta, entropy_lambda, likelihood_beta,
                                          likelihood_lambda)
from vagan_tf.annealing.terms import (AnnealingTerm, EntropyAnnealing, LikelihoodAnnealing,
                                      NoAnnealing)

__all__ = ["AnnealingTerm", "Constant", "EntropyAnnealing", "Exponential", "FORMS",
           "LikelihoodAnnealing", "Linear", "NoAnnealing", "Schedule", "Sinusoidal", "Stepwise",
           "Triangle", "beta", "check_form", "entropy_beta", "entropy_lambda", "likelihood_beta",
           "likelihood_lambda", "schedules", "terms"]
