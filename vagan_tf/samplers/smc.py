"""Annealed importance sampling estimates of log Z (``tfp.mcmc.sample_annealed_importance_chain``).

For a normalised reference pi_0 (a Gaussian, or the prior) and the target u, AIS (Neal 2001)
moves each of n independent chains through the T distributions of the geometric path

    pi_t(x) ~ pi_0(x)^{1 - beta_t} u(x)^{beta_t},   beta_t = t / T,

by one HMC step each, accumulating the log weight
    l = sum_{t=0}^{T-1} (1 / T) [log u(x_t) - log pi_0(x_t)],
so that E[e^l] = Z and

    log Z_hat = logsumexp_i l_i - log n,   ESS / n = (sum e^l)^2 / (n sum e^{2 l})

(``importance.log_weight_estimates``). The HMC step size of each chain adapts towards an
acceptance rate of 0.65 (``tfp.mcmc.SimpleStepSizeAdaptation``) from that chain's own past
moves only, so every move still leaves its pi_t invariant and the weights stay unbiased.

tfp's adaptive-tempering SMC (``tfp.experimental.mcmc.sample_sequential_monte_carlo``,
tfp 0.25) is not used: at its last stage it bisects the next temperature on [beta, 2] and
adds logmeanexp((beta_next - beta) L) with beta_next unclipped (above 1), which overstated
log Z of a 5-d Gaussian by 1.1 nats in our check; AIS has no such step.
"""
import gin
import tensorflow as tf
import tensorflow_probability as tfp

from vagan_tf.evaluation import importance
from vagan_tf.samplers.mcmc import finite_log_prob

tfd = tfp.distributions


def gaussian_reference(dim, scale):
    """pi_0 = N(0, scale^2 I_dim), the start of the path for a target without a prior.

    Args:
      dim: the dimension.
      scale: the standard deviation of each coordinate.

    Returns:
      A ``tfd.MultivariateNormalDiag`` (float32).
    """
    return tfd.MultivariateNormalDiag(loc=tf.zeros([dim]), scale_diag=tf.fill([dim], float(scale)))


@gin.configurable
def ais_log_normaliser(target, num_chains=1000, num_steps=1000, reference_scale=1.0,
                       reference=None, step_size=0.1, num_leapfrog_steps=5, seed=0):
    """AIS from ``reference`` (default N(0, reference_scale^2 I)) to ``target``.

    Args:
      target: an object with ``log_prob(x) -> [n]`` and ``dim``.
      num_chains: independent chains (n).
      num_steps: temperatures T (one HMC move at each).
      reference_scale: the Gaussian reference's std, when ``reference`` is None.
      reference: a normalised tfp distribution over R^dim to start from (e.g. the prior).
      step_size: every chain's initial HMC step size (then adapted per chain).
      num_leapfrog_steps: leapfrog steps per HMC move.
      seed: an int; the run is a stateless function of it.

    Returns:
      (estimates, states, log_weights): {log_z_hat, ess_fraction} of the AIS weights, the
      chains' final states [num_chains, dim] float32 and their log weights [num_chains]
      (float64; resampling the states by them gives draws of the target).

    Raises:
      ValueError: num_chains < 2 or num_steps < 1.
    """
    if num_chains < 2 or num_steps < 1:
        raise ValueError(f"ais_log_normaliser needs num_chains >= 2 and num_steps >= 1; got "
                         f"{num_chains}, {num_steps}")
    if reference is None:
        reference = gaussian_reference(target.dim, reference_scale)
    log_u = finite_log_prob(target)
    init_seed, chain_seed = tf.unstack(
        tf.random.experimental.stateless_split(tf.constant([seed, 0], tf.int32), 2))

    def make_kernel(tempered_log_prob):
        hmc = tfp.mcmc.HamiltonianMonteCarlo(
            tempered_log_prob, step_size=tf.fill([num_chains, 1], float(step_size)),
            num_leapfrog_steps=num_leapfrog_steps)
        return tfp.mcmc.SimpleStepSizeAdaptation(hmc, num_adaptation_steps=num_steps,
                                                 target_accept_prob=0.65)

    @tf.function(jit_compile=False)
    def run():
        initial = reference.sample(num_chains, seed=init_seed)
        states, log_weights, _ = tfp.mcmc.sample_annealed_importance_chain(
            num_steps, reference.log_prob, log_u, initial, make_kernel, seed=chain_seed)
        return states, log_weights

    states, log_weights = run()
    log_weights = tf.cast(log_weights, tf.float64)
    return importance.log_weight_estimates(log_weights), states.numpy(), log_weights.numpy()
