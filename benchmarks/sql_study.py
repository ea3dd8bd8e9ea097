"""Which soft Q-learning harness choice keeps Swimmer's plateau: one change at a time.

Each variant changes one binding of ``rl/swimmer.gin`` (the ``polyak_gamma*`` variants:
a longer horizon on top of Polyak averaging, with n-step targets and the entropy-bounded
soft value) and runs both samplers (or ``--samplers``) on the same seeds through
``sql_swimmer.py`` (its runs in ``ROOT/<variant>/<sampler>_<seed>``,
its summary in ``OUT_DIR/sql_study_<variant>.json``); then one table row per variant:
each run's last-20 % mean over its best rolling mean (``sql_swimmer.plateau_statistics``),
the worst of them, and the mean Q(s, a) of the last epoch (the soft values' scale; a
return of 35 per 1000 steps is worth about 3.5 at gamma = 0.99, plus alpha times the
policy's entropy over 1 - gamma, at most 4.6).

    python -m benchmarks.sql_study --env_steps 50000 --seeds 0 1
    python -m benchmarks.sql_study --variants polyak_gamma0.999_n5_bounded --seeds 0 \
        --samplers ugan --env_steps 12000 --parallel 1
"""
import argparse
import os
import subprocess
import sys

import numpy as np

from benchmarks.common import load_results  # noqa: E402

POLYAK = ["TargetNetworkUpdate.tau = 0.005", "TargetNetworkUpdate.interval = 1"]
VARIANTS = {
    "base": [],
    "polyak": POLYAK,
    "lr1e-4": ["LEARNING_RATE = 1e-4", "PROPOSAL_LEARNING_RATE = 4e-4"],
    "alpha0.1": ["SoftQAgent.alpha = 0.1"],
    "double_q": ["SoftQAgent.num_q_networks = 2"],
    "flow_value": ["SoftQAgent.value_proposal = 'policy'"],
    "polyak_gamma0.999": ["SoftQAgent.discount = 0.999", *POLYAK],
    "polyak_gamma0.999_alpha0.33": ["SoftQAgent.discount = 0.999", "SoftQAgent.alpha = 0.333333",
                                    *POLYAK],
    "polyak_gamma0.9999": ["SoftQAgent.discount = 0.9999", *POLYAK],
    "polyak_gamma0.999_n5": ["SoftQAgent.discount = 0.999", "SoftQAgent.n_step = 5", *POLYAK],
    "polyak_gamma0.9999_n5": ["SoftQAgent.discount = 0.9999", "SoftQAgent.n_step = 5", *POLYAK],
    "polyak_gamma0.999_n5_bounded": ["SoftQAgent.discount = 0.999", "SoftQAgent.n_step = 5",
                                     "SoftQAgent.bound_soft_value = True", *POLYAK],
}
SAMPLERS = {"flow_value": ["ugan"]}  # the U-GAN's flow has a density; SVGD's sampler has none
COMMON = ["RLExperiment.eval_episodes = 3"]


def summary_path(out_dir, variant):
    return os.path.join(out_dir, f"sql_study_{variant}.json")


def run_variant(variant, args):
    command = [sys.executable, "-m", "benchmarks.sql_swimmer",
               "--env_steps", str(args.env_steps), "--seeds", *map(str, args.seeds),
               "--threads", "1", "--parallel", str(args.parallel),
               "--samplers", *[s for s in SAMPLERS.get(variant, ["ugan", "svgd"])
                               if s in args.samplers],
               "--root", os.path.join(args.root, variant),
               "--out", summary_path(args.out_dir, variant),
               "--png", os.path.join(args.root, variant, "returns.png")]
    for param in COMMON + VARIANTS[variant]:
        command += ["--gin_param", param]
    subprocess.run(command, check=True)


def table(variants, out_dir):
    lines = ["| variant | bindings | U-GAN, per seed | SVGD, per seed | worst | Q at the end |",
             "|---|---|---|---|---|---|"]
    for variant in variants:
        runs = load_results([summary_path(out_dir, variant)])
        cells = {sampler: " / ".join(f"{100 * r['holds']:.0f} %" for r in runs
                                     if r["sampler"] == sampler) or "—"
                 for sampler in ("ugan", "svgd")}
        worst = min(r["holds"] for r in runs)
        q = [r["q_mean_end"] for r in runs]
        bindings = "; ".join(f"`{p}`" for p in VARIANTS[variant]) or "`rl/swimmer.gin`"
        lines.append(f"| {variant} | {bindings} | {cells['ugan']} | {cells['svgd']} "
                     f"| {100 * worst:.0f} % | {np.min(q):.1f}–{np.max(q):.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--env_steps", type=int, default=50000)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--samplers", nargs="+", default=["ugan", "svgd"],
                        choices=["ugan", "svgd"])
    parser.add_argument("--root", default="runs/sql_study")
    parser.add_argument("--out_dir", default="benchmarks/results")
    parser.add_argument("--table", action="store_true", help="tabulate finished variants only")
    args = parser.parse_args()
    if not args.table:
        for variant in args.variants:
            run_variant(variant, args)
    print(table(args.variants, args.out_dir))


if __name__ == "__main__":
    main()
