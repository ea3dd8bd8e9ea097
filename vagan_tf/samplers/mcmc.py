"""Reference samples by the No-U-Turn sampler (tfp.mcmc) for targets without an exact sampler.

``nuts`` runs ``num_chains`` chains of ``tfp.mcmc.NoUTurnSampler`` on ``target.log_prob``
with the step size tuned by dual averaging (``DualAveragingStepSizeAdaptation``, towards
the mean acceptance probability ``target_accept``) during the first 80 % of the burn-in,
as TFP recommends; the last 20 % run at the final, averaged step size. A bijector lets the
chains move in other coordinates of the same posterior (``TransformedTransitionKernel``).
"""
import gin
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp


def finite_log_prob(target):
    """x [n, dim] -> target.log_prob(x), or -inf for rows with a NaN/inf coordinate.

    A diverging leapfrog trajectory can leave a chain's proposal non-finite; the target's
    input check would then abort the whole run, whereas -inf makes NUTS reject it.

    Args:
        target: an object with ``log_prob(x) -> [n]``.

    Returns:
        The function x [n, dim] -> log densities [n].
    """

    def log_prob(x):
        finite = tf.reduce_all(tf.math.is_finite(x), axis=1)
        safe_points = tf.where(finite[:, None], x, tf.zeros_like(x))
        return tf.where(finite, target.log_prob(safe_points), -np.inf)

    return log_prob


@gin.configurable
def nuts(target, num_results=1000, num_burnin=1000, num_chains=4, step_size=0.1,
         target_accept=0.8, max_tree_depth=10, init_scale=0.1, bijector=None, seed=0):
    """``num_chains`` NUTS chains on ``target`` from theta_0 ~ N(0, init_scale^2 I).

    With a ``bijector`` (theta = bijector.forward(u)), the chains move in u on the density
    log p(forward(u)) + log |det d forward / du| (``tfp.mcmc.TransformedTransitionKernel``)
    and the draws are returned as theta: the same posterior in coordinates where it may be
    easier to explore (e.g. ``BayesianLogisticRegression.non_centred()``).

    Returns (samples, diagnostics): samples float32 [num_chains * num_results, dim], chain c's
    draws in rows c * num_results .. (c + 1) * num_results - 1, and diagnostics =
    {acceptance_rate: mean over the kept draws of NUTS' acceptance statistic
    min(1, exp(log_accept_ratio)) (the quantity dual averaging steers to ``target_accept``),
    step_size: the adapted step size, mean_leapfrogs: leapfrog steps per draw,
    divergences: the count of divergent kept transitions,
    max_r_hat: max over coordinates of the split potential scale reduction (each chain's
    halves count as two chains; needs >= 2 chains), min_ess: min over coordinates of the
    effective sample size of all chains together (needs >= 2 chains)}.
    ``seed`` is an int; every random draw is a stateless function of it.

    Args:
        target: an object with ``log_prob(theta)`` and ``dim``.
        num_results: kept draws per chain.
        num_burnin: warm-up draws per chain (the step size adapts over their first 80 %).
        num_chains: chains, run as one batch.
        step_size: the initial step size.
        target_accept: the acceptance statistic dual averaging steers to.
        max_tree_depth: NUTS' maximum tree depth.
        init_scale: the standard deviation of the starting points.
        bijector: None, or theta = bijector.forward(u) to sample in u.
        seed: an int.

    Returns:
        (samples, diagnostics) as above.

    Raises:
        ValueError: ``num_results`` < 1, ``num_burnin`` < 0 or ``num_chains`` < 1.
    """
    if num_results < 1 or num_burnin < 0 or num_chains < 1:
        raise ValueError(f"nuts needs num_results >= 1, num_burnin >= 0 and num_chains >= 1; "
                         f"got {num_results}, {num_burnin}, {num_chains}")
    sampler = tfp.mcmc.NoUTurnSampler(finite_log_prob(target), step_size=step_size,
                                      max_tree_depth=max_tree_depth)
    if bijector is not None:
        sampler = tfp.mcmc.TransformedTransitionKernel(sampler, bijector)
    kernel = tfp.mcmc.DualAveragingStepSizeAdaptation(
        sampler, num_adaptation_steps=int(0.8 * num_burnin), target_accept_prob=target_accept)
    init_seed, chain_seed = tf.unstack(
        tf.random.experimental.stateless_split(tf.constant([seed, 0], tf.int32), 2))
    initial_state = init_scale * tf.random.stateless_normal([num_chains, target.dim], init_seed)

    def trace(_, results):
        nuts_results = results.inner_results
        if bijector is not None:
            nuts_results = nuts_results.inner_results
        return (nuts_results.log_accept_ratio, nuts_results.leapfrogs_taken,
                nuts_results.has_divergence, results.new_step_size)

    @tf.function(jit_compile=False)
    def run_chains():
        return tfp.mcmc.sample_chain(num_results, initial_state, kernel=kernel,
                                     num_burnin_steps=num_burnin, trace_fn=trace, seed=chain_seed)

    states, (log_accept_ratio, leapfrogs, divergent, step_sizes) = run_chains()
    diagnostics = {
        "acceptance_rate": float(tf.reduce_mean(tf.exp(tf.minimum(log_accept_ratio, 0.0)))),
        "step_size": float(step_sizes[-1]),
        "mean_leapfrogs": float(tf.reduce_mean(tf.cast(leapfrogs, tf.float32))),
        "divergences": int(tf.reduce_sum(tf.cast(divergent, tf.int32))),
    }
    if num_chains >= 2:
        diagnostics["max_r_hat"] = float(tf.reduce_max(tfp.mcmc.potential_scale_reduction(
            states, independent_chain_ndims=1, split_chains=True)))
        diagnostics["min_ess"] = float(tf.reduce_min(
            tfp.mcmc.effective_sample_size(states, cross_chain_dims=1)))
    samples = tf.transpose(states, [1, 0, 2])
    return tf.reshape(samples, [num_chains * num_results, target.dim]).numpy(), diagnostics
