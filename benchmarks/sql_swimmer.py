"""Soft Q-learning on Swimmer-v5: learning curves of the U-GAN and amortised-SVGD samplers.

Trains (or resumes) one ``vagan train`` run per (sampler, seed) in ``ROOT/<sampler>_<seed>``
(``--root``; ``runs/sql_swimmer``, or ``runs/sql_long_horizon`` with ``--setting long_horizon``),
``--parallel`` subprocesses at a time, each on ``--threads`` TensorFlow threads:

    vagan train --gin_file rl/swimmer.gin (or rl/swimmer_svgd.gin; with --setting long_horizon
        rl/swimmer_long_horizon.gin or rl/swimmer_long_horizon_svgd.gin) \
        --gin_param TOTAL_ENV_STEPS=<env_steps> --gin_param SoftQAgent.seed=<seed> \
        --gin_param RLExperiment.seed=<seed> --model_dir ROOT/<sampler>_<seed> --extend

plus any ``--gin_param`` bindings (the same for every run: a harness variant), then reads
every run's ``metrics.json`` and draws the evaluation return (the mean of the evaluation
episodes after each 1000 environment steps) against environment steps: one thin line per
seed, the mean over seeds thick (``--png``). Prints and writes to ``--out``, per run (each
setting has its own results file and figure, ``SETTINGS``):

* ``best_rolling``: the best mean of ``--window`` consecutive evaluations;
* ``first_mean``, ``last_mean``: the mean evaluation over the first and the last 20 % of
  the run's epochs;
* ``holds``: last_mean / best_rolling (the plateau is kept when it is >= 0.9);
* ``q_mean_end``: the mean Q(s, a) on replay batches in the last epoch; ``q_mean`` and
  ``soft_value``: that mean and the mean soft value V(s') of every epoch;
* the wall and CPU milliseconds per environment step (an environment step plus one
  training iteration, averaged over the epochs after warm-up).

Re-running with a larger ``--env_steps`` extends the runs.

    pip install -e ".[rl]"
    python -m benchmarks.sql_swimmer --env_steps 20000 --seeds 0 1 --threads 1 --parallel 2
"""
import argparse
import os
import subprocess
import sys
import time
from typing import NamedTuple

import numpy as np

from benchmarks.common import save_results  # noqa: E402


class Setting(NamedTuple):
    """A shipped soft Q-learning setting: its gin file per sampler, where its runs, results
    file and figure live (the defaults of ``--root``, ``--out`` and ``--png``) and the
    figure's title."""
    gin_files: dict
    root: str
    out: str
    png: str
    title: str


SETTINGS = {
    "paper": Setting({"ugan": "rl/swimmer.gin", "svgd": "rl/swimmer_svgd.gin"},
                     "runs/sql_swimmer", "benchmarks/results/sql_swimmer.json",
                     "docs/results/soft_q_learning_paper_runs.png",
                     "Soft Q-learning on Swimmer-v5: the paper's setting (γ = 0.99)"),
    "long_horizon": Setting({"ugan": "rl/swimmer_long_horizon.gin",
                             "svgd": "rl/swimmer_long_horizon_svgd.gin"},
                            "runs/sql_long_horizon", "benchmarks/results/sql_long_horizon.json",
                            "docs/results/soft_q_learning_long_runs.png",
                            "Soft Q-learning on Swimmer-v5: the long-horizon setting "
                            "(γ = 0.999, 5-step)"),
}
SAMPLERS = ("ugan", "svgd")
LABELS = {"ugan": "U-GAN sampler + conditional MAF", "svgd": "amortised SVGD"}
COLORS = {"ugan": "tab:red", "svgd": "tab:blue"}


def train_command(sampler, seed, env_steps, model_dir, gin_params, setting="paper"):
    params = [f"TOTAL_ENV_STEPS = {env_steps}", f"SoftQAgent.seed = {seed}",
              f"RLExperiment.seed = {seed}", "RLExperiment.verbose = 1", *gin_params]
    command = [sys.executable, "-m", "vagan_tf.cli", "train", "--gin_file",
               SETTINGS[setting].gin_files[sampler],
               "--model_dir", model_dir, "--extend"]
    for param in params:
        command += ["--gin_param", param]
    return command


def train_all(runs, env_steps, threads, parallel, gin_params, setting="paper"):
    """Runs ``vagan train`` for every (sampler, seed, model_dir), ``parallel`` at a time."""
    env = dict(os.environ)
    if threads:
        env.update(TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS=str(threads))
    pending, running = list(runs), []
    while pending or running:
        while pending and len(running) < parallel:
            sampler, seed, model_dir = pending.pop(0)
            os.makedirs(model_dir, exist_ok=True)
            command = train_command(sampler, seed, env_steps, model_dir, gin_params, setting)
            with open(os.path.join(model_dir, "train.log"), "a", encoding="utf-8") as log:
                running.append((model_dir, subprocess.Popen(command, stdout=log,
                                                            stderr=subprocess.STDOUT, env=env)))
        time.sleep(1)
        for model_dir, process in list(running):
            if process.poll() is not None:
                running.remove((model_dir, process))
                if process.returncode:
                    raise SystemExit(f"{model_dir}: vagan train failed; see "
                                     f"{model_dir}/train.log")


def plateau_statistics(returns, window, last_fraction=0.2):
    """(best mean of ``window`` consecutive returns, mean of the last ``last_fraction`` of them,
    their ratio)."""
    returns = np.asarray(returns, float)
    window = min(window, len(returns))
    best = float(np.max(np.convolve(returns, np.ones(window) / window, mode="valid")))
    last = float(np.mean(returns[-max(1, round(last_fraction * len(returns))):]))
    return best, last, last / best if best > 0 else float("nan")


def summarise(sampler, seed, model_dir, window, warmup_epochs=1):
    from vagan_tf.run.directory import read_records  # TensorFlow: not needed for the tables

    records = read_records(os.path.join(model_dir, "metrics.json"))
    trained = [r for r in records if r["train_iterations"]][warmup_epochs:] or records
    returns = [r["eval_return"] for r in records]
    best_rolling, last_mean, holds = plateau_statistics(returns, window)
    return {"sampler": sampler, "seed": seed, "model_dir": model_dir,
            "env_steps": records[-1]["step"],
            "steps": [r["step"] for r in records],
            "eval_return": returns,
            "best": float(np.max(returns)), "best_rolling": best_rolling,
            "first_mean": float(np.mean(returns[:max(1, round(0.2 * len(returns)))])),
            "last_mean": last_mean, "holds": holds, "q_mean_end": records[-1].get("q_mean"),
            "q_mean": [r.get("q_mean") for r in records],
            "soft_value": [r.get("soft_value") for r in records],
            "ms_per_env_step": 1000 * float(np.mean([r["seconds_per_env_step"]
                                                     for r in trained])),
            "cpu_ms_per_env_step": 1000 * float(np.mean([r["cpu_seconds_per_env_step"]
                                                         for r in trained]))}


def markdown_table(summaries):
    """One row per run, then the seeds on which U-GAN's last-20 % mean is >= SVGD's."""
    lines = ["| sampler | seed | mean, first 20 % | best rolling mean | mean, last 20 % | kept "
             "| best | CPU ms / env step | mean Q, last epoch |", "|---" * 9 + "|"]
    for s in sorted(summaries, key=lambda s: (s["sampler"], s["seed"])):
        lines.append(f"| {LABELS[s['sampler']]} | {s['seed']} | {s['first_mean']:.1f} "
                     f"| {s['best_rolling']:.1f} "
                     f"| {s['last_mean']:.1f} | {100 * s['holds']:.0f} % | {s['best']:.1f} "
                     f"| {s['cpu_ms_per_env_step']:.1f} | {s['q_mean_end']:.1f} |")
    last = {(s["sampler"], s["seed"]): s["last_mean"] for s in summaries}
    paired = sorted(seed for sampler, seed in last if sampler == "ugan" and ("svgd", seed) in last)
    if paired:
        wins = [seed for seed in paired if last["ugan", seed] >= last["svgd", seed]]
        lines.append(f"\nU-GAN's last-20 % mean >= SVGD's on {len(wins)} of {len(paired)} "
                     f"seeds (seeds {', '.join(map(str, wins)) or 'none'}).")
    return "\n".join(lines)


def plot(summaries, path, title="Soft Q-learning on Swimmer-v5"):
    """Draws every run's evaluation return against environment steps into ``path``.

    Args:
        summaries: ``summarise`` dicts (or their results-file rows), any samplers and seeds.
        path: the PNG to write.
        title: the figure's title (a setting's ``Setting.title``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for sampler in SAMPLERS:
        mine = [s for s in summaries if s["sampler"] == sampler]
        if not mine:
            continue
        for s in mine:
            ax.plot(s["steps"], s["eval_return"], color=COLORS[sampler], alpha=0.25, lw=0.6)
        length = min(len(s["steps"]) for s in mine)
        steps = mine[0]["steps"][:length]
        returns = np.array([s["eval_return"][:length] for s in mine])
        ax.fill_between(steps, returns.min(0), returns.max(0), color=COLORS[sampler],
                        alpha=0.15, lw=0)
        ms = np.mean([s["cpu_ms_per_env_step"] for s in mine])
        ax.plot(steps, returns.mean(0), color=COLORS[sampler], lw=2,
                label=f"{LABELS[sampler]}: mean, min-max of {len(mine)} seeds "
                      f"({ms:.1f} CPU ms/step)")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("evaluation return (mean of its episodes)")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="best", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def parse_args(argv=None):
    """The command line; ``--root``, ``--out`` and ``--png`` default to the setting's own."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=SAMPLERS)
    parser.add_argument("--setting", default="paper", choices=list(SETTINGS),
                        help="paper: rl/swimmer*.gin; long_horizon: rl/swimmer_long_horizon*.gin")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--env_steps", type=int, default=20000)
    parser.add_argument("--root", help="the runs' parent folder (default: the setting's)")
    parser.add_argument("--threads", type=int, default=1, help="TF threads per run (0: all)")
    parser.add_argument("--parallel", type=int, default=1, help="runs at a time")
    parser.add_argument("--gin_param", action="append", default=[],
                        help="a binding for every run (repeatable)")
    parser.add_argument("--plot_only", action="store_true", help="summarise existing runs")
    parser.add_argument("--window", type=int, default=5,
                        help="evaluations in the best rolling mean")
    parser.add_argument("--png", help="the figure (default: the setting's)")
    parser.add_argument("--out", help="the results file (default: the setting's)")
    args = parser.parse_args(argv)
    setting = SETTINGS[args.setting]
    args.root = args.root or setting.root
    args.out = args.out or setting.out
    args.png = args.png or setting.png
    return args


def main():
    args = parse_args()

    runs = [(sampler, seed, os.path.join(args.root, f"{sampler}_{seed}"))
            for seed in args.seeds for sampler in args.samplers]
    if not args.plot_only:
        train_all(runs, args.env_steps, args.threads, args.parallel, args.gin_param,
                  args.setting)
    summaries = [dict(summarise(*run, window=args.window), gin_params=args.gin_param)
                 for run in runs]
    for s in summaries:
        print(f"{s['sampler']:5s} seed {s['seed']}: {s['env_steps']} env steps, best rolling "
              f"{s['best_rolling']:7.2f}, last 20 % {s['last_mean']:7.2f} "
              f"({100 * s['holds']:.0f} %), best {s['best']:7.2f}, "
              f"{s['ms_per_env_step']:6.1f} wall ms/step, "
              f"{s['cpu_ms_per_env_step']:6.1f} CPU ms/step")
    print(markdown_table(summaries))
    save_results(args.out, summaries)
    plot(summaries, args.png, SETTINGS[args.setting].title)
    print(f"wrote {args.out} and {args.png}")


if __name__ == "__main__":
    main()
