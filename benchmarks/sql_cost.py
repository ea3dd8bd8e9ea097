"""Where a soft Q-learning iteration's time goes: CPU ms per environment step, by part and sampler.

For each configuration (amortised SVGD; U-GAN against the conditional MAF, with and without
XLA, with a narrower or shallower flow) the script fills the replay buffer with 300 random
steps, warms up, then times in one process, by process CPU time (``time.process_time``):

* ``env + act``: one environment step with the policy's action (``EnvironmentLoop.step``);
* ``iteration``: one ``SoftQAgent.train_iteration`` (Q step, policy update, target update);
* ``both``: the two together, which is what a run pays per environment step.

    python benchmarks/sql_cost.py --threads 1 --steps 200
"""
import argparse
import time

import gin

from vagan_tf import runs
from vagan_tf.rl.agent import EnvironmentLoop
from common import add_threads_argument, limit_threads  # noqa: E402

CONFIGS = [
    ("amortised SVGD", ["rl/swimmer_svgd.gin"], []),
    ("U-GAN, MAF 4 x [512, 512]", ["rl/swimmer.gin"], []),
    ("U-GAN, MAF 4 x [512, 512], XLA", ["rl/swimmer.gin"], ["SoftQAgent.jit_compile = True"]),
    ("U-GAN, MAF 4 x [128, 128], XLA", ["rl/swimmer.gin"],
     ["SoftQAgent.jit_compile = True", "action/maf.hidden_units = (128, 128)"]),
    ("U-GAN, MAF 1 x [512, 512], XLA", ["rl/swimmer.gin"],
     ["SoftQAgent.jit_compile = True", "action/maf.num_blocks = 1"]),
]


def cpu_ms_per_call(call, n):
    start = time.process_time()
    for _ in range(n):
        call()
    return 1000 * (time.process_time() - start) / n


def measure(files, params, steps):
    gin.clear_config()
    runs.parse_gin(files, ["RLExperiment.verbose = 0", *params])
    run = runs.experiment(model_dir="/tmp/unused_sql_cost")
    loop = EnvironmentLoop(run.env, run.agent)
    loop.reset(seed=0)
    for _ in range(300):
        loop.step()
    for _ in range(5):  # trace and warm up
        run.agent.train_iteration()

    def both():
        loop.step()
        run.agent.train_iteration()

    return {"env + act": cpu_ms_per_call(loop.step, steps),
            "iteration": cpu_ms_per_call(run.agent.train_iteration, steps),
            "both": cpu_ms_per_call(both, steps)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    print("| configuration | env + act | iteration | both | both / SVGD's |\n|---|---|---|---|---|")
    svgd = None
    for name, files, params in CONFIGS:
        row = measure(files, params, args.steps)
        svgd = svgd or row["both"]
        print(f"| {name} | {row['env + act']:.1f} | {row['iteration']:.1f} | {row['both']:.1f} "
              f"| {row['both'] / svgd:.1f} |", flush=True)


if __name__ == "__main__":
    main()
