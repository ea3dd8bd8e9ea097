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
    """(a [batch, K, m] ~ U[-1, 1]^m, log q(a) = -m log 2 [batch, K]).

    Args:
      batch: the number of states.
      num_particles: K, the particles per state.
      action_dim: m.
      rng: a ``tf.random.Generator``.

    Returns:
      (a float32 [batch, K, m], log q(a) float32 [batch, K]).
    """
    actions = rng.uniform([batch, num_particles, action_dim], -1.0, 1.0)
    log_density = tf.fill([batch, num_particles], -action_dim * math.log(2.0))
    return actions, log_density


def defensive_mixture_log_density(log_density, action_dim):
    """log q(a) of q = 1/2 U[-1, 1]^m + 1/2 p, given log p(a) [...]: a proposal that covers
    the box wherever p does not (Hesterberg's defensive importance sampling).

    Args:
      log_density: log p(a) [...].
      action_dim: m.

    Returns:
      log q(a), of ``log_density``'s shape.
    """
    log_uniform = -action_dim * math.log(2.0)
    return tf.reduce_logsumexp(tf.stack([tf.fill(tf.shape(log_density), log_uniform),
                                         log_density]), axis=0) - math.log(2.0)


def entropy_bounded_value(values, policy_q, alpha, action_dim):
    """min(V, mean_j Q(s, a_j) + alpha m log 2) over the last axis of ``policy_q``.

    For the policy pi_Q(a | s) = exp((Q(s, a) - V(s)) / alpha) on the box [-1, 1]^m,

        V(s) - E_{pi_Q}[Q(s, a)] = alpha H(pi_Q(. | s)) <= alpha m log 2,

    since no law on the box has more entropy than the uniform one. With the sampler's
    actions a_j ~ pi(. | s) in place of pi_Q's, the minimum caps the soft value at what
    the policy's own actions are worth plus the most entropy the box allows: the part of
    the importance-sampled V that comes from actions the policy does not take (Q's
    extrapolation, which a 1 / (1 - gamma) horizon amplifies) is left out.

    Args:
      values: V(s) [...] (``soft_value``).
      policy_q: Q(s, a_j) [..., J] at the sampler's actions.
      alpha: the temperature.
      action_dim: m.

    Returns:
      The capped V(s) [...].
    """
    bound = tf.reduce_mean(policy_q, axis=-1) + alpha * action_dim * math.log(2.0)
    return tf.minimum(values, bound)


def soft_bellman_target(rewards, terminals, next_values, discount):
    """y = r + gamma (1 - terminal) V(s'); a terminal s' has value 0 (a time limit is not one).

    Args:
      rewards: r [B].
      terminals: 1.0 where s' is terminal, else 0.0 [B].
      next_values: V(s') [B].
      discount: gamma, or one per row [B] (gamma^L of ``n_step_transitions``).

    Returns:
      y [B].
    """
    return rewards + discount * (1.0 - terminals) * next_values


def n_step_transitions(window, discount):
    """Windows of n transitions (``ReplayBuffer.sample_windows``) as n-step transitions.

    A window's own part is its first L transitions: L - 1 = the number of leading
    ``continues`` before a break or a terminal transition (1 <= L <= n). Its transition
    is (s_0, a_0, G, s'_{L-1}, terminal_{L-1}) with the discounted reward sum and the
    discount of the bootstrap,

        G = sum_{k < L} gamma^k r_k,    y = G + gamma^L (1 - terminal_{L-1}) V(s'_{L-1}),

    the uncorrected n-step target (Hessel et al. 2018's Rainbow, Barth-Maron et al.
    2018's D4PG): the actions a_1 .. a_{L-1} are replayed, not drawn from the policy, and
    the soft value's entropy term alpha H of the states s_1 .. s_{L-1} is left out (at
    most alpha (L - 1) m log 2 per target, m the action size).

    Args:
      window: ``sample_windows``' dict: fields [B, n, ...] and ``continues`` [B, n - 1].
      discount: gamma.

    Returns:
      A dict of ``observations``, ``actions``, ``rewards`` (G), ``next_observations``,
      ``terminals`` [B, ...] and ``discounts`` (gamma^L) [B].
    """
    rewards, terminals = window["rewards"], window["terminals"]
    steps = tf.shape(rewards)[1]
    goes_on = window["continues"] * (1.0 - terminals[:, :-1])
    alive = tf.concat([tf.ones_like(rewards[:, :1]), tf.math.cumprod(goes_on, axis=1)], axis=1)
    powers = discount ** tf.cast(tf.range(steps), rewards.dtype)
    length = tf.cast(tf.reduce_sum(alive, axis=1), tf.int32)
    last = length - 1
    return {"observations": window["observations"][:, 0],
            "actions": window["actions"][:, 0],
            "rewards": tf.reduce_sum(alive * powers * rewards, axis=1),
            "next_observations": tf.gather(window["next_observations"], last, batch_dims=1),
            "terminals": tf.gather(terminals, last, batch_dims=1),
            "discounts": discount ** tf.cast(length, rewards.dtype)}


def q_at_particles(q_network, observations, actions):
    """Q(s_b, a_bk) [B, K] for observations [B, obs_dim] and actions [B, K, m].

    Args:
      q_network: ``q_network([s, a])`` -> Q [n, 1] for s [n, obs_dim] and a [n, m].
      observations: s [B, obs_dim].
      actions: a [B, K, m].

    Returns:
      Q [B, K].
    """
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
