"""Soft Q-learning (vagan_tf.rl): soft value, replay buffer, both sampler updates, Swimmer runs."""
import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
import types

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import cli
from vagan_tf.config import checks
from vagan_tf.nets.flows import MAF
from vagan_tf.rl import soft_q
from vagan_tf.rl.agent import SoftQAgent, to_env_action
from vagan_tf.rl.agent_run import export_policy_sampler
from vagan_tf.rl.networks import PolicySampler, pair_critic
from vagan_tf.rl.policy_update import (AmortizedSVGDUpdate, UGANPolicyUpdate,
                                       fixed_to_updated_kernel, log_abs_det_tanh)
from vagan_tf.rl.replay import ReplayBuffer
from vagan_tf.run import assemble
from vagan_tf.run import assemble

from helpers import train_args

HAS_MUJOCO = all(importlib.util.find_spec(m) is not None for m in ("gymnasium", "mujoco"))
needs_mujoco = pytest.mark.skipif(
    not HAS_MUJOCO, reason="gymnasium[mujoco] is not installed (pip install -e '.[rl]')")

TINY = ["TOTAL_ENV_STEPS = 40", "RLExperiment.steps_per_epoch = 20",
        "RLExperiment.warmup_steps = 10", "RLExperiment.eval_episodes = 0",
        "RLExperiment.verbose = 0", "SoftQAgent.batch_size = 8", "SoftQAgent.replay_capacity = 100",
        "WIDTH = 8", "action/maf.hidden_units = (8, 8)", "RLExperiment.max_episode_steps = 15"]


# ------------------------------------------------------------------ soft value, Bellman target
def test_soft_value_matches_a_hand_computation_on_two_discrete_actions():
    # Q = (0, alpha log 2) at two actions, each proposed with probability 1/2:
    # V = alpha log (1/2)(e^0 / (1/2) + e^{log 2} / (1/2)) = alpha log 3 = log sum_a e^{Q/alpha}.
    alpha = 0.5
    q_values = tf.constant([[0.0, alpha * math.log(2.0)]])
    log_proposal = tf.math.log(tf.constant([[0.5, 0.5]]))
    value = soft_q.soft_value(q_values, log_proposal, alpha)
    np.testing.assert_allclose(value.numpy(), [alpha * math.log(3.0)], rtol=1e-6)


def test_soft_value_stays_finite_where_exp_q_over_alpha_overflows():
    q_values = tf.constant([[1000.0, 1000.0, 990.0]])
    value = soft_q.soft_value(q_values, tf.zeros_like(q_values), alpha=0.01)
    expected = 1000.0 + 0.01 * math.log((2.0 + math.exp(-1000.0)) / 3.0)
    np.testing.assert_allclose(value.numpy(), [expected], rtol=1e-6)


def test_uniform_particles_give_the_exact_soft_value_of_a_constant_q():
    # int_{[-1,1]^m} exp(c / alpha) da = 2^m exp(c / alpha): V = c + alpha m log 2 exactly.
    rng = tf.random.Generator.from_seed(0)
    actions, log_proposal = soft_q.uniform_action_particles(4, 16, 3, rng)
    assert actions.shape == (4, 16, 3)
    assert np.all(np.abs(actions.numpy()) <= 1.0)
    value = soft_q.soft_value(tf.fill([4, 16], 2.0), log_proposal, alpha=0.1)
    np.testing.assert_allclose(value.numpy(), 2.0 + 0.1 * 3 * math.log(2.0), rtol=1e-6)


def test_uniform_particles_estimate_the_soft_value_of_a_linear_q():
    # Q = a on [-1, 1]: V = alpha log int exp(a / alpha) da = alpha log(2 alpha sinh(1 / alpha)).
    alpha = 0.5
    rng = tf.random.Generator.from_seed(1)
    actions, log_proposal = soft_q.uniform_action_particles(1, 200_000, 1, rng)
    value = soft_q.soft_value(actions[..., 0], log_proposal, alpha)
    expected = alpha * math.log(2.0 * alpha * math.sinh(1.0 / alpha))
    np.testing.assert_allclose(value.numpy(), [expected], atol=5e-3)


def test_the_bellman_target_does_not_bootstrap_from_terminal_states():
    target = soft_q.soft_bellman_target(tf.constant([1.0, 1.0]), tf.constant([0.0, 1.0]),
                                        tf.constant([10.0, 10.0]), discount=0.9)
    np.testing.assert_allclose(target.numpy(), [10.0, 1.0])


def test_n_step_transitions_sum_discounted_rewards_up_to_a_break_or_a_terminal():
    rewards = tf.constant([[1.0, 2.0, 3.0]] * 3)
    window = {"observations": tf.reshape(tf.range(9.0), [3, 3, 1]),
              "actions": tf.zeros([3, 3, 2]), "rewards": rewards,
              "next_observations": tf.reshape(tf.range(9.0) + 100.0, [3, 3, 1]),
              "terminals": tf.constant([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
              "continues": tf.constant([[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]])}
    got = {k: v.numpy() for k, v in soft_q.n_step_transitions(window, discount=0.5).items()}
    # whole window: 1 + 0.5 * 2 + 0.25 * 3 and gamma^3; a terminal second transition:
    # 1 + 0.5 * 2, no bootstrap; a break after the first: 1 and gamma^1
    np.testing.assert_allclose(got["rewards"], [2.75, 2.0, 1.0])
    np.testing.assert_allclose(got["discounts"], [0.125, 0.25, 0.5])
    np.testing.assert_array_equal(got["terminals"], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(got["next_observations"][:, 0], [102.0, 104.0, 106.0])
    np.testing.assert_array_equal(got["observations"][:, 0], [0.0, 3.0, 6.0])
    target = soft_q.soft_bellman_target(got["rewards"], got["terminals"], tf.fill([3], 8.0),
                                        got["discounts"])
    np.testing.assert_allclose(target.numpy(), [2.75 + 1.0, 2.0, 1.0 + 4.0])


def test_target_network_update_copies_every_interval_and_averages_with_tau():
    online, target = [tf.Variable([1.0, 2.0])], [tf.Variable([0.0, 0.0])]
    hard = soft_q.TargetNetworkUpdate(tau=1.0, interval=3)
    hard(tf.constant(2, tf.int64), online, target)
    np.testing.assert_array_equal(target[0].numpy(), [0.0, 0.0])
    hard(tf.constant(3, tf.int64), online, target)
    np.testing.assert_array_equal(target[0].numpy(), [1.0, 2.0])
    soft = soft_q.TargetNetworkUpdate(tau=0.25, interval=1)
    tf.function(soft)(tf.constant(7, tf.int64), [tf.Variable([4.0, 4.0])], target)
    np.testing.assert_allclose(target[0].numpy(), [1.75, 2.5])
    with pytest.raises(ValueError, match="tau"):
        soft_q.TargetNetworkUpdate(tau=0.0)


# ------------------------------------------------------------------ replay buffer
def add_transitions(buffer, first, count):
    ids = np.arange(first, first + count, dtype=np.float32)
    buffer.add(np.stack([ids, -ids], 1), ids[:, None], ids, np.stack([ids + 1, -ids - 1], 1),
               ids % 2)


def test_replay_buffer_samples_only_what_was_added_and_keeps_transitions_whole():
    buffer = ReplayBuffer(observation_dim=2, action_dim=1, capacity=10)
    rng = tf.random.Generator.from_seed(0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="empty"):
        buffer.sample(4, rng)
    add_transitions(buffer, 0, 4)
    assert int(buffer.size()) == 4
    batch = {k: v.numpy() for k, v in buffer.sample(2000, rng).items()}
    ids = batch["rewards"]
    assert set(ids.tolist()) == {0.0, 1.0, 2.0, 3.0}
    counts = np.bincount(ids.astype(int))
    assert counts.min() > 400  # uniform: 500 each
    np.testing.assert_array_equal(batch["observations"], np.stack([ids, -ids], 1))
    np.testing.assert_array_equal(batch["actions"][:, 0], ids)
    np.testing.assert_array_equal(batch["next_observations"], np.stack([ids + 1, -ids - 1], 1))
    np.testing.assert_array_equal(batch["terminals"], ids % 2)


def test_replay_buffer_wraps_around_overwriting_the_oldest_transitions():
    buffer = ReplayBuffer(observation_dim=2, action_dim=1, capacity=10)
    add_transitions(buffer, 0, 7)
    for i in range(7, 13):  # one at a time across the end of the ring
        add_transitions(buffer, i, 1)
    assert int(buffer.size()) == 10 and int(buffer.num_added) == 13
    stored = buffer.storage["rewards"].numpy()
    np.testing.assert_array_equal(stored, [10, 11, 12, 3, 4, 5, 6, 7, 8, 9])
    sampled = buffer.sample(3000, tf.random.Generator.from_seed(1))["rewards"].numpy()
    assert set(sampled.tolist()) == set(range(3, 13))


def test_replay_buffer_keeps_the_last_capacity_transitions_of_a_long_batch():
    buffer = ReplayBuffer(observation_dim=2, action_dim=1, capacity=4)
    add_transitions(buffer, 0, 1)
    add_transitions(buffer, 1, 6)  # transitions 1..6 into slots 1, 2, 3, 0, 1, 2
    np.testing.assert_array_equal(buffer.storage["rewards"].numpy(), [4, 5, 6, 3])
    assert int(buffer.num_added) == 7


def add_episodes(buffer, lengths, terminal_ends):
    """Episodes of transitions t = 0, 1, ... (reward t, observation (t, episode, 0, ...),
    action (t, 0, ...)) in order, each continuing its own chain s_{t+1} = s'_t; the last of
    an episode is terminal where ``terminal_ends`` says so."""
    observation_dim = buffer.storage["observations"].shape[1]
    action_dim = buffer.storage["actions"].shape[1]
    t = 0
    for episode, (length, terminal) in enumerate(zip(lengths, terminal_ends)):
        ids = np.arange(t, t + length, dtype=np.float32)
        observations = np.zeros((length, observation_dim))
        observations[:, :2] = np.stack([ids, np.full(length, episode)], 1)
        next_observations = observations.copy()
        next_observations[:, 0] += 1
        actions = np.zeros((length, action_dim))
        actions[:, 0] = ids
        terminals = np.zeros(length)
        terminals[-1] = float(terminal)
        buffer.add(observations, actions, ids, next_observations, terminals)
        t += length


def test_replay_windows_are_consecutive_transitions_that_stop_at_a_reset_and_at_the_newest():
    buffer = ReplayBuffer(observation_dim=2, action_dim=1, capacity=7)
    add_episodes(buffer, [4, 6], [False, False])  # transitions 0..9; 3..9 kept, a reset at 4
    window = {k: v.numpy() for k, v in
              buffer.sample_windows(3000, 3, tf.random.Generator.from_seed(0)).items()}
    first = window["rewards"][:, 0]
    assert set(first.tolist()) == set(range(3, 10))  # every kept transition starts windows
    assert np.bincount(first.astype(int))[3:].min() > 300  # uniformly: about 430 each
    for start, rewards, continues in zip(first.astype(int), window["rewards"],
                                         window["continues"]):
        for k in (0, 1):  # does transition start + k + 1 continue transition start + k?
            after = start + k + 1
            stored_and_same_episode = after <= 9 and (after <= 3) == (after - 1 <= 3)
            assert continues[k] == float(stored_and_same_episode)
            if stored_and_same_episode:
                assert rewards[k + 1] == after
    with pytest.raises(tf.errors.InvalidArgumentError, match="empty"):
        ReplayBuffer(2, 1, 4).sample_windows(2, 3, tf.random.Generator.from_seed(0))


# ------------------------------------------------------------------ sampler updates
def test_log_abs_det_tanh_is_the_log_derivative_of_tanh():
    # 1 - tanh^2 = 1 / cosh^2, log cosh x = logaddexp(x, -x) - log 2 (finite where tanh = 1).
    x = np.array([[-30.0, -1.0, 0.0, 0.5, 30.0], [0.1, 0.2, 0.3, 0.4, 0.5]])
    expected = np.sum(-2.0 * (np.logaddexp(x, -x) - np.log(2.0)), axis=-1)
    np.testing.assert_allclose(expected[1], np.sum(np.log(1.0 - np.tanh(x[1]) ** 2)))
    np.testing.assert_allclose(log_abs_det_tanh(tf.constant(x, tf.float32)).numpy(), expected,
                               rtol=1e-5)


def test_the_kernel_gradient_is_the_gradient_of_the_kernel_in_the_fixed_particles():
    fixed = tf.random.normal([3, 4, 2])
    updated = tf.random.normal([3, 5, 2])
    kernel, kernel_gradient = fixed_to_updated_kernel(fixed, updated)
    assert kernel.shape == (3, 4, 5) and kernel_gradient.shape == (3, 4, 5, 2)
    differences = fixed[:, :, None] - updated[:, None]
    squared = tf.reduce_sum(differences**2, -1)
    flat = np.sort(squared.numpy().reshape(3, -1), axis=-1)
    bandwidth = flat[:, 10] / np.log(5.0)
    np.testing.assert_allclose(kernel.numpy(), np.exp(-squared.numpy() / bandwidth[:, None, None]),
                               rtol=1e-5)
    with tf.GradientTape() as tape:  # the bandwidth held fixed, as in SVGD
        tape.watch(fixed)
        d = fixed[:, :, None] - updated[:, None]
        k = tf.exp(-tf.reduce_sum(d**2, -1) / bandwidth[:, None, None])
        total = tf.reduce_sum(k[:, :, 1])
    np.testing.assert_allclose(kernel_gradient[:, :, 1].numpy(),
                               tape.gradient(total, fixed).numpy(), rtol=1e-4, atol=1e-6)


def quadratic_log_target(mean, std):
    """Q(s, a) / alpha = -sum (a - mean)^2 / (2 std^2): pi = N(mean, std^2) cut to the box."""
    def log_target(observations, actions):
        del observations
        return -tf.reduce_sum(tf.square(actions - mean) / (2.0 * std**2), axis=-1)
    return log_target


def train_on_a_quadratic(make_update, iterations, batch=128, observation_dim=3):
    sampler = PolicySampler(observation_dim, 2, width=64, depth=2)
    update = make_update(sampler, observation_dim, 2)
    rng = tf.random.Generator.from_seed(3)
    log_target = quadratic_log_target(tf.constant([0.3, -0.2]), tf.constant([0.15, 0.25]))

    @tf.function
    def step():
        observations = rng.normal([batch, observation_dim])
        return update.update(observations, log_target, rng)

    logs = {}
    for _ in range(iterations):
        logs = step()
    actions = sampler.sample(rng.normal([20_000, observation_dim]), rng).numpy()
    return actions, {k: float(v) for k, v in logs.items()}


def adam(learning_rate=2e-3):
    return keras.optimizers.Adam(learning_rate)


def small_ugan_update(sampler, observation_dim, action_dim, iterations=1000):
    # Flow and critic learn 4x faster than the sampler (and the sampler's rate decays), so
    # nu and w track q; at equal rates the sampler's moments wander by ~0.1.
    def flow(event_dim, context_dim):
        return MAF(event_dim, num_blocks=2, hidden_units=(64, 64), context_dim=context_dim)

    def critic(observation_dim, action_dim):
        return pair_critic(observation_dim, action_dim, width=64)

    sampler_rate = keras.optimizers.schedules.CosineDecay(5e-4, iterations)
    return UGANPolicyUpdate(sampler, observation_dim, action_dim, flow=flow, critic=critic,
                            sampler_optimizer=adam(sampler_rate), flow_optimizer=adam(),
                            critic_optimizer=adam())


def small_svgd_update(sampler, observation_dim, action_dim):
    return AmortizedSVGDUpdate(sampler, observation_dim, action_dim, num_particles=16,
                               sampler_optimizer=adam())


@pytest.mark.parametrize("make_update, iterations", [(small_ugan_update, 1000),
                                                     (small_svgd_update, 600)],
                         ids=["ugan", "amortized_svgd"])
@pytest.mark.slow
def test_the_trained_sampler_matches_the_moments_of_exp_q_over_alpha(make_update, iterations):
    # State-independent quadratic Q: pi(a | s) = N((0.3, -0.2), diag(0.15, 0.25)^2) on the box
    # (within 4.7 and 3.2 standard deviations of its edges: the cut is negligible).
    actions, logs = train_on_a_quadratic(make_update, iterations)
    assert all(np.isfinite(v) for v in logs.values()), logs
    np.testing.assert_allclose(actions.mean(0), [0.3, -0.2], atol=0.04)
    np.testing.assert_allclose(actions.std(0), [0.15, 0.25], rtol=0.15)


def test_an_untrained_sampler_does_not_match_the_quadratics_moments():
    # The moment test above can fail: zero iterations of either update are far off.
    actions, _ = train_on_a_quadratic(small_svgd_update, iterations=0)
    assert np.abs(actions.mean(0) - [0.3, -0.2]).max() > 0.1 or \
        np.abs(actions.std(0) / [0.15, 0.25] - 1).max() > 0.5


# ------------------------------------------------------------------ agent
def tiny_agent(policy_update, **kwargs):
    return SoftQAgent(observation_dim=3, action_dim=2, policy_update=policy_update,
                      q_optimizer=adam(), alpha=0.1, batch_size=16, replay_capacity=64, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_a_train_iteration_fits_q_to_the_soft_bellman_target_of_the_target_network(jit_compile):
    agent = tiny_agent(small_svgd_update, discount=0.5, value_particles=8, jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    agent.replay.add(rng.normal(size=(40, 3)), rng.uniform(-1, 1, (40, 2)), np.ones(40),
                     rng.normal(size=(40, 3)), np.zeros(40))
    [q], [target_q] = agent.q_networks, agent.target_q_networks
    q.set_weights([np.zeros_like(w) for w in q.get_weights()])
    target_q.set_weights([np.zeros_like(w) for w in q.get_weights()])
    logs = {k: float(v) for k, v in agent.train_iteration().items()}
    # Q = target Q = 0: V(s') = 0 + alpha m log 2 for uniform particles, y = r + gamma V,
    # L_Q = y^2 / 2 with r = 1.
    value = 0.1 * 2 * math.log(2.0)
    np.testing.assert_allclose(logs["soft_value"], value, rtol=1e-5)
    np.testing.assert_allclose(logs["q_loss"], 0.5 * (1.0 + 0.5 * value) ** 2, rtol=1e-5)
    assert logs["q_mean"] == 0.0
    assert set(logs) == {"q_loss", "q_mean", "soft_value", "svgd_surrogate", "svgd_direction_norm"}
    assert int(agent.iterations) == 1
    before = [w.numpy().copy() for w in agent.sampler.weights]
    agent.train_iteration()
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, agent.sampler.weights))
    means = agent.mean_losses()
    assert set(means) == set(logs) and all(np.isfinite(v) for v in means.values())


def constant_q(network, value):
    """Sets ``network`` to Q(s, a) = value (zero weights, output bias ``value``)."""
    weights = [np.zeros_like(w) for w in network.get_weights()]
    weights[-1][:] = value
    network.set_weights(weights)


def test_clipped_double_q_takes_the_minimum_network_in_the_target_and_the_policy():
    agent = tiny_agent(small_svgd_update, discount=0.5, value_particles=8, num_q_networks=2)
    assert len(agent.q_networks) == len(agent.target_q_networks) == 2
    rng = np.random.default_rng(0)
    agent.replay.add(rng.normal(size=(40, 3)), rng.uniform(-1, 1, (40, 2)), np.ones(40),
                     rng.normal(size=(40, 3)), np.zeros(40))
    for network, value in zip(agent.q_networks + agent.target_q_networks, [0.3, -0.2, 0.4, -0.5]):
        constant_q(network, value)
    observations, actions = rng.normal(size=(5, 3)), rng.uniform(-1, 1, (5, 2))
    np.testing.assert_allclose(agent.log_policy_target(observations, actions), -0.2 / 0.1,
                               rtol=1e-6)
    logs = {k: float(v) for k, v in agent.train_iteration().items()}
    # V(s') = min(0.4, -0.5) + alpha m log 2; both networks fit y = 1 + gamma V
    value = -0.5 + 0.1 * 2 * math.log(2.0)
    target = 1.0 + 0.5 * value
    np.testing.assert_allclose(logs["soft_value"], value, rtol=1e-5)
    np.testing.assert_allclose(logs["q_loss"], 0.25 * ((0.3 - target)**2 + (-0.2 - target)**2),
                               rtol=1e-5)
    assert len(agent.checkpoint_variables()["q_network"]) == 2 * len(agent.q_networks[0].variables)
    with pytest.raises(ValueError, match="SoftQAgent.num_q_networks"):
        tiny_agent(small_svgd_update, num_q_networks=0)


def test_the_flow_and_uniform_value_particles_weigh_to_the_integral_of_exp_q():
    # E_q[exp(Q(a)) / q(a)] = int_box exp(w . a) da = prod_i (e^{w_i} - e^{-w_i}) / w_i for a
    # linear Q, whatever the (here untrained, state-dependent) flow in the mixture q
    keras.utils.set_random_seed(1)
    sampler = PolicySampler(3, 2, width=8)
    update = small_ugan_update(sampler, 3, 2)
    w = np.array([0.7, -1.2], np.float32)
    rng = tf.random.Generator.from_seed(0)
    actions, log_q = update.value_particles(tf.constant([[0.5, -1.0, 2.0]]), 40_000, rng)
    assert actions.shape == (1, 40_000, 2) and log_q.shape == (1, 40_000)
    assert np.all(np.abs(actions.numpy()) < 1.0)
    weights = np.exp(actions.numpy()[0] @ w - log_q.numpy()[0])
    np.testing.assert_allclose(weights.mean(), np.prod((np.exp(w) - np.exp(-w)) / w), rtol=0.03)
    # half of them follow the flow, whose law is not uniform: E|a| differs from 1/2
    magnitudes = np.abs(actions.numpy()[0])
    flow_half, uniform_half = magnitudes[:20_000], magnitudes[20_000:]
    assert abs(uniform_half.mean() - 0.5) < 0.01 and abs(flow_half.mean() - 0.5) > 0.05


def test_n_step_q_targets_are_the_hand_computed_discounted_sums_plus_the_bootstrap():
    agent = tiny_agent(small_svgd_update, discount=0.5, value_particles=8, n_step=3)
    # episode 0: transitions 0..4, cut by a time limit; episode 1: 5..6, ending terminal
    add_episodes(agent.replay, [5, 2], [False, True])
    constant_q(agent.target_q_networks[0], 0.4)
    value = 0.4 + 0.1 * 2 * math.log(2.0)  # V of a constant Q over the box [-1, 1]^2
    ends = {0: 4, 1: 6}
    expected = {}
    for t in range(7):
        end = ends[0 if t <= 4 else 1]
        steps = min(3, end - t + 1)
        expected[t] = sum(0.5**k * (t + k) for k in range(steps))
        if not (t + steps - 1 == 6):  # only transition 6 is terminal
            expected[t] += 0.5**steps * value
    batch = agent.sample_batch()
    targets, next_values = agent.q_targets(batch)
    np.testing.assert_allclose(next_values.numpy(), value, rtol=1e-5)
    starts = batch["observations"].numpy()[:, 0].astype(int)
    assert len(set(starts.tolist())) > 3
    np.testing.assert_allclose(targets.numpy(), [expected[t] for t in starts], rtol=1e-5)
    assert np.isfinite(float(agent.train_iteration()["q_loss"]))
    with pytest.raises(checks.ConfigurationError, match="SoftQAgent.n_step"):
        tiny_agent(small_svgd_update, n_step=0)


def test_the_bounded_soft_value_caps_v_at_the_policys_q_plus_the_boxs_entropy():
    alpha = 0.1
    agent = tiny_agent(small_svgd_update, discount=0.5, value_particles=32,
                       bound_soft_value=True)
    # Q_target(s, a) = w . a + c and a sampler whose every action is tanh(b) = (-0.5, 0.25)
    w, c, b = np.float32([2.0, -1.0]), 0.3, np.arctanh([-0.5, 0.25])
    target = agent.target_q_networks[0]
    weights = [np.zeros_like(x) for x in target.get_weights()]
    # the first unit of both hidden layers carries w . a + 4 (> 0 on the box) to the output
    weights[0][3:, 0], weights[1][0], weights[2][0, 0] = w, 4.0, 1.0
    weights[-2][0, 0], weights[-1][:] = 1.0, c - 4.0
    target.set_weights(weights)
    sampler_weights = [np.zeros_like(x) for x in agent.sampler.get_weights()]
    sampler_weights[-1][:] = b
    agent.sampler.set_weights(sampler_weights)
    rng = np.random.default_rng(0)
    agent.replay.add(rng.normal(size=(40, 3)), rng.uniform(-1, 1, (40, 2)), np.ones(40),
                     rng.normal(size=(40, 3)), np.zeros(40))
    a = np.tanh(b)
    bound = w @ a + c + alpha * 2 * math.log(2.0)
    # the log-partition of a linear Q on the box: alpha sum_i log(2 sinh(w_i/alpha)/(w_i/alpha))
    exact_value = c + alpha * np.sum(np.log(2 * np.sinh(w / alpha) / (w / alpha)))
    # the policy sits away from Q's maximum: the cap binds, as the uniform particles' V is at
    # least their mean Q (about c, 0.3 +- 0.2) plus alpha m log 2 (Jensen)
    assert exact_value > bound + 1.0
    batch = agent.sample_batch()
    targets, values = agent.q_targets(batch)
    np.testing.assert_allclose(values.numpy(), bound, rtol=1e-5)
    np.testing.assert_allclose(targets.numpy(), 1.0 + 0.5 * bound, rtol=1e-5)
    # a policy at Q's maximum corner leaves the importance-sampled V (below the cap) alone
    sampler_weights[-1][:] = np.arctanh([0.999, -0.999])
    agent.sampler.set_weights(sampler_weights)
    state = agent.rng.state.numpy()
    capped = agent.q_targets(batch)[1].numpy()
    agent.bound_soft_value = False
    agent.rng.reset_from_seed(0)
    agent.rng.state.assign(state)  # the same uniform particles
    np.testing.assert_array_equal(capped, agent.q_targets(batch)[1].numpy())


def test_a_policy_value_proposal_needs_a_policy_update_with_a_density():
    with pytest.raises(ValueError, match="value_proposal = 'policy' needs .*AmortizedSVGDUpdate"):
        tiny_agent(small_svgd_update, value_proposal="policy")
    with pytest.raises(ValueError, match="SoftQAgent.value_proposal must be"):
        tiny_agent(small_ugan_update, value_proposal="flow")
    agent = tiny_agent(small_ugan_update, value_proposal="policy", value_particles=8)
    rng = np.random.default_rng(0)
    agent.replay.add(rng.normal(size=(40, 3)), rng.uniform(-1, 1, (40, 2)), np.ones(40),
                     rng.normal(size=(40, 3)), np.zeros(40))
    assert all(np.isfinite(float(v)) for v in agent.train_iteration().values())


@pytest.mark.slow
def test_the_agent_checkpoint_restores_networks_replay_and_random_state(tmp_path):
    def make():
        keras.utils.set_random_seed(7)
        return tiny_agent(small_ugan_update, seed=5)

    agent = make()
    rng = np.random.default_rng(0)
    agent.replay.add(rng.normal(size=(30, 3)), rng.uniform(-1, 1, (30, 2)), rng.normal(size=30),
                     rng.normal(size=(30, 3)), np.zeros(30))
    agent.train_iteration()
    checkpoint = tf.train.Checkpoint(**agent.checkpoint_variables())
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = {k: float(v) for k, v in agent.train_iteration().items()}

    other = make()
    restored = tf.train.Checkpoint(**other.checkpoint_variables())
    restored.restore(path).assert_existing_objects_matched()
    assert int(other.replay.num_added) == 30 and int(other.iterations) == 1
    got = {k: float(v) for k, v in other.train_iteration().items()}
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


def test_actions_in_the_unit_box_map_affinely_onto_the_environments_bounds():
    space = types.SimpleNamespace(low=np.float32([-0.4, 0.0]), high=np.float32([0.4, 2.0]),
                                  dtype=np.float32)
    actions = to_env_action(np.array([[-1.0, -1.0], [0.0, 0.5], [1.0, 1.0]]), space)
    np.testing.assert_allclose(actions, [[-0.4, 0.0], [0.0, 1.5], [0.4, 2.0]], rtol=1e-6)
    assert actions.dtype == np.float32


# ------------------------------------------------------------------ Swimmer
@pytest.mark.slow
@needs_mujoco
@pytest.mark.parametrize("update", ["UGANPolicyUpdate", "AmortizedSVGDUpdate"])
def test_one_full_training_iteration_on_swimmer(update):
    from vagan_tf.rl.agent import EnvironmentLoop, evaluate_policy, make_env

    assemble.parse_gin(["rl/swimmer.gin"], [f"SoftQAgent.policy_update = @{update}",
                                           "SoftQAgent.replay_capacity = 1000"])
    env = make_env("Swimmer-v5", max_episode_steps=20)
    agent = SoftQAgent(observation_dim=env.observation_space.shape[0],
                       action_dim=env.action_space.shape[0])
    assert isinstance(agent.policy_update, {"UGANPolicyUpdate": UGANPolicyUpdate,
                                            "AmortizedSVGDUpdate": AmortizedSVGDUpdate}[update])
    loop = EnvironmentLoop(env, agent)
    loop.reset(seed=0)
    returns = [loop.step() for _ in range(20)]
    assert returns[:-1] == [None] * 19 and returns[-1] is not None  # the time limit ended it
    assert int(agent.replay.size()) == 20
    stored = agent.replay.storage
    assert np.all(stored["terminals"].numpy()[:20] == 0.0)  # truncation is not termination
    np.testing.assert_array_equal(stored["next_observations"].numpy()[:19],
                                  stored["observations"].numpy()[1:20])
    before = [w.numpy().copy() for w in agent.sampler.weights]
    logs = agent.train_iteration()
    assert all(np.isfinite(float(v)) for v in logs.values()), logs
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, agent.sampler.weights))
    import gymnasium

    rewards = []

    class RewardRecorder(gymnasium.Wrapper):
        def step(self, action):
            observation, reward, terminated, truncated, info = self.env.step(action)
            rewards.append(float(reward))
            return observation, reward, terminated, truncated, info

    # the evaluation plays one whole episode (the 20-step limit) and returns its reward sum
    [episode_return] = evaluate_policy([RewardRecorder(env)], agent, seed=0)
    assert len(rewards) == 20 and len(set(rewards)) > 1
    assert episode_return == pytest.approx(sum(rewards), rel=1e-12)


@pytest.mark.slow
@needs_mujoco
def test_evaluation_replays_its_episodes_from_a_seed_and_leaves_training_noise_alone():
    from vagan_tf.rl.agent import evaluate_policy, make_env

    assemble.parse_gin(["rl/swimmer.gin"], ["SoftQAgent.replay_capacity = 10", "WIDTH = 16"])
    envs = [make_env("Swimmer-v5", max_episode_steps=15 + 5 * i) for i in range(3)]
    agent = SoftQAgent(observation_dim=8, action_dim=2)
    state = agent.rng.state.numpy().copy()
    first = evaluate_policy(envs, agent, seed=11)
    np.testing.assert_array_equal(agent.rng.state.numpy(), state)
    # episodes of different lengths in one lockstep batch, each its own one-env evaluation's
    # environment start; the same seed plays the same episodes again
    assert len(first) == 3 and len(set(first)) == 3
    assert evaluate_policy(envs, agent, seed=11) == first
    assert evaluate_policy(envs, agent, seed=12) != first


def run_args(model_dir, params=TINY):
    return train_args(model_dir, files=("rl/swimmer.gin",), params=params)


@pytest.mark.slow
@needs_mujoco
def test_vagan_train_on_swimmer_logs_returns_checkpoints_resumes_and_exports(tmp_path):
    model_dir = tmp_path / "run"
    cli.main(run_args(model_dir, TINY + ["TOTAL_ENV_STEPS = 20", "RLExperiment.eval_episodes = 1"]))
    for name in ["config.gin", "operative_config.gin", "metrics.json", "checkpoints", "logs",
                 "export"]:
        assert (model_dir / name).exists(), name
    assert any(name.startswith("events") for _, _, files in os.walk(model_dir / "logs")
               for name in files)
    [record] = json.loads((model_dir / "metrics.json").read_text())
    assert record["step"] == 20 and record["train_iterations"] == 11
    assert len(record["episode_returns"]) == 1 and np.isfinite(record["eval_return"])
    assert {"q_loss", "flow_loss", "critic_loss", "sampler_loss"} <= set(record)

    gin.clear_config()
    # resumes at 20 and runs to 40: the same bindings but the length
    cli.main(run_args(model_dir, TINY + ["RLExperiment.eval_episodes = 1"]) + ["--extend"])
    records = json.loads((model_dir / "metrics.json").read_text())
    assert [r["step"] for r in records] == [20, 40]
    assert records[1]["train_iterations"] == 20

    # vagan rollout replays the last evaluation from its checkpoint and seed
    gin.clear_config()
    cli.main(["rollout", "--model_dir", str(model_dir), "--out", str(tmp_path / "t.npz")])
    rollout = np.load(tmp_path / "t.npz")
    assert int(rollout["step"]) == 40 and rollout["returns"].shape == (1,)
    assert rollout["returns"][0] == pytest.approx(records[1]["eval_return"], rel=1e-9)
    assert rollout["observations"].shape == (15, 8) and rollout["actions"].shape == (15, 2)
    np.testing.assert_array_equal(rollout["episode"], np.zeros(15))
    assert rollout["rewards"].sum() == pytest.approx(rollout["returns"][0], rel=1e-12)
    assert np.all(np.abs(rollout["actions"]) <= 1.0)  # Swimmer's bounds are [-1, 1]
    gin.clear_config()
    cli.main(["rollout", "--model_dir", str(model_dir), "--episodes", "3", "--seed", "4",
              "--out", str(tmp_path / "t3.npz")])
    three = np.load(tmp_path / "t3.npz")
    assert np.bincount(three["episode"]).tolist() == [15, 15, 15]
    with pytest.raises(SystemExit, match=r"--out must be a \.npz file"):
        cli.main(["rollout", "--model_dir", str(model_dir), "--out", str(tmp_path / "t.npy")])
    gin.clear_config()
    with pytest.raises(SystemExit, match="--episodes must be a positive count"):
        cli.main(["rollout", "--model_dir", str(model_dir), "--episodes", "0",
                  "--out", str(tmp_path / "t0.npz")])
    assert not (tmp_path / "t0.npz").exists()

    actions = sample_export_without_vagan_tf(model_dir / "export", np.zeros((500, 8)))
    assert actions.shape == (500, 2) and actions.dtype == np.float32
    assert np.all(np.abs(actions) <= 1.0) and actions.std(0).min() > 1e-3


@pytest.mark.slow
@needs_mujoco
@pytest.mark.parametrize("gin_file", ["rl/swimmer_long_horizon.gin",
                                      "rl/swimmer_long_horizon_svgd.gin"])
def test_a_long_horizon_run_trains_with_n_step_targets_and_rollout_replays_its_evaluation(
        tmp_path, gin_file):
    model_dir = tmp_path / "run"
    cli.main(train_args(model_dir, files=(gin_file,),
                        params=TINY + ["RLExperiment.eval_episodes = 2"]))
    operative = (model_dir / "operative_config.gin").read_text()
    assert "SoftQAgent.n_step = 5" in operative and "SoftQAgent.discount = 0.999" in operative
    records = json.loads((model_dir / "metrics.json").read_text())
    assert [r["step"] for r in records] == [20, 40]
    assert all(np.isfinite(r["q_loss"]) for r in records)
    gin.clear_config()
    cli.main(["rollout", "--model_dir", str(model_dir), "--episodes", "2",
              "--out", str(tmp_path / "t.npz")])
    rollout = np.load(tmp_path / "t.npz")
    assert int(rollout["step"]) == 40
    assert rollout["returns"].mean() == pytest.approx(records[-1]["eval_return"], rel=1e-9)


@pytest.mark.slow
@needs_mujoco
def test_how_many_evaluation_episodes_a_run_plays_does_not_change_its_training(tmp_path):
    records = []
    for episodes in (0, 2):
        gin.clear_config()
        cli.main(run_args(tmp_path / f"eval_{episodes}",
                          TINY + [f"RLExperiment.eval_episodes = {episodes}"]))
        records.append(json.loads((tmp_path / f"eval_{episodes}" / "metrics.json").read_text()))
    without, with_evaluation = records
    assert [r["eval_return"] for r in without] == [None, None]
    assert all(np.isfinite(r["eval_return"]) for r in with_evaluation)
    for name in ["episode_returns", "q_loss", "flow_loss", "critic_loss", "sampler_loss"]:
        assert [r[name] for r in without] == [r[name] for r in with_evaluation], name


def test_vagan_sample_draws_one_action_per_observation_row_and_checks_the_rows(tmp_path):
    keras.utils.set_random_seed(0)
    sampler = PolicySampler(3, 2, width=8, depth=1)
    export_policy_sampler(sampler, np.array([-1.0, 0.0]), np.array([1.0, 4.0]),
                          str(tmp_path / "export"))
    observations = np.repeat(np.array([[0.0, 1.0, -1.0], [5.0, 5.0, 5.0]], np.float32), 5000, 0)
    np.save(tmp_path / "s.npy", observations)
    cli.main(["sample", "--model_dir", str(tmp_path), "--observations", str(tmp_path / "s.npy"),
              "--out", str(tmp_path / "a.npy")])
    actions = np.load(tmp_path / "a.npy")
    assert actions.shape == (10000, 2)
    assert np.all(actions >= [-1.0, 0.0]) and np.all(actions <= [1.0, 4.0])
    # the action law depends on the state: the blocks' means differ by far more than their
    # standard errors (~0.01), which an export ignoring the observations would not do
    assert np.abs(actions[:5000].mean(0) - actions[5000:].mean(0)).max() > 0.1

    np.save(tmp_path / "bad.npy", observations[:, :2])
    with pytest.raises(SystemExit, match=r"shape \(10000, 2\).*expects \[n, 3\]"):
        cli.main(["sample", "--model_dir", str(tmp_path), "--observations",
                  str(tmp_path / "bad.npy"), "--out", str(tmp_path / "a.npy")])
    with pytest.raises(SystemExit, match="samples per observation; give --observations"):
        cli.main(["sample", "--model_dir", str(tmp_path), "--out", str(tmp_path / "a.npy")])
    poisoned = observations.copy()
    poisoned[7, 1] = np.nan
    np.save(tmp_path / "nan.npy", poisoned)
    with pytest.raises(SystemExit, match=r"NaN or inf in 1 row\(s\) \(first: row 7\)"):
        cli.main(["sample", "--model_dir", str(tmp_path), "--observations",
                  str(tmp_path / "nan.npy"), "--out", str(tmp_path / "nan_actions.npy")])
    assert not (tmp_path / "nan_actions.npy").exists()


def sample_export_without_vagan_tf(export_dir, observations):
    """Actions of ``export_dir``'s ``sample(observations)`` in an interpreter without vagan_tf."""
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import tensorflow as tf
        sampler = tf.saved_model.load(sys.argv[1])
        actions = sampler.sample(tf.constant(np.load(sys.argv[2]), tf.float32)).numpy()
        assert "vagan_tf" not in sys.modules
        np.save(sys.argv[3], actions)
    """)
    observations_path = export_dir.parent / "observations.npy"
    actions_path = export_dir.parent / "actions.npy"
    np.save(observations_path, observations)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    subprocess.run([sys.executable, "-c", script, export_dir, observations_path, actions_path],
                   check=True, env=env, cwd=export_dir.parent, timeout=300)
    return np.load(actions_path)


@pytest.mark.slow
@needs_mujoco
def test_an_interrupted_swimmer_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    def build(model_dir, params):
        gin.clear_config()
        assemble.parse_gin(["rl/swimmer_svgd.gin"], TINY + params)
        return assemble.experiment(model_dir=str(model_dir))

    straight = build(tmp_path / "straight", [])
    straight.train()
    interrupted = build(tmp_path / "interrupted", ["TOTAL_ENV_STEPS = 20"])
    interrupted.train()
    resumed = build(tmp_path / "interrupted", [])
    assert resumed.restore() == 20
    resumed.train(extend=True)
    for a, b in zip(straight.agent.sampler.weights + straight.agent.q_networks[0].weights,
                    resumed.agent.sampler.weights + resumed.agent.q_networks[0].weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)

