"""Importance-sampling estimates of log Z and the reverse effective sample size.

For points x_i ~ nu (i = 1..n) with log weights l_i = log u(x_i) - log nu(x_i),

    log Z_hat = logsumexp_i l_i - log n                      (unbiased in Z, not in log Z),
    ESS / n   = (sum_i w_i)^2 / (n sum_i w_i^2)
              = exp(2 logsumexp_i l_i - logsumexp_i 2 l_i) / n,

both computed in log space (``tf.reduce_logsumexp``), so weights of e^{+-1000} neither
overflow nor underflow. ESS / n is 1 when nu = u / Z and near 1 / n when one weight
dominates.

``log_weight_estimates`` gives both for a proposal with an exact density (a flow); for
U-GAN's generator, whose density q has no closed form, ``generator_log_weights`` uses
q's *estimate* log q(x) ~ w(x) + log nu(x), the critic's logit w ~ log q / nu plus the
paired flow's density: its log Z_hat and ESS are estimates resting on the critic's fit.
"""
import math

import numpy as np
import tensorflow as tf


def log_normaliser_estimate(log_weights):
    """log Z_hat = logsumexp(l) - log n for log weights l [n] (float64).

    Args:
      log_weights: the log weights l, any array-like (flattened to [n]).

    Returns:
      log Z_hat, a Python float.

    Raises:
      ValueError: no weights, or a NaN among them.
    """
    log_weights = _checked(log_weights)
    return float(tf.reduce_logsumexp(log_weights) - math.log(log_weights.shape[0]))


def effective_sample_fraction(log_weights):
    """Reverse ESS / n = exp(2 logsumexp(l) - logsumexp(2 l)) / n for log weights l [n].

    Args:
      log_weights: the log weights l, any array-like (flattened to [n]).

    Returns:
      ESS / n in [0, 1], a Python float; 0.0 when the largest log weight is not finite.

    Raises:
      ValueError: no weights, or a NaN among them.
    """
    log_weights = _checked(log_weights)
    if not np.isfinite(float(tf.reduce_max(log_weights))):
        return 0.0
    log_ess = 2.0 * tf.reduce_logsumexp(log_weights) - tf.reduce_logsumexp(2.0 * log_weights)
    return float(tf.exp(log_ess)) / log_weights.shape[0]


def log_weight_estimates(log_weights, log_z=None):
    """{log_z_hat, ess_fraction[, log_z_error]} from log weights [n]; the error is
    |log Z_hat - log_z| when the true (or reference) ``log_z`` is given.

    Args:
      log_weights: the log weights l, any array-like (flattened to [n]).
      log_z: the true or reference log Z; None: no error is reported.

    Returns:
      A dict of Python floats: log_z_hat, ess_fraction and, with ``log_z``, log_z_error.

    Raises:
      ValueError: no weights, or a NaN among them.
    """
    estimates = {"log_z_hat": log_normaliser_estimate(log_weights),
                 "ess_fraction": effective_sample_fraction(log_weights)}
    if log_z is not None:
        estimates["log_z_error"] = abs(estimates["log_z_hat"] - log_z)
    return estimates


def proposal_log_weights(target, proposal, n, seed):
    """l = log u(x) - log nu(x) at n draws x ~ nu of a ``proposal`` with an exact density.

    ``proposal`` is a tfp distribution (a flow's ``distribution()``) drawn with
    ``experimental_sample_and_log_prob`` (for an IAF the density of its own draws costs no
    extra pass); ``seed`` a stateless seed pair. Returns (log weights float64 [n], x [n, d]).

    Args:
      target: the target, with ``log_prob(x)`` = log u(x) for x [n, d].
      proposal: a tfp distribution nu over R^d.
      n: the number of draws.
      seed: a stateless seed pair for ``proposal``'s draws.

    Returns:
      (log weights float64 [n], x [n, d]); a row of x or of its log weight that is not
      finite has the log weight -inf.
    """
    x, log_nu = proposal.experimental_sample_and_log_prob(n, seed=seed)
    return _log_weights(target, x, log_nu), x


def generator_log_weights(target, model, n, seed=None):
    """*Estimated* log weights l = log u(x) - (w(x) + log nu(x)) at n draws x ~ q of a U-GAN.

    ``model`` is an ``UnnormalizedGAN`` with a critic: w + log nu stands in for q's
    unknown density (exact only where the critic is the optimal log q / nu). Returns
    (log weights float64 [n], x [n, d]).

    Args:
      target: the target, with ``log_prob(x)`` = log u(x) for x [n, d].
      model: an ``UnnormalizedGAN`` with a critic.
      n: the number of draws.
      seed: the seed of ``model.sample``; None: unseeded.

    Returns:
      (log weights float64 [n], x [n, d]); a row of x or of its log weight that is not
      finite has the log weight -inf.

    Raises:
      ValueError: the model has no critic (without it, q's estimate is the flow itself).
    """
    if model.critic is None:
        raise ValueError("generator_log_weights: the U-GAN has no critic, so it has no estimate "
                         "of q / nu; use its flow's weights")
    x = model.sample(n, seed=seed)
    w, log_nu, _ = model.generator_terms(x)
    return _log_weights(target, x, w + log_nu), x


def _log_weights(target, x, log_proposal):
    """log u(x) - log_proposal as float64, rows where either is non-finite set to -inf."""
    log_u = tf.cast(target.log_prob(tf.where(tf.math.is_finite(x), x, 0.0)), tf.float64)
    log_weights = log_u - tf.cast(log_proposal, tf.float64)
    finite = tf.reduce_all(tf.math.is_finite(x), axis=1) & tf.math.is_finite(log_weights)
    return tf.where(finite, log_weights, tf.constant(-np.inf, tf.float64))


def _checked(log_weights):
    log_weights = tf.cast(tf.reshape(tf.convert_to_tensor(log_weights), [-1]), tf.float64)
    if log_weights.shape[0] == 0:
        raise ValueError("importance weights: got no log weights")
    if bool(tf.reduce_any(tf.math.is_nan(log_weights))):
        raise ValueError("importance weights: the log weights contain NaN")
    return log_weights
