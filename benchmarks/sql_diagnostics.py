"""What a soft Q-learning run's last checkpoint does on its last evaluation's episodes.

For each run directory D: restores D's newest checkpoint, replays the evaluation that was
scored there (``RLExperiment.rollout_latest``; the same episodes as ``vagan rollout``) and,
on the visited states s_t with the actions a_t taken:

* ``reward``: the mean reward per step r;
* ``q``: the mean Q(s_t, a_t) (the minimum over the agent's Q networks);
* ``soft_gap``: the mean of V(s_t) - E_{a ~ pi}[Q(s_t, a)], V by ``soft_q.soft_value`` over
  ``--value_particles`` uniform actions and the expectation over ``--policy_draws`` of the
  sampler's actions. For pi_Q(a | s) = exp((Q(s, a) - V(s)) / alpha),

      V(s) - E_pi[Q(s, a)] = alpha (H(pi(. | s)) + KL(pi(. | s) || pi_Q(. | s))),

  alpha times the policy's entropy when the sampler is exact, more when it is not;
* ``target_gap``: the soft gap as the agent's Q target takes it: capped at alpha m log 2
  per state with ``SoftQAgent.bound_soft_value`` (``soft_q.entropy_bounded_value``);
* ``q_closed_form``: r / (1 - gamma) + gamma^n target_gap / (1 - gamma^n), the fixed point
  of the n-step soft Bellman target Q = sum_{k<n} gamma^k r + gamma^n (E_pi Q + target_gap)
  (n = ``SoftQAgent.n_step``) for a policy that earns the same r and target_gap at every
  step; ``q_ratio``: q / q_closed_form (< 1: Q has not yet reached it, > 1: Q overestimates
  what the policy earns);
* ``saturated``: the fraction of action components within 1 % of a bound of the box.

Writes the records to --out and prints one line per run.

    python -m benchmarks.sql_diagnostics runs/sql_study/polyak_gamma0.999/ugan_0 \\
        --out benchmarks/results/sql_diagnostics.json
"""
import argparse
import os

import gin
import numpy as np
import tensorflow as tf

from vagan_tf.rl import soft_q
from vagan_tf.run import assemble
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

SATURATION_MARGIN = 0.01


def soft_gap(agent, observations, value_particles, policy_draws, rng):
    """V(s) - E_pi[Q(s, a)] [n] for observations [n, obs_dim] (see the module docstring)."""
    observations = tf.constant(observations, tf.float32)
    n = observations.shape[0]

    def minimum_q(inputs):
        return agent.minimum_q(agent.q_networks, *inputs)

    particles, log_uniform = soft_q.uniform_action_particles(n, value_particles,
                                                             agent.action_dim, rng)
    values = soft_q.soft_value(soft_q.q_at_particles(minimum_q, observations, particles),
                               log_uniform, agent.alpha)
    draws = tf.reshape(agent.act(tf.repeat(observations, policy_draws, axis=0), rng),
                       [n, policy_draws, agent.action_dim])
    policy_q = tf.reduce_mean(soft_q.q_at_particles(minimum_q, observations, draws), axis=-1)
    return (values - policy_q).numpy()


def n_step_fixed_point(reward, gap, discount, n_step):
    """r / (1 - gamma) + gamma^n gap / (1 - gamma^n): the Q with
    Q = sum_{k<n} gamma^k r + gamma^n (Q + gap)."""
    bootstrap = discount ** n_step
    return reward / (1.0 - discount) + bootstrap * gap / (1.0 - bootstrap)


def saturation(actions, low, high):
    """The fraction of action components within ``SATURATION_MARGIN`` of the box's width
    from a bound."""
    actions = np.asarray(actions)
    margin = SATURATION_MARGIN * (np.asarray(high) - np.asarray(low))
    return float(np.mean((actions <= low + margin) | (actions >= high - margin)))


def diagnose(model_dir, value_particles=1024, policy_draws=64, seed=0):
    """The record of one run directory (see the module docstring)."""
    gin.clear_config()
    assemble.parse_gin([os.path.join(model_dir, "config.gin")], [])
    run = assemble.experiment(model_dir=model_dir)
    step, episodes = run.rollout_latest(run.eval_episodes)
    agent = run.agent
    observations = np.concatenate([e["observations"] for e in episodes]).astype(np.float32)
    actions = np.concatenate([e["actions"] for e in episodes])
    rewards = np.concatenate([e["rewards"] for e in episodes])
    space = run.env.action_space
    agent_actions = 2.0 * (actions - space.low) / (space.high - space.low) - 1.0
    q = agent.minimum_q(agent.q_networks, tf.constant(observations),
                        tf.constant(agent_actions, tf.float32)).numpy()
    rng = tf.random.Generator.from_seed(seed)
    gaps = np.concatenate([soft_gap(agent, chunk, value_particles, policy_draws, rng)
                           for chunk in np.array_split(observations, len(episodes))])
    target_gaps = (np.minimum(gaps, agent.alpha * agent.action_dim * np.log(2.0))
                   if agent.bound_soft_value else gaps)
    reward, target_gap = float(np.mean(rewards)), float(np.mean(target_gaps))
    closed_form = n_step_fixed_point(reward, target_gap, agent.discount, agent.n_step)
    return {"model_dir": model_dir, "step": step, "discount": agent.discount,
            "n_step": agent.n_step,
            "alpha": agent.alpha, "episodes": len(episodes),
            "return": float(np.mean([e["rewards"].sum() for e in episodes])),
            "reward": reward, "soft_gap": float(np.mean(gaps)), "target_gap": target_gap,
            "q": float(np.mean(q)),
            "q_closed_form": closed_form, "q_ratio": float(np.mean(q)) / closed_form,
            "saturated": saturation(actions, space.low, space.high)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dirs", nargs="+")
    parser.add_argument("--value_particles", type=int, default=1024)
    parser.add_argument("--policy_draws", type=int, default=64)
    parser.add_argument("--out", default="benchmarks/results/sql_diagnostics.json")
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    records = []
    for model_dir in args.model_dirs:
        records.append(diagnose(model_dir, args.value_particles, args.policy_draws))
        r = records[-1]
        print(f"{model_dir}: step {r['step']}, return {r['return']:.1f}, reward/step "
              f"{r['reward']:.4f}, soft gap {r['soft_gap']:.4f} ({r['target_gap']:.4f} in "
              f"the target), Q {r['q']:.2f} against "
              f"{r['q_closed_form']:.2f} ({r['q_ratio']:.2f}x), saturated "
              f"{100 * r['saturated']:.0f} %")
        save_results(args.out, records)


if __name__ == "__main__":
    main()
