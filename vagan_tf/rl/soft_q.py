"""Soft Q-learning's critic side: soft value by importance sampling, Bellman target, target net.

Soft Q-learning (Haarnoja et al. 2017) fits Q to the soft Bellman equation

    Q(s, a) = r(s, a) + gamma E_{s'}[ V(s') ],      V(s) = alpha log int exp(Q(s, a) / alpha) da,

whose policy is pi(a | s) = exp((Q(s, a) - V(s)) / alpha). The integral over the action
box A = [-1, 1]^m is estimated by importance sampling with K particles a_k ~ q:

    V(s) ~= alpha log (1/K) sum_k exp(Q(s, a_k) / alpha) / q(a_k)
          = alpha [ logsumexp_k (Q(s, a_k) / alpha - log q(a_k)) - log K ],

computed with a logsumexp. The proposal here is the uniform density on A,
q(a) = 2^-m, as in Haarnoja et al. 2017 (for both samplers alike, so that the two
policy updates share one critic side). It covers A exactly, so the estimate of
exp(V / alpha) is unbiased; V itself is biased low by Jensen's inequality, by an
amount that shrinks as K grows. ``soft_value`` takes any proposal's log density,
so a proposal with a density can replace it: ``SoftQAgent.value_proposal = 'policy'``
draws half the particles from the U-GAN's flow nu(a | s) and half uniformly, weighted by
the mixture q = 1/2 U + 1/2 nu (``defensive_mixture_log_density``), which still covers A.
"""
import math

import gin
import tensorflow as tf


def soft_value(q_values, log_proposal, alpha):
    """V = alpha [logsumexp_k(Q_k / alpha - log q_k) - log K] over the last axis.

    Args:
      q_values: Q(s, a_k) [..., K].
      log_proposal: log q(a_k) [..., K] (broadcasts against ``q_values``).
      alpha: the temperature.

    Returns:
      V [...], the importance-sampled soft value.
    """
    log_weights = q_values / alpha - log_proposal
    num_particles = tf.cast(tf.shape(log_weights)[-1], log_weights.dtype)
    return alpha * (tf.reduce_logsumexp(log_weights, axis=-1) - tf.math.log(num_particles))


def uniform_action_particles(batch, num_particles, action_dim, rng):
    """(a [batch, K, m] ~ U[-1, 1]^m, log q(a) = -m log 2 [batch, K])."""
    actions = rng.uniform([batch, num_particles, action_dim], -1.0, 1.0)
    log_density = tf.fill([batch, num_particles], -action_dim * math.log(2.0))
    return actions, log_density


def defensive_mixture_log_density(log_density, action_dim):
    """log q(a) of q = 1/2 U[-1, 1]^m + 1/2 p, given log p(a) [...]: a proposal that covers
    the box wherever p does not (Hesterberg's defensive importance sampling)."""
    log_uniform = -action_dim * math.log(2.0)
    return tf.reduce_logsumexp(tf.stack([tf.fill(tf.shape(log_density), log_uniform),
                                         log_density]), axis=0) - math.log(2.0)


def soft_bellman_target(rewards, terminals, next_values, discount):
    """y = r + gamma (1 - terminal) V(s'); a terminal s' has value 0 (a time limit is not one).

    Args:
      rewards: r [B].
      terminals: 1.0 where s' is terminal, else 0.0 [B].
      next_values: V(s') [B].
      discount: gamma.

    Returns:
      y [B].
    """
    return rewards + discount * (1.0 - terminals) * next_values


def q_at_particles(q_network, observations, actions):
    """Q(s_b, a_bk) [B, K] for observations [B, obs_dim] and actions [B, K, m]."""
    batch, num_particles = tf.shape(actions)[0], tf.shape(actions)[1]
    tiled = tf.repeat(observations, num_particles, axis=0)
    flat_actions = tf.reshape(actions, [batch * num_particles, -1])
    return tf.reshape(q_network([tiled, flat_actions]), [batch, num_particles])


@gin.configurable
class TargetNetworkUpdate:
    """Every ``interval`` calls, theta_target <- tau theta + (1 - tau) theta_target.

    tau = 1 with interval 1000 is soft Q-learning's hard copy every 1000 iterations;
    tau = 0.005 with interval 1 is Polyak averaging.

    Args:
      tau: the weight of the online network, in (0, 1].
      interval: iterations between updates, >= 1.

    Raises:
      ValueError: ``tau`` or ``interval`` out of range.
    """

    def __init__(self, tau=1.0, interval=1000):
        if not 0.0 < tau <= 1.0 or interval < 1:
            raise ValueError(f"TargetNetworkUpdate needs 0 < tau <= 1 and interval >= 1, "
                             f"got tau={tau}, interval={interval}")
        self.tau = float(tau)
        self.interval = int(interval)

    def __call__(self, iteration, online_variables, target_variables):
        """Applies the update if ``iteration`` (counted from 1) is a multiple of ``interval``."""
        if iteration % self.interval == 0:
            for online, target in zip(online_variables, target_variables):
                target.assign(self.tau * online + (1.0 - self.tau) * target)
