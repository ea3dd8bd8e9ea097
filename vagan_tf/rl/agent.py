"""The soft Q-learning agent and its loop over a gymnasium environment.

One ``SoftQAgent.train_iteration`` on a replay batch (s, a, r, s', terminal) of size B:

1. Q step:  L_Q = 1/2 mean (Q(s, a) - sg[y])^2,  y = r + gamma (1 - terminal) V_target(s'),
   V_target(s') the importance-sampled soft value ``soft_q.soft_value`` of the target
   network over K action particles (uniform, or with ``value_proposal = 'policy'`` half
   of them from the U-GAN's flow nu(a | s), see ``soft_q``); with ``n_step = n > 1`` the
   batch is of windows of n consecutive transitions and y is the n-step target
   G + gamma^L (1 - terminal) V_target(s'_{L-1}) of ``soft_q.n_step_transitions``; with
   ``bound_soft_value`` V_target is capped at the sampler's actions' mean Q_target plus
   alpha m log 2 (``soft_q.entropy_bounded_value``);
2. policy step: the ``policy_update`` (U-GAN or amortised SVGD) on the states s with
   log pi(a | s) = Q(s, a) / alpha + const (the online network);
3. target step: ``target_update`` (a hard copy every 1000 iterations by default).

With ``num_q_networks = n > 1`` (clipped double Q, Fujimoto et al. 2018), n Q networks
and their target copies are trained to the same y, and Q in V_target and in the policy's
log density is the elementwise minimum Q = min_i Q_i: the soft value is a log-sum-exp
over particles, close to a maximum when alpha is small, and so inherits Q-learning's
overestimation of noisy Q, which the minimum counters.

The agent acts in the box [-1, 1]^m; ``to_env_action`` maps that box affinely onto the
environment's action bounds.
"""
import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.config import checks
from vagan_tf.rl import soft_q
from vagan_tf.rl.networks import PolicySampler, q_network
from vagan_tf.rl.replay import ReplayBuffer
from vagan_tf.training.distribute import descend


@gin.configurable
class SoftQAgent:
    """Q network, its target copy, the policy sampler, the policy update and the replay buffer.

    Args:
      observation_dim: size of s.
      action_dim: size of a.
      policy_update: ``policy_update(sampler=, observation_dim=, action_dim=)`` -> a
        ``policy_update.PolicyUpdate`` (``UGANPolicyUpdate`` or ``AmortizedSVGDUpdate``).
      q_optimizer: keras optimizer of the Q network.
      alpha: the temperature (1 / reward scale of Haarnoja et al. 2017).
      discount: gamma.
      batch_size: B, transitions per iteration.
      value_particles: K, uniform action particles per next state for V(s').
      target_update: a ``soft_q.TargetNetworkUpdate``.
      replay_capacity: N of the ``ReplayBuffer``.
      seed: seed of the agent's ``tf.random.Generator`` (replay batches, noise, particles).
      jit_compile: compile ``train_iteration`` with XLA (on a CPU, 1.3x cheaper U-GAN steps
        with the flow of rl/swimmer.gin and 1.2x dearer SVGD steps: benchmarks/sql_cost.py).
      num_q_networks: n, the Q networks whose minimum is Q (1: plain soft Q-learning).
      value_proposal: where V_target's particles come from: 'uniform' (soft Q-learning's),
        or 'policy', the policy update's ``value_particles`` (the U-GAN's flow mixed with
        the uniform law).
      n_step: n, the transitions of each Q target (1: the one-step soft Bellman target).
      bound_soft_value: cap V_target(s') at the mean of Q_target over ``value_particles``
        of the sampler's actions at s' plus alpha m log 2 (``soft_q.entropy_bounded_value``).

    Raises:
      ValueError: ``value_proposal`` is neither 'uniform' nor 'policy', or is 'policy' with a
        policy update that has no ``value_particles``.
      ConfigurationError: ``num_q_networks`` or ``n_step`` is not a positive integer.
    """

    def __init__(self, observation_dim, action_dim, policy_update=gin.REQUIRED,
                 q_optimizer=gin.REQUIRED, alpha=1.0, discount=0.99, batch_size=128,
                 value_particles=16, target_update=None, replay_capacity=10**6, seed=0,
                 jit_compile=False, num_q_networks=1, value_proposal="uniform", n_step=1,
                 bound_soft_value=False):
        self.observation_dim = int(observation_dim)
        self.action_dim = int(action_dim)
        self.alpha = float(alpha)
        self.discount = float(discount)
        self.batch_size = int(batch_size)
        self.value_particles = int(value_particles)
        self.target_update = target_update or soft_q.TargetNetworkUpdate()
        num_q_networks = checks.positive_int("SoftQAgent.num_q_networks", num_q_networks)
        suffixes = [""] if num_q_networks == 1 else [f"_{i}" for i in range(num_q_networks)]
        self.q_networks = [q_network(observation_dim, action_dim, name=f"q_network{suffix}")
                           for suffix in suffixes]
        self.target_q_networks = [
            q_network(observation_dim, action_dim, name=f"target_q_network{suffix}")
            for suffix in suffixes]
        for online, target in zip(self.q_networks, self.target_q_networks):
            target.set_weights(online.get_weights())
        self.sampler = PolicySampler(observation_dim, action_dim)
        self.policy_update = policy_update(sampler=self.sampler, observation_dim=observation_dim,
                                           action_dim=action_dim)
        if value_proposal not in ("uniform", "policy"):
            raise ValueError(f"SoftQAgent.value_proposal must be 'uniform' or 'policy'; "
                             f"got {value_proposal!r}")
        if value_proposal == "policy" and not hasattr(self.policy_update, "value_particles"):
            raise ValueError(f"SoftQAgent.value_proposal = 'policy' needs a policy update with "
                             f"a density (UGANPolicyUpdate); "
                             f"{type(self.policy_update).__name__} has none")
        self.value_proposal = value_proposal
        self.n_step = checks.positive_int("SoftQAgent.n_step", n_step)
        self.bound_soft_value = bool(bound_soft_value)
        self.q_optimizer = q_optimizer
        self.q_optimizer.build(self.q_variables(self.q_networks, trainable=True))
        self.replay = ReplayBuffer(observation_dim, action_dim, replay_capacity)
        self.rng = tf.random.Generator.from_seed(seed)
        self.evaluation_rng = tf.random.Generator.from_seed(seed)  # reset by play_episodes
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False, name="iterations")
        names = ("q_loss", "q_mean", "soft_value") + tuple(self.policy_update.loss_names)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.jit_compile = bool(jit_compile)
        self.train_iteration = tf.function(self._train_iteration, jit_compile=self.jit_compile)

    def checkpoint_variables(self):
        """Every variable of the agent by part, for ``tf.train.Checkpoint(**...)``.

        Returns:
          {part name: list of variables}: the Q and target networks, the sampler, the Q
          optimizer, the policy update, the replay buffer and the agent's random state and
          iteration count.
        """
        return {"q_network": self.q_variables(self.q_networks),
                "target_q_network": self.q_variables(self.target_q_networks),
                "sampler": list(self.sampler.variables),
                "q_optimizer": list(self.q_optimizer.variables),
                "policy_update": list(self.policy_update.variables),
                "replay": self.replay.variables,
                "agent_state": [self.rng.state, self.iterations]}

    @staticmethod
    def q_variables(networks, trainable=False):
        """The (trainable) variables of ``networks``, in order.

        Args:
          networks: a list of keras models.
          trainable: only the trainable variables.

        Returns:
          A list of variables.
        """
        return [v for network in networks
                for v in (network.trainable_variables if trainable else network.variables)]

    @staticmethod
    def minimum_q(networks, observations, actions):
        """Q(s, a) = min_i Q_i(s, a) [n] over ``networks``.

        Args:
          networks: the Q networks, each ``[s, a]`` -> [n, 1].
          observations: s [n, obs_dim].
          actions: a [n, m].

        Returns:
          Q [n].
        """
        return tf.reduce_min(tf.stack([network([observations, actions])[:, 0]
                                       for network in networks]), axis=0)

    def log_policy_target(self, observations, actions):
        """Q(s, a) / alpha [n]: the policy's unnormalised log density.

        Args:
          observations: s [n, obs_dim].
          actions: a [n, m].

        Returns:
          Q(s, a) / alpha [n], Q the minimum of the online networks.
        """
        return self.minimum_q(self.q_networks, observations, actions) / self.alpha

    @tf.function
    def act(self, observations, rng=None):
        """a ~ the sampler's policy [B, m] in [-1, 1]^m for observations [B, obs_dim], with
        ``rng`` (a ``tf.random.Generator``; the agent's own when None).

        Args:
          observations: s [B, obs_dim].
          rng: a ``tf.random.Generator``, or None for the agent's ``rng``.

        Returns:
          a [B, m].
        """
        rng = self.rng if rng is None else rng
        return self.sampler.sample(tf.cast(observations, tf.float32), rng)

    def sample_batch(self):
        """B transitions from the replay buffer: one-step ones, or n-step ones from windows
        (``soft_q.n_step_transitions``, with their ``discounts`` gamma^L).

        Returns:
          {field: [B, ...]}: the fields of ``replay.FIELDS`` and, with ``n_step`` > 1,
          ``discounts`` [B].
        """
        if self.n_step == 1:
            return self.replay.sample(self.batch_size, self.rng)
        return soft_q.n_step_transitions(
            self.replay.sample_windows(self.batch_size, self.n_step, self.rng), self.discount)

    def q_targets(self, batch):
        """(y [B], V_target(s') [B]) for a batch of ``sample_batch``.

        Args:
          batch: a batch of ``sample_batch``.

        Returns:
          (y [B], V_target(s') [B]).
        """
        if self.value_proposal == "policy":
            particles, log_proposal = self.policy_update.value_particles(
                batch["next_observations"], self.value_particles, self.rng)
        else:
            particles, log_proposal = soft_q.uniform_action_particles(
                self.batch_size, self.value_particles, self.action_dim, self.rng)
        next_q = soft_q.q_at_particles(
            lambda inputs: self.minimum_q(self.target_q_networks, *inputs),
            batch["next_observations"], particles)
        next_values = soft_q.soft_value(next_q, log_proposal, self.alpha)
        if self.bound_soft_value:
            next_values = soft_q.entropy_bounded_value(
                next_values, self.target_q_at_policy_actions(batch["next_observations"]),
                self.alpha, self.action_dim)
        targets = soft_q.soft_bellman_target(batch["rewards"], batch["terminals"], next_values,
                                             batch.get("discounts", self.discount))
        return targets, next_values

    def target_q_at_policy_actions(self, observations):
        """Q_target(s, a_j) [B, K] at K = ``value_particles`` sampler actions a_j per state.

        Args:
          observations: s [B, obs_dim].

        Returns:
          Q_target [B, K], the minimum of the target networks.
        """
        tiled = tf.repeat(observations, self.value_particles, axis=0)
        actions = tf.reshape(self.sampler.sample(tiled, self.rng),
                             [-1, self.value_particles, self.action_dim])
        return soft_q.q_at_particles(
            lambda inputs: self.minimum_q(self.target_q_networks, *inputs), observations,
            actions)

    def q_step(self, batch):
        """One step on L_Q = 1/2 mean (Q(s, a) - sg[y])^2 for a batch of ``sample_batch``;
        returns its logs.

        Args:
          batch: a batch of ``sample_batch``.

        Returns:
          {'q_loss', 'q_mean', 'soft_value' (mean V_target(s'))}: scalar tensors.
        """
        targets, next_values = self.q_targets(batch)
        with tf.GradientTape() as tape:
            q_values = tf.stack([network([batch["observations"], batch["actions"]])[:, 0]
                                 for network in self.q_networks])
            q_loss = 0.5 * tf.reduce_mean(tf.square(q_values - targets))
        descend(self.q_optimizer, tape, q_loss, self.q_variables(self.q_networks, trainable=True))
        return {"q_loss": q_loss, "q_mean": tf.reduce_mean(q_values),
                "soft_value": tf.reduce_mean(next_values)}

    def _train_iteration(self):
        """``train_iteration()``: one Q step, one policy step and a target update on a replay
        batch; returns the losses."""
        batch = self.sample_batch()
        logs = self.q_step(batch)
        logs.update(self.policy_update.update(batch["observations"], self.log_policy_target,
                                              self.rng))
        self.iterations.assign_add(1)
        self.target_update(self.iterations, self.q_variables(self.q_networks),
                           self.q_variables(self.target_q_networks))
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return logs

    def mean_losses(self):
        """The mean of each loss since the last call, as floats (the means restart).

        Returns:
          {loss name: float}.
        """
        means = {name: float(tracker.result()) for name, tracker in self.trackers.items()}
        for tracker in self.trackers.values():
            tracker.reset_state()
        return means


def make_env(name, **kwargs):
    """``gymnasium.make(name)``; tells how to install the ``rl`` extra when gymnasium is missing.

    Args:
        name: the environment's id, e.g. ``'Swimmer-v5'``.
        **kwargs: passed to ``gymnasium.make``.

    Returns:
        The environment.

    Raises:
        ImportError: gymnasium is not installed (the message names the ``rl`` extra).
    """
    try:
        import gymnasium
    except ImportError as error:
        raise ImportError("vagan_tf.rl needs gymnasium with MuJoCo: "
                          "pip install -e '.[rl]'") from error
    return gymnasium.make(name, **kwargs)


def to_env_action(actions, action_space):
    """a in [-1, 1]^m -> low + (a + 1) (high - low) / 2, in the space's dtype.

    Args:
        actions: a [..., m] in [-1, 1].
        action_space: the environment's Box action space (``low``, ``high``, ``dtype``).

    Returns:
        The environment's actions, a NumPy array of ``actions``' shape.
    """
    low, high = action_space.low, action_space.high
    return (low + (np.asarray(actions) + 1.0) * 0.5 * (high - low)).astype(action_space.dtype)


class EnvironmentLoop:
    """Steps one environment with the agent's sampler and stores every transition.

    A transition is terminal only when the environment terminates; a truncation (the
    time limit) ends the episode but keeps bootstrapping from s'.

    Args:
        env: a gymnasium environment with a Box action space.
        agent: the ``SoftQAgent`` whose sampler acts and whose buffer stores.
    """

    def __init__(self, env, agent):
        self.env = env
        self.agent = agent
        self.observation = None
        self.episode_return = 0.0

    def reset(self, seed=None):
        """Starts a new episode (abandoning one in progress).

        Args:
            seed: the seed of ``env.reset``; None: unseeded.
        """
        self.observation, _ = self.env.reset(seed=seed)
        self.episode_return = 0.0

    def step(self):
        """One environment step; returns the episode's return if the step ended it, else None.

        Returns:
            The finished episode's reward sum (a float), or None.
        """
        if self.observation is None:
            self.reset()
        observation = np.asarray(self.observation, np.float32)
        action = self.agent.act(observation[None]).numpy()[0]
        next_observation, reward, terminated, truncated, _ = self.env.step(
            to_env_action(action, self.env.action_space))
        self.agent.replay.add(observation[None], action[None], np.float32([reward]),
                              np.asarray(next_observation, np.float32)[None],
                              np.float32([terminated]))
        self.episode_return += float(reward)
        self.observation = next_observation
        if terminated or truncated:
            finished = self.episode_return
            self.reset()
            return finished
        return None


def play_episodes(envs, agent, seed=None):
    """One episode per environment of ``envs``, played in lockstep by the sampler's
    (stochastic) policy; stores nothing and leaves the agent's random state alone.

    With a ``seed``, episode i starts from ``env.reset(seed=seed + i)`` and the policy's
    noise comes from ``agent.evaluation_rng`` reset to ``seed``: the same agent and seed
    play the same episodes. Every step acts on all unfinished episodes in one batch.
    Returns one dict per episode: ``observations`` [T, obs_dim] (the states acted in),
    ``actions`` [T, m] (in the environment's bounds) and ``rewards`` [T].

    Args:
        envs: one gymnasium environment per episode.
        agent: the ``SoftQAgent`` whose policy plays.
        seed: the episodes' seed; None: unseeded, with the evaluation generator's state as
            it is.

    Returns:
        A list of dicts of NumPy arrays, one per environment.
    """
    if seed is not None:
        agent.evaluation_rng.reset_from_seed(seed)
    observations = [env.reset(seed=None if seed is None else seed + i)[0]
                    for i, env in enumerate(envs)]
    episodes = [{"observations": [], "actions": [], "rewards": []} for _ in envs]
    running = list(range(len(envs)))
    while running:
        batch = np.asarray([observations[i] for i in running], np.float32)
        actions = agent.act(batch, agent.evaluation_rng).numpy()
        for i, action in zip(list(running), actions):
            env_action = to_env_action(action, envs[i].action_space)
            episodes[i]["observations"].append(observations[i])
            episodes[i]["actions"].append(env_action)
            observations[i], reward, terminated, truncated, _ = envs[i].step(env_action)
            episodes[i]["rewards"].append(float(reward))
            if terminated or truncated:
                running.remove(i)
    return [{name: np.asarray(values) for name, values in episode.items()}
            for episode in episodes]


def evaluate_policy(envs, agent, seed=None):
    """The reward sum of each episode of ``play_episodes(envs, agent, seed)``.

    Args:
        envs: one environment per episode.
        agent: the ``SoftQAgent`` whose policy plays.
        seed: the episodes' seed (see ``play_episodes``); None: unseeded.

    Returns:
        A list of floats, one per environment.
    """
    return [float(np.sum(episode["rewards"])) for episode in play_episodes(envs, agent, seed)]
