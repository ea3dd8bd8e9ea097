"""Langevin samplers, vectorised over chains and run inside ``tf.function``.

* ULA (unadjusted Langevin) from any score function s(x) ~ grad log p(x):
      x_{t+1} = x_t + (eta / 2) s(x_t) + sqrt(eta) xi_t,   xi_t ~ N(0, I).
  Biased by O(eta) even with the exact score, and the only choice when s is an
  estimate (a DAE-score) with no density behind it.
* MALA from a log density: the same proposal, then a Metropolis-Hastings
  accept/reject, so its stationary law is the target exactly
  (``tfp.mcmc.MetropolisAdjustedLangevinAlgorithm``, whose proposal is the step above).

Both run ``num_steps`` transitions from ``initial`` [chains, d] and keep the state
after step t for t = burn_in + thin, burn_in + 2 thin, ... <= num_steps, i.e.
``(num_steps - burn_in) // thin`` states per chain, returned as [num_kept, chains, d].
Seeds are stateless pairs, so a call is a function of its arguments.
"""
import warnings

import gin
import tensorflow as tf
import tensorflow_probability as tfp


class UnadjustedLangevin(tfp.mcmc.TransitionKernel):
    """ULA as a TFP kernel: x' = x + (step_size / 2) score_fn(x) + sqrt(step_size) xi.

    Args:
        score_fn: states [chains, d] -> scores [chains, d].
        step_size: the step size (> 0).
    """

    def __init__(self, score_fn, step_size):
        self._parameters = {"score_fn": score_fn, "step_size": step_size}

    @property
    def parameters(self):
        """{'score_fn', 'step_size'}: the kernel's arguments."""
        return self._parameters

    @property
    def is_calibrated(self):
        """False: ULA has no accept/reject, so its stationary law is not the target's."""
        return False

    def one_step(self, current_state, previous_kernel_results, seed=None):
        """One ULA transition.

        Args:
            current_state: x [chains, d].
            previous_kernel_results: the kernel results, passed through ([]).
            seed: a stateless seed (``tfp.random.sanitize_seed``'s argument).

        Returns:
            (x' [chains, d], ``previous_kernel_results``).
        """
        step_size = tf.cast(self._parameters["step_size"], current_state.dtype)
        noise = tf.random.stateless_normal(tf.shape(current_state), tfp.random.sanitize_seed(seed),
                                           dtype=current_state.dtype)
        drift = 0.5 * step_size * self._parameters["score_fn"](current_state)
        return current_state + drift + tf.sqrt(step_size) * noise, previous_kernel_results

    def bootstrap_results(self, init_state):
        """The kernel keeps no results.

        Args:
            init_state: the first states (unused).

        Returns:
            [].
        """
        return []


def _checked_run(initial, step_size, num_steps, burn_in, thin, sampler):
    """Validates the run arguments; returns (initial as a float32 tensor, states kept per chain)."""
    initial = tf.cast(tf.convert_to_tensor(initial), tf.float32)
    if initial.shape.rank != 2:
        raise ValueError(f"{sampler}: initial must be [chains, dim]; "
                         f"got shape {tuple(initial.shape)}")
    if not step_size > 0:
        raise ValueError(f"{sampler}: step_size must be positive, got {step_size}")
    if burn_in < 0 or thin < 1:
        raise ValueError(f"{sampler}: need burn_in >= 0 and thin >= 1; got {burn_in}, {thin}")
    num_kept = (num_steps - burn_in) // thin
    if num_kept < 1:
        raise ValueError(f"{sampler}: num_steps={num_steps} keeps no state after burn_in={burn_in} "
                         f"with thin={thin}; need num_steps >= burn_in + thin")
    return initial, num_kept


def _sample_chain(kernel, initial, num_kept, burn_in, thin, seed, trace_fn=None):
    """tfp.mcmc.sample_chain, compiled, keeping the states after steps burn_in + k thin, k >= 1.

    sample_chain's first result follows num_burnin_steps + 1 steps and each later one
    num_steps_between_results + 1 more, hence the shifted arguments.
    """

    @tf.function(autograph=False)
    def run():
        return tfp.mcmc.sample_chain(
            num_results=num_kept, current_state=initial, kernel=kernel,
            num_burnin_steps=burn_in + thin - 1, num_steps_between_results=thin - 1,
            trace_fn=trace_fn, seed=tf.cast(seed, tf.int32))

    return run()


@gin.configurable
def ula(score_fn, initial, step_size=gin.REQUIRED, num_steps=gin.REQUIRED, burn_in=0, thin=1,
        seed=(0, 0)):
    """Unadjusted Langevin x <- x + (step_size / 2) score_fn(x) + sqrt(step_size) xi.

    Args:
        score_fn: states [chains, d] -> scores [chains, d] (an exact score, a
            ``DenoisingAutoencoder.score`` or ``.residual_score``).
        initial: the chains' first states [chains, d].
        step_size: the step size (> 0).
        num_steps: transitions per chain.
        burn_in: transitions before the first kept state.
        thin: one state kept every ``thin`` transitions after ``burn_in``.
        seed: a stateless seed pair.

    Returns:
        The kept states [(num_steps - burn_in) // thin, chains, d].

    Raises:
        ValueError: ``initial`` is not [chains, d], ``step_size`` <= 0, ``burn_in`` < 0,
            ``thin`` < 1, or no state would be kept.
        tf.errors.InvalidArgumentError: a chain reached NaN or inf (reduce ``step_size``).
    """
    initial, num_kept = _checked_run(initial, step_size, num_steps, burn_in, thin, "ula")
    with warnings.catch_warnings():  # sample_chain warns that ULA is not calibrated: it is not
        warnings.filterwarnings("ignore", message=".*is not calibrated")
        samples = _sample_chain(UnadjustedLangevin(score_fn, step_size), initial, num_kept,
                                burn_in, thin, seed)
    return tf.debugging.assert_all_finite(
        samples, f"ula: the chains diverged (NaN or inf); reduce step_size={step_size}")


@gin.configurable
def mala(log_prob_fn, initial, step_size=gin.REQUIRED, num_steps=gin.REQUIRED, burn_in=0, thin=1,
         seed=(0, 0)):
    """Metropolis-adjusted Langevin on log_prob_fn (states [chains, d] -> log densities [chains]).

    Proposal x' = x + (step_size / 2) grad log p(x) + sqrt(step_size) xi, accepted with
    probability min(1, p(x') q(x | x') / (p(x) q(x' | x))).

    Args:
        log_prob_fn: states [chains, d] -> log densities [chains] (unnormalised is fine).
        initial: the chains' first states [chains, d].
        step_size: the step size (> 0).
        num_steps: transitions per chain.
        burn_in: transitions before the first kept state.
        thin: one state kept every ``thin`` transitions after ``burn_in``.
        seed: a stateless seed pair.

    Returns:
        (kept states [(num_steps - burn_in) // thin, chains, d], acceptance rate): the rate
        is the fraction of accepted proposals among the transitions that produced a kept
        state.

    Raises:
        ValueError: as ``ula``.
    """
    initial, num_kept = _checked_run(initial, step_size, num_steps, burn_in, thin, "mala")
    kernel = tfp.mcmc.MetropolisAdjustedLangevinAlgorithm(log_prob_fn, step_size=step_size)
    samples, accepted = _sample_chain(
        kernel, initial, num_kept, burn_in, thin, seed,
        trace_fn=lambda _, results: results.is_accepted)
    return samples, tf.reduce_mean(tf.cast(accepted, tf.float32))
