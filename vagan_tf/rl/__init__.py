"""Soft Q-learning (Haarnoja et al. 2017) whose policy sampler is trained as a U-GAN.

A policy pi(a | s) ∝ exp(Q(s, a) / alpha) is an unnormalised density per state, so the
U-GAN update (``policy_update.UGANPolicyUpdate``) learns its amortised sampler; soft
Q-learning's amortised SVGD (``policy_update.AmortizedSVGDUpdate``) is the baseline in
the same harness. Importing this package registers its gin configurables; gymnasium
(the ``rl`` extra) is imported only when an environment is made.
"""
from vagan_tf.rl import agent, agent_run, networks, policy_update, replay, soft_q
from vagan_tf.rl.agent import EnvironmentLoop, SoftQAgent, evaluate_policy, make_env
from vagan_tf.rl.agent_run import RLExperiment
from vagan_tf.rl.networks import PolicySampler, pair_critic, q_network
from vagan_tf.rl.policy_update import AmortizedSVGDUpdate, PolicyUpdate, UGANPolicyUpdate
from vagan_tf.rl.replay import ReplayBuffer
from vagan_tf.rl.soft_q import TargetNetworkUpdate, soft_bellman_target, soft_value

__all__ = ["AmortizedSVGDUpdate", "EnvironmentLoop", "PolicySampler", "PolicyUpdate",
           "RLExperiment", "ReplayBuffer", "SoftQAgent", "TargetNetworkUpdate",
           "UGANPolicyUpdate", "agent", "agent_run", "evaluate_policy", "make_env", "networks",
           "pair_critic", "policy_update", "q_network", "replay", "soft_bellman_target",
           "soft_q", "soft_value"]
