"""log Z of a unimodal target by importance sampling from a multivariate t refit to its draws.

Population Monte Carlo (Cappé et al. 2004) with a Student-t proposal: start from the Laplace
approximation at the mode, then alternate drawing from the proposal and moving it to the
weighted moments of its own draws. The last proposal is fixed before its draws are made,
so their weights u(x) / t(x) are unbiased for Z whatever the refits did; the ESS of those
weights says how well the proposal fits. For a near-Gaussian posterior (BLR) it reaches an
ESS / n of 0.1-0.2 in d = 61 (Sonar) where the Laplace proposal alone has 0.002-0.004.
"""
import numpy as np
import tensorflow as tf
from scipy import optimize, special, stats

from vagan_tf.evaluation import importance


def mode_and_curvature(target, start):
    """The mode m of ``target``'s log density, found by BFGS from ``start``, and its curvature
    H = -grad^2 log u(m).

    Args:
      target: an object with ``log_prob(x) -> [n]`` (float32) and ``dim``.
      start: where BFGS starts, [d].

    Returns:
      (m [d], H [d, d], symmetrised), float64 numpy arrays.
    """
    def negative(w):
        with tf.GradientTape() as tape:
            x = tf.constant(w[None], tf.float32)
            tape.watch(x)
            value = -target.log_prob(x)[0]
        return float(value), tape.gradient(value, x).numpy()[0].astype(np.float64)

    mode = optimize.minimize(negative, start, jac=True, method="BFGS",
                             options={"gtol": 1e-6}).x
    x = tf.constant(mode[None], tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = target.log_prob(x)[0]
        gradient = inner.gradient(value, x)[0]
    hessian = -outer.jacobian(gradient, x)[:, 0, :].numpy().astype(np.float64)
    return mode, 0.5 * (hessian + hessian.T)


def refit_t_log_normaliser(target, num_draws=100000, iterations=8, df=10, seed=0):
    """log Z_hat by importance sampling from a multivariate t refit to its own weighted draws.

    The proposal starts as t_df(m, H^-1) at the mode m and curvature H of log u
    (``mode_and_curvature``); each iteration draws ``num_draws`` points x_i from it, weighs
    them by w_i = u(x_i) / t(x_i) and refits the location to the weighted mean and the scale
    matrix to 1.1 (df - 2) / df times the weighted covariance (population Monte Carlo,
    Cappé et al. 2004). The last iteration's draws give the estimate: the proposal they come
    from is fixed before they are drawn, so e^{log Z_hat} is unbiased for Z whatever the refits.

    Args:
      target: an object with ``log_prob(x) -> [n]`` and ``dim``, unimodal.
      num_draws: draws per iteration.
      iterations: proposals drawn from (the last one gives the estimate).
      df: the t's degrees of freedom (> 2).
      seed: an int seeding the draws.

    Returns:
      {log_z_hat, ess_fraction} of the last iteration's weights.

    Raises:
      ValueError: num_draws < 2, iterations < 1 or df <= 2 (a t without a covariance).
    """
    if num_draws < 2 or iterations < 1 or not df > 2:
        raise ValueError(f"refit_t_log_normaliser needs num_draws >= 2, iterations >= 1 and "
                         f"df > 2; got {num_draws}, {iterations}, {df}")
    rng = np.random.default_rng(seed)
    location, hessian = mode_and_curvature(target, np.zeros(target.dim))
    scale = np.linalg.inv(hessian)
    for _ in range(iterations):
        proposal = stats.multivariate_t(loc=location, shape=scale, df=df)
        x = proposal.rvs(size=num_draws, random_state=rng)
        log_u = np.concatenate([target.log_prob(tf.constant(chunk, tf.float32)).numpy()
                                for chunk in np.array_split(x, max(1, num_draws // 10000))])
        log_weights = log_u.astype(np.float64) - proposal.logpdf(x)
        normalised = special.softmax(log_weights)
        location = normalised @ x
        centred = x - location
        scale = 1.1 * (df - 2) / df * (centred.T @ (centred * normalised[:, None]))
    return importance.log_weight_estimates(log_weights)
