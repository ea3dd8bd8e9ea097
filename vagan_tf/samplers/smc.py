"""Annealed importance sampling estimates of log Z, with HMC moves on ``tfp.mcmc``.

For a normalised reference pi_0 (a Gaussian, or the prior) and the target u, AIS (Neal 2001)
moves each of n independent chains through the T distributions of the geometric path

    pi_t(x) ~ pi_0(x)^{1 - beta_t} u(x)^{beta_t},   beta_t = t / T,

by one HMC move at each, accumulating the log weight
    l = sum_{t=0}^{T-1} (1 / T) [log u(x_t) - log pi_0(x_t)],
so that E[e^l] = Z and

    log Z_hat = logsumexp_i l_i - log n,   ESS / n = (sum e^l)^2 / (n sum e^{2 l})

(``importance.log_weight_estimates``).

E[e^l] = Z needs every move to leave its pi_t invariant *whatever the chain's past*: a step
size adapted from the chain's own acceptances depends on the states it visited, and the
weights lose their unbiasedness (on Sonar such a run overstated log Z by 0.25 nats with an
ESS of 0.3). So the step sizes come from a pilot run instead: ``pilot_step_sizes`` adapts
one step size per chain towards an acceptance rate of 0.65 on its own chains, and the
estimate's run moves every chain at temperature t with the pilot chains' median step size
at t, eps_t, fixed in advance.

tfp's adaptive-tempering SMC (``tfp.experimental.mcmc.sample_sequential_monte_carlo``,
tfp 0.25) is not used: at its last stage it bisects the next temperature on [beta, 2] and
adds logmeanexp((beta_next - beta) L) with beta_next unclipped (above 1), which overstated
log Z of a 5-d Gaussian by 1.1 nats in our check.
"""
import gin
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vagan_tf.evaluation import importance
from vagan_tf.samplers.mcmc import finite_log_prob

tfd = tfp.distributions

TARGET_ACCEPTANCE = 0.65


def gaussian_reference(dim, scale):
    """pi_0 = N(0, scale^2 I_dim), the start of the path for a target without a prior.

    Args:
      dim: the dimension d.
      scale: the reference's standard deviation.

    Returns:
      A ``tfd.MultivariateNormalDiag`` over R^d.
    """
    return tfd.MultivariateNormalDiag(loc=tf.zeros([dim]), scale_diag=tf.fill([dim], float(scale)))


def _anneal(log_u, reference, num_chains, num_steps, step_sizes, num_leapfrog_steps,
            adaptation_rate, seed):
    """n chains through the path of the module docstring.

    ``step_sizes`` [T] fixes eps_t for every chain; None adapts one step size per chain,
    starting at 1, by eps <- eps (1 + rate) when its move's acceptance probability exceeds
    ``TARGET_ACCEPTANCE`` and eps <- eps / (1 + rate) otherwise. Returns (states [n, d],
    log weights [n], the step sizes of every chain at every temperature [T, n]).
    """
    init_seed, chain_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    states = reference.sample(num_chains, seed=init_seed)
    adaptive = step_sizes is None
    initial = tf.ones([num_chains]) if adaptive else tf.fill([num_chains], step_sizes[0])
    trace = tf.TensorArray(tf.float32, size=num_steps)
    log_weights = tf.zeros([num_chains])
    eps = initial
    for t in tf.range(num_steps):
        log_weights += (log_u(states) - reference.log_prob(states)) / float(num_steps)
        beta = tf.cast(t + 1, tf.float32) / float(num_steps)

        def tempered(x, beta=beta):
            return beta * log_u(x) + (1.0 - beta) * reference.log_prob(x)

        if not adaptive:
            eps = tf.fill([num_chains], step_sizes[t])
        kernel = tfp.mcmc.HamiltonianMonteCarlo(tempered, step_size=eps[:, None],
                                                num_leapfrog_steps=num_leapfrog_steps)
        states, results = kernel.one_step(states, kernel.bootstrap_results(states),
                                          seed=tf.random.experimental.stateless_fold_in(
                                              chain_seed, t))
        trace = trace.write(t, eps)
        if adaptive:
            accept = tf.exp(tf.minimum(tf.where(tf.math.is_nan(results.log_accept_ratio),
                                                -np.inf, results.log_accept_ratio), 0.0))
            eps = tf.where(accept > TARGET_ACCEPTANCE, eps * (1.0 + adaptation_rate),
                           eps / (1.0 + adaptation_rate))
    return states, log_weights, trace.stack()


def _stateless_seeds(seed):
    """(pilot seed, estimate seed) pairs of an int seed."""
    return tf.unstack(tf.random.experimental.stateless_split(tf.constant([seed, 0], tf.int32), 2))


def pilot_step_sizes(target, num_steps, reference=None, reference_scale=1.0, num_chains=100,
                     num_leapfrog_steps=5, adaptation_rate=0.05, seed=0):
    """eps_t, t = 0..T-1: the median over a pilot AIS run's chains of their adapted step sizes.

    Each pilot chain adapts its own step size (module docstring); the pilot's weights are
    discarded, so that adaptation biases nothing.

    Args:
      target: an object with ``log_prob(x) -> [n]`` and ``dim``.
      num_steps: temperatures T.
      reference: a normalised tfp distribution over R^dim; None: N(0, reference_scale^2 I).
      reference_scale: the Gaussian reference's std, when ``reference`` is None.
      num_chains: the pilot's chains.
      num_leapfrog_steps: leapfrog steps per HMC move.
      adaptation_rate: r of the multiplicative update eps <- eps (1 + r)^{+-1}.
      seed: an int; the pilot is a stateless function of it.

    Returns:
      The step sizes eps_t, a float32 numpy array [T].
    """
    if reference is None:
        reference = gaussian_reference(target.dim, reference_scale)
    pilot_seed, _ = _stateless_seeds(seed)
    log_u = finite_log_prob(target)

    @tf.function(jit_compile=False)
    def run():
        return _anneal(log_u, reference, num_chains, num_steps, None, num_leapfrog_steps,
                       adaptation_rate, pilot_seed)[2]

    return np.median(run().numpy(), axis=1)


@gin.configurable
def ais_log_normaliser(target, num_chains=1000, num_steps=1000, reference_scale=1.0,
                       reference=None, step_sizes=None, pilot_chains=100, num_leapfrog_steps=5,
                       seed=0):
    """AIS from ``reference`` (default N(0, reference_scale^2 I)) to ``target``.

    Args:
      target: an object with ``log_prob(x) -> [n]`` and ``dim``.
      num_chains: independent chains (n).
      num_steps: temperatures T (one HMC move at each).
      reference_scale: the Gaussian reference's std, when ``reference`` is None.
      reference: a normalised tfp distribution over R^dim to start from (e.g. the prior).
      step_sizes: eps_t [T], the HMC step size of every chain at temperature t; None takes
        ``pilot_step_sizes`` (a pilot of ``pilot_chains`` chains on its own seed).
      pilot_chains: the pilot's chains, when ``step_sizes`` is None.
      num_leapfrog_steps: leapfrog steps per HMC move.
      seed: an int; the run (pilot included) is a stateless function of it.

    Returns:
      (estimates, states, log_weights): {log_z_hat, ess_fraction} of the AIS weights, the
      chains' final states [num_chains, dim] float32 and their log weights [num_chains]
      (float64; resampling the states by them gives draws of the target).

    Raises:
      ValueError: num_chains < 2, num_steps < 1, or ``step_sizes`` not T positive numbers.
    """
    if num_chains < 2 or num_steps < 1:
        raise ValueError(f"ais_log_normaliser needs num_chains >= 2 and num_steps >= 1; got "
                         f"{num_chains}, {num_steps}")
    if reference is None:
        reference = gaussian_reference(target.dim, reference_scale)
    if step_sizes is None:
        step_sizes = pilot_step_sizes(target, num_steps, reference, num_chains=pilot_chains,
                                      num_leapfrog_steps=num_leapfrog_steps, seed=seed)
    step_sizes = np.asarray(step_sizes, np.float32)
    if step_sizes.shape != (num_steps,) or not np.all(step_sizes > 0):
        raise ValueError(f"ais_log_normaliser's step_sizes must be {num_steps} positive numbers; "
                         f"got shape {step_sizes.shape}")
    _, estimate_seed = _stateless_seeds(seed)
    log_u = finite_log_prob(target)

    @tf.function(jit_compile=False)
    def run():
        return _anneal(log_u, reference, num_chains, num_steps, tf.constant(step_sizes),
                       num_leapfrog_steps, 0.0, estimate_seed)[:2]

    states, log_weights = run()
    log_weights = tf.cast(log_weights, tf.float64)
    return importance.log_weight_estimates(log_weights), states.numpy(), log_weights.numpy()
