"""Toy quality: ring and grid x {jsd, rkl, wgan_gp} x {none, linear, sinusoidal}, several seeds.

Each run is a `vagan train` configuration: configs/toy/<data>.gin + <objective>.gin +
<schedule>.gin at a fixed step budget, seeded by ``experiment.seed``,
``AnnealedGAN.seed`` and ``sampler_dataset.seed``. The script prints one markdown row
per configuration (mean ± std over seeds of modes covered, high-quality % and histogram
symmetric KL, with the per-seed mode counts) and writes every run's final evaluation to
--out. ``--table A.json B.json`` prints the table of finished runs.

    python benchmarks/toy_quality.py --data ring --out benchmarks/results/toy_ring.json
    python benchmarks/toy_quality.py --table benchmarks/results/toy_*.json
"""
import argparse
import itertools
import json
import os
import tempfile
import time

import gin
import numpy as np
from common import add_threads_argument, limit_threads, load_results  # noqa: E402

HEADER = ("| data | objective | annealing | modes (per seed) | high quality % | symmetric KL "
          "| energy distance | s / run |\n|---|---|---|---|---|---|---|---|")


def run_one(data, objective, schedule, seed, steps, workdir, params):
    from vagan_tf import runs

    gin.clear_config()
    runs.parse_gin([f"toy/{data}.gin", f"toy/{objective}.gin", f"toy/{schedule}.gin"],
                  [f"TOTAL_STEPS = {steps}", f"experiment.seed = {seed}",
                   f"AnnealedGAN.seed = {seed}", f"sampler_dataset.seed = {seed}",
                   "GANExperiment.verbose = 0", *params])
    model_dir = os.path.join(workdir, f"{data}_{objective}_{schedule}_{seed}")
    start = time.time()
    record = runs.experiment(model_dir=model_dir).train()
    return {"data": data, "objective": objective, "schedule": schedule, "seed": seed,
            "steps": steps, "seconds": time.time() - start, **record}


def table_row(runs):
    def stat(key, scale=1.0, digits=1):
        values = scale * np.array([r[key] for r in runs], dtype=float)
        return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"

    first = runs[0]
    modes = "/".join(str(r["modes_covered"]) for r in runs)
    return (f"| {first['data']} | {first['objective']} | {first['schedule']} | {modes} | "
            f"{stat('high_quality', 100)} | {stat('symmetric_kl', digits=2)} | "
            f"{stat('energy_distance', digits=3)} | {np.mean([r['seconds'] for r in runs]):.0f} |")


def print_table(results):
    print(HEADER)
    groups = {}
    for r in results:
        groups.setdefault((r["data"], r["objective"], r["schedule"]), []).append(r)
    for runs in groups.values():
        print(table_row(runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=["ring", "grid"])
    parser.add_argument("--objectives", nargs="+", default=["jsd", "rkl", "wgan_gp"])
    parser.add_argument("--schedules", nargs="+", default=["none", "linear", "sinusoidal"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--gin_param", action="append", default=[], help="extra binding")
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    parser.add_argument("--workdir", default=None, help="keep run directories here")
    parser.add_argument("--table", nargs="+", default=None, help="print the table of these JSONs")
    args = parser.parse_args()

    if args.table:
        print_table(load_results(args.table))
        return
    limit_threads(args.threads)
    workdir = args.workdir or tempfile.mkdtemp(prefix="toy_quality_")
    results = []
    print(HEADER, flush=True)
    for data, objective, schedule in itertools.product(args.data, args.objectives, args.schedules):
        runs = [run_one(data, objective, schedule, seed, args.steps, workdir, args.gin_param)
                for seed in args.seeds]
        results += runs
        print(table_row(runs), flush=True)
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
