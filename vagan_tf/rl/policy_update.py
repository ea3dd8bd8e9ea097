"""Policy updates of soft Q-learning: train the sampler a = tanh(g_pre(s, eps)) towards

    pi(a | s) = exp(Q(s, a) / alpha) / Z(s)    on the action box (-1, 1)^m,

given the unnormalised log density ``log_target(s, a) = Q(s, a) / alpha``. Two updates
share one interface (``PolicyUpdate``), so a gin binding picks either:

* ``UGANPolicyUpdate``: the U-GAN update (``models/unnormalized_gan.py``) run per state,
  with a conditional MAF proposal nu(x | s) and a critic w(s, a).
* ``AmortizedSVGDUpdate``: soft Q-learning's own amortised SVGD (Haarnoja et al. 2017).

Both are built by the agent as ``factory(sampler=..., observation_dim=..., action_dim=...)``.
"""
import gin
import tensorflow as tf

from vagan_tf.models import ugan_updates
from vagan_tf.rl import soft_q
from vagan_tf.rl.networks import pair_critic
from vagan_tf.samplers.svgd import svgd_bandwidth
from vagan_tf.training.distribute import descend


def log_abs_det_tanh(x):
    """log |det d tanh(x) / dx| = sum_i log(1 - tanh(x_i)^2)
                               = sum_i 2 (log 2 - x_i - softplus(-2 x_i)).

    Args:
      x: pre-squash points [..., m].

    Returns:
      The log-determinant [...].
    """
    return tf.reduce_sum(2.0 * (tf.math.log(2.0) - x - tf.nn.softplus(-2.0 * x)), axis=-1)


class PolicyUpdate:
    """One sampler update per call on a batch of states.

    ``update(observations [B, obs_dim], log_target, rng)`` returns a dict of scalar
    losses named ``loss_names``; ``log_target(s [n, obs_dim], a [n, m]) -> [n]`` is the
    unnormalised log policy density and ``rng`` a ``tf.random.Generator``.
    ``variables`` lists every variable the update owns besides the sampler's (auxiliary
    networks, optimizer slots), for checkpoints. An update with a proposal density may
    also define ``value_particles(observations, K, rng) -> (a [B, K, m], log q(a) [B, K])``,
    the particles of the soft value under ``SoftQAgent.value_proposal = 'policy'``.
    """

    loss_names = ()

    @property
    def variables(self):
        """The variables the update owns besides the sampler's, for checkpoints."""
        raise NotImplementedError

    def update(self, observations, log_target, rng):
        """One sampler update on a batch of states; each update defines it.

        Args:
          observations: s [B, obs_dim].
          log_target: ``log_target(s [n, obs_dim], a [n, m])`` -> log pi(a | s) + const [n].
          rng: a ``tf.random.Generator``.
        """
        raise NotImplementedError


@gin.configurable
class UGANPolicyUpdate(PolicyUpdate):
    """The U-GAN update per state, in the sampler's pre-squash coordinates x (a = tanh x).

    In x-space the target is u(x | s) = exp(Q(s, tanh x) / alpha) |det d tanh / dx|, and
    nu(x | s) is a conditional MAF (the action proposal nu(a | s) is its tanh image).
    KL(q || u / Z) is the same in x- and a-space, and so is the density ratio q / nu, so
    the critic reads the squashed actions. With x_q = g_pre(s, eps), x_nu ~ nu(. | s),
    one call makes, on the same batch of states s, the updates of ``vagan_tf.models.ugan_updates``
    (docs/design.md §4.5) at beta = 1:

    1. a flow step:    L_nu = -mean log nu(sg[x_q] | s);
    2. a critic step:  L_w = mean softplus(-w(s, tanh sg[x_q])) + mean softplus(w(s, tanh x_nu)),
       so w(s, a) ~ log q(a | s) / nu(a | s);
    3. a sampler step on ``ugan_updates.generator_loss`` at lambda = 0 of
       (w(s, tanh x_q), log nu(x_q | s), log u(x_q | s)), an estimate of
       E_s KL(q(. | s) || pi(. | s)) - E_s log Z(s), gradients to g only.

    Args:
      sampler: the ``PolicySampler``.
      observation_dim: size of s.
      action_dim: size of a.
      flow: ``flow(event_dim=m, context_dim=obs_dim)`` -> a conditional ``flows.MAF``.
      critic: ``critic(observation_dim, action_dim)`` -> keras model (s, a) -> logit [B, 1].
      sampler_optimizer: keras optimizer of the sampler.
      flow_optimizer: keras optimizer of the flow.
      critic_optimizer: keras optimizer of the critic.
    """

    loss_names = ("flow_loss", "critic_loss", "sampler_loss")

    def __init__(self, sampler, observation_dim, action_dim, flow=gin.REQUIRED,
                 critic=pair_critic, sampler_optimizer=gin.REQUIRED, flow_optimizer=gin.REQUIRED,
                 critic_optimizer=gin.REQUIRED):
        self.sampler = sampler
        self.flow = flow(event_dim=action_dim, context_dim=observation_dim)
        self.critic = critic(observation_dim, action_dim)
        self.sampler_optimizer = sampler_optimizer
        self.flow_optimizer = flow_optimizer
        self.critic_optimizer = critic_optimizer
        self.sampler_optimizer.build(sampler.trainable_variables)
        self.flow_optimizer.build(self.flow.trainable_variables)
        self.critic_optimizer.build(self.critic.trainable_variables)

    @property
    def variables(self):
        """The flow's and the critic's variables and the three optimizers' (a list)."""
        return (list(self.flow.variables) + list(self.critic.variables)
                + list(self.sampler_optimizer.variables) + list(self.flow_optimizer.variables)
                + list(self.critic_optimizer.variables))

    def value_particles(self, observations, num_particles, rng):
        """(a [B, K, m], log q(a) [B, K]): K // 2 actions a = tanh x, x ~ nu(. | s), and the
        rest ~ U[-1, 1]^m per state, all weighted by q = 1/2 U + 1/2 nu_a, where
        log nu_a(a) = log nu(x | s) - log |det d tanh / dx| at x = atanh a.

        Args:
          observations: s [B, obs_dim].
          num_particles: K, a Python int.
          rng: a ``tf.random.Generator`` (the flow's seed and the uniform draws).

        Returns:
          (a [B, K, m], log q(a) [B, K]).
        """
        batch, action_dim = tf.shape(observations)[0], self.flow.event_dim
        from_flow = num_particles // 2
        context = tf.repeat(observations, num_particles, axis=0)
        seed = tf.cast(rng.make_seeds(1)[:, 0], tf.int32)
        x_flow = tf.reshape(self.flow.sample(batch * from_flow, seed=seed,
                                             context=tf.repeat(observations, from_flow, axis=0)),
                            [batch, from_flow, action_dim])
        uniform = rng.uniform([batch, num_particles - from_flow, action_dim], -1.0, 1.0)
        x_uniform = tf.atanh(tf.clip_by_value(uniform, -1.0 + 1e-6, 1.0 - 1e-6))
        x = tf.reshape(tf.concat([x_flow, x_uniform], axis=1), [-1, action_dim])
        log_nu = self.flow.log_prob(x, context=context) - log_abs_det_tanh(x)
        actions = tf.concat([tf.tanh(x_flow), uniform], axis=1)
        log_q = soft_q.defensive_mixture_log_density(
            tf.reshape(log_nu, [batch, num_particles]), action_dim)
        return actions, log_q

    def critic_logit(self, observations, actions):
        """w(s, a) [B].

        Args:
          observations: s [B, obs_dim].
          actions: a [B, m] (squashed).

        Returns:
          The logits w [B].
        """
        return self.critic([observations, actions])[:, 0]

    def flow_step(self, observations, x_q):
        """Step 1 on the sampler's points x_q [B, m]; returns L_nu.

        Args:
          observations: s [B, obs_dim], the flow's context.
          x_q: the sampler's pre-squash points [B, m].

        Returns:
          L_nu, a scalar tensor.
        """
        return ugan_updates.flow_step(self.flow, self.flow_optimizer, x_q, context=observations)

    def critic_step(self, observations, x_q, rng):
        """Step 2 against fresh x_nu ~ nu(. | s); returns L_w.

        Args:
          observations: s [B, obs_dim].
          x_q: the sampler's pre-squash points [B, m].
          rng: a ``tf.random.Generator`` (the flow's seed).

        Returns:
          L_w, a float32 scalar tensor.
        """
        seed = tf.cast(rng.make_seeds(1)[:, 0], tf.int32)
        x_nu = self.flow.sample(tf.shape(observations)[0], seed=seed, context=observations)
        return ugan_updates.critic_step(
            lambda x: self.critic_logit(observations, tf.tanh(x)),
            self.critic.trainable_variables, self.critic_optimizer, x_q, x_nu)

    def sampler_step(self, observations, log_target, rng):
        """Step 3 at fresh x = g_pre(s, eps); returns L_g.

        Args:
          observations: s [B, obs_dim].
          log_target: ``log_target(s [n, obs_dim], a [n, m])`` -> log pi(a | s) + const [n].
          rng: a ``tf.random.Generator``.

        Returns:
          L_g, a scalar tensor.
        """
        def sampler_terms():
            """(w(s, a), log nu(x | s), log u(x | s)) at fresh x = g_pre(s, eps), a = tanh x."""
            x = self.sampler.pre_squash(observations, rng)
            log_u = log_target(observations, tf.tanh(x)) + log_abs_det_tanh(x)
            return (self.critic_logit(observations, tf.tanh(x)),
                    self.flow.log_prob(x, context=observations), log_u)

        sampler_loss, _ = ugan_updates.generator_step(
            sampler_terms, self.sampler.trainable_variables, self.sampler_optimizer)
        return sampler_loss

    def update(self, observations, log_target, rng):
        """Steps 1-3 on one batch of states (steps 1 and 2 on the same x_q).

        Args:
          observations: s [B, obs_dim].
          log_target: ``log_target(s [n, obs_dim], a [n, m])`` -> log pi(a | s) + const [n].
          rng: a ``tf.random.Generator``.

        Returns:
          {'flow_loss', 'critic_loss', 'sampler_loss'}: scalar tensors.
        """
        x_q = self.sampler.pre_squash(observations, rng)
        return {"flow_loss": self.flow_step(observations, x_q),
                "critic_loss": self.critic_step(observations, x_q, rng),
                "sampler_loss": self.sampler_step(observations, log_target, rng)}


def fixed_to_updated_kernel(fixed, updated):
    """RBF kernel k(a_j, a_i) [B, J, I] between fixed a_j [B, J, m] and updated a_i [B, I, m],
    and its gradient in a_j, -2 / h (a_j - a_i) k(a_j, a_i) [B, J, I, m].

    k(a_j, a_i) = exp(-||a_j - a_i||^2 / h), with a bandwidth per state by the median
    heuristic of ``vagan_tf.samplers.svgd.svgd_bandwidth``:
    h = median_ji ||a_j - a_i||^2 / log(J + 1).

    Args:
      fixed: a_j [B, J, m].
      updated: a_i [B, I, m].

    Returns:
      (k [B, J, I], grad_{a_j} k [B, J, I, m]).
    """
    differences = fixed[:, :, None, :] - updated[:, None, :, :]
    squared = tf.reduce_sum(tf.square(differences), axis=-1)
    num_fixed = tf.cast(tf.shape(fixed)[1], fixed.dtype)
    bandwidth = svgd_bandwidth(squared, num_fixed)[:, None, None]
    kernel = tf.exp(-squared / bandwidth)
    kernel_gradient = -2.0 / bandwidth[..., None] * differences * kernel[..., None]
    return kernel, kernel_gradient


@gin.configurable
class AmortizedSVGDUpdate(PolicyUpdate):
    """Soft Q-learning's sampler update (Haarnoja et al. 2017, Eq. 13 and Algorithm 1).

    Per state s, K actions a = tanh(g_pre(s, eps_k)) are split into J fixed ones (no
    gradient) and I = K - J updated ones; the SVGD direction at an updated a_i is

        phi(a_i) = (1/J) sum_j [ k(a_j, a_i) grad_a Q(s, a_j) / alpha + grad_{a_j} k(a_j, a_i) ],

    in action space (the kernel of ``fixed_to_updated_kernel``), and the sampler follows
    d g / d theta^T phi by minimising the surrogate

        L = -mean_{s, i} sg[phi(a_i)] . a_i(theta).

    (Eq. 13 scales the score by 1 and the repulsion by alpha; dividing by alpha gives
    the same direction up to a scale that Adam removes. The released code's extra
    sum log(1 - a^2) in the score is left out: it would change the target density.)

    Args:
      sampler: as for every ``PolicyUpdate``.
      observation_dim: size of s.
      action_dim: size of a.
      num_particles: K per state (16 in soft Q-learning).
      fixed_fraction: J / K (0.5 in soft Q-learning).
      sampler_optimizer: keras optimizer.

    Raises:
      ValueError: J = round(K fixed_fraction) is not strictly between 0 and K.
    """

    loss_names = ("svgd_surrogate", "svgd_direction_norm")

    def __init__(self, sampler, observation_dim, action_dim, num_particles=16,
                 fixed_fraction=0.5, sampler_optimizer=gin.REQUIRED):
        self.sampler = sampler
        self.num_fixed = round(num_particles * fixed_fraction)
        self.num_particles = int(num_particles)
        if not 0 < self.num_fixed < self.num_particles:
            raise ValueError(f"AmortizedSVGDUpdate needs 0 < J < K, got J={self.num_fixed}, "
                             f"K={self.num_particles}")
        self.sampler_optimizer = sampler_optimizer
        self.sampler_optimizer.build(sampler.trainable_variables)

    @property
    def variables(self):
        """The sampler optimizer's variables (a list)."""
        return list(self.sampler_optimizer.variables)

    def update(self, observations, log_target, rng):
        """One step on the surrogate L for K actions per state.

        Args:
          observations: s [B, obs_dim].
          log_target: ``log_target(s [n, obs_dim], a [n, m])`` -> log pi(a | s) + const [n].
          rng: a ``tf.random.Generator``.

        Returns:
          {'svgd_surrogate': L, 'svgd_direction_norm': mean ||phi(a_i)||}: scalar tensors.
        """
        batch = tf.shape(observations)[0]
        tiled = tf.repeat(observations, self.num_particles, axis=0)
        with tf.GradientTape() as tape:
            actions = tf.reshape(self.sampler.sample(tiled, rng), [batch, self.num_particles, -1])
            fixed = tf.stop_gradient(actions[:, :self.num_fixed])
            updated = actions[:, self.num_fixed:]
            with tf.GradientTape() as score_tape:
                score_tape.watch(fixed)
                log_density = log_target(tf.repeat(observations, self.num_fixed, axis=0),
                                         tf.reshape(fixed, [batch * self.num_fixed, -1]))
            score = score_tape.gradient(log_density, fixed)
            kernel, kernel_gradient = fixed_to_updated_kernel(fixed, tf.stop_gradient(updated))
            direction = (tf.einsum("bji,bjm->bim", kernel, score)
                         + tf.reduce_sum(kernel_gradient, axis=1)) / self.num_fixed
            direction = tf.stop_gradient(direction)
            surrogate = -tf.reduce_mean(tf.reduce_sum(direction * updated, axis=-1))
        descend(self.sampler_optimizer, tape, surrogate, self.sampler.trainable_variables)
        norm = tf.reduce_mean(tf.norm(direction, axis=-1))
        return {"svgd_surrogate": surrogate, "svgd_direction_norm": norm}
