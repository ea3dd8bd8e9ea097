"""Where a soft Q-learning iteration's time goes: CPU ms per environment step, by part and sampler.

For each configuration (amortised SVGD and the U-GAN sampler against the conditional MAF,
each with and without XLA, the MAF at several widths) the script fills the replay buffer
with 300 random steps, warms every part up, then times in one process, by process CPU
time (``time.process_time``), each part compiled as the agent compiles its iteration:

* ``env + act``: one environment step with the policy's action and its replay insert
  (``EnvironmentLoop.step``);
* ``Q step``: a replay batch, the target network's soft values over the value particles
  and the Q network's step (``SoftQAgent.q_step``);
* ``policy``: the sampler's update (``policy_update.update``); for the U-GAN also its
  three steps alone: ``flow``, ``critic`` (with the flow's samples), ``sampler``;
* ``iteration``: one whole ``SoftQAgent.train_iteration`` (one compiled function);
* ``both``: an environment step and an iteration, which is what a run pays per step,
  also as a ratio to the cheaper of SVGD's two modes.

    python -m benchmarks.sql_cost --threads 1 --steps 300
"""
import argparse
import time

import gin
import tensorflow as tf

from vagan_tf.rl.agent import EnvironmentLoop
from vagan_tf.run import assemble
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

SVGD, UGAN = ["rl/swimmer_svgd.gin"], ["rl/swimmer.gin"]
GRAPH, XLA = ["SoftQAgent.jit_compile = False"], ["SoftQAgent.jit_compile = True"]
CONFIGS = [
    ("amortised SVGD", SVGD, GRAPH),
    ("amortised SVGD, XLA (`rl/swimmer_svgd.gin`)", SVGD, XLA),
    ("U-GAN, MAF 4 x [512, 512]", UGAN, GRAPH + ["action/maf.hidden_units = (512, 512)"]),
    ("U-GAN, MAF 4 x [512, 512], XLA", UGAN, XLA + ["action/maf.hidden_units = (512, 512)"]),
    ("U-GAN, MAF 4 x [256, 256], XLA", UGAN, XLA + ["action/maf.hidden_units = (256, 256)"]),
    ("U-GAN, MAF 4 x [128, 128]", UGAN, GRAPH),
    ("U-GAN, MAF 4 x [128, 128], XLA (`rl/swimmer.gin`)", UGAN, XLA),
]
PARTS = ["env + act", "Q step", "policy", "flow", "critic", "sampler", "iteration", "both"]


def cpu_ms_per_call(call, n):
    start = time.process_time()
    for _ in range(n):
        call()
    return 1000 * (time.process_time() - start) / n


def part_functions(agent, loop):
    """{part: a no-argument callable} of the configuration's parts (see the module docstring)."""
    def compiled(function):
        return tf.function(function, jit_compile=agent.jit_compile)

    update = agent.policy_update

    def states():
        return agent.replay.sample(agent.batch_size, agent.rng)["observations"]

    parts = {"env + act": loop.step,
             "Q step": compiled(lambda: agent.q_step(agent.replay.sample(agent.batch_size,
                                                                         agent.rng))),
             "policy": compiled(lambda: update.update(states(), agent.log_policy_target,
                                                      agent.rng)),
             "iteration": agent.train_iteration}
    if hasattr(update, "flow_step"):
        def with_sampler_points(step):
            def call():
                observations = states()
                return step(observations, update.sampler.pre_squash(observations, agent.rng))
            return compiled(call)

        parts["flow"] = with_sampler_points(update.flow_step)
        parts["critic"] = with_sampler_points(
            lambda observations, x_q: update.critic_step(observations, x_q, agent.rng))
        parts["sampler"] = compiled(lambda: update.sampler_step(
            states(), agent.log_policy_target, agent.rng))

    def both():
        loop.step()
        agent.train_iteration()

    parts["both"] = both
    return parts


def measure(files, params, steps):
    gin.clear_config()
    assemble.parse_gin(files,
                       ["RLExperiment.verbose = 0", "RLExperiment.eval_episodes = 0", *params])
    run = assemble.experiment(model_dir="/tmp/unused_sql_cost")
    loop = EnvironmentLoop(run.env, run.agent)
    loop.reset(seed=0)
    for _ in range(300):
        loop.step()
    parts = part_functions(run.agent, loop)
    for call in parts.values():  # trace, compile and warm up
        for _ in range(5):
            call()
    return {name: cpu_ms_per_call(call, steps) for name, call in parts.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", default="benchmarks/results/sql_cost.json")
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    print("| configuration | " + " | ".join(PARTS) + " | both / SVGD's |\n"
          + "|---" * (len(PARTS) + 2) + "|")
    records, reference = [], None
    for name, files, params in CONFIGS:
        row = measure(files, params, args.steps)
        if "SVGD" in name:  # the reference: SVGD's cheaper mode
            reference = min(reference or row["both"], row["both"])
        ratio = f"{row['both'] / reference:.2f}"
        cells = " | ".join(f"{row[p]:.1f}" if p in row else "—" for p in PARTS)
        print(f"| {name} | {cells} | {ratio} |", flush=True)
        records.append({"configuration": name, "gin_params": params, "steps": args.steps,
                        "threads": args.threads, "cpu_ms": row})
        save_results(args.out, records)


if __name__ == "__main__":
    main()
