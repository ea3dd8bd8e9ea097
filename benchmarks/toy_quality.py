"""Toy quality: ring and grid x {jsd, rkl, wgan_gp} x {none, linear, sinusoidal}, several seeds.

Each run is a `vagan train` configuration: gin/toy/<data>.gin + <objective>.gin +
<schedule>.gin at a fixed step budget, seeded by ``experiment.seed``,
``AnnealedGAN.seed`` and ``sampler_dataset.seed``, evaluated every ``--eval_every``
steps on ``--eval_samples`` generated points (``mixture_report``). A run is scored by
its last ``--last`` evaluations from its ``metrics.json`` (not one snapshot): their mean
and their worst (fewest modes, lowest high-quality fraction, largest reverse KL and
distances). The script prints one markdown row per configuration and writes every
run's last evaluations to --out; ``--table A.json B.json`` prints the table of finished
runs, with a floor row per dataset (exact samples scored alike; ``--floor`` writes those
rows' records, which ``--table`` then reads instead of scoring them again). ``--variant NAME``
labels runs made with extra ``--gin_param`` bindings, so that their rows stay apart.

    python -m benchmarks.toy_quality --data ring --out benchmarks/results/toy_ring.json
    python -m benchmarks.toy_quality --floor --data ring grid --out benchmarks/results/toy_floor.json
    python -m benchmarks.toy_quality --table benchmarks/results/toy_floor.json benchmarks/results/toy_ring.json
"""
import argparse
import itertools
import json
import math
import os
import tempfile
import time

import gin
import numpy as np
from benchmarks.common import (add_threads_argument, limit_threads, load_results,  # noqa: E402
                               save_results)

# metric -> how its worst value over the last evaluations is taken
WORST = {"modes_covered": min, "high_quality": min, "reverse_kl": max,
         "symmetric_kl": max, "energy_distance": max}

HEADER = ("| data | objective | annealing | modes, worst of last 3 (per seed) "
          "| high quality %, worst of last 3 (per seed) | high quality %, mean of last 3 "
          "| reverse KL, mean of last 3 | reverse KL, worst | energy distance, mean of last 3 "
          "| s / run |\n|---|---|---|---|---|---|---|---|---|---|")


def worst(values, key):
    """The worst of ``values`` for metric ``key``; NaN (no high-quality sample) is worst."""
    if any(isinstance(v, float) and math.isnan(v) for v in values):
        return float("nan")
    return WORST[key](values)


def summarize(records, last):
    """{metric: {"mean", "worst"}} over the last ``last`` evaluation records of a run."""
    if len(records) < last:
        raise ValueError(f"a run has {len(records)} evaluations; scoring it needs {last} "
                         "(lower --eval_every)")
    kept = records[-last:]
    return {key: {"mean": float(np.mean([r[key] for r in kept])),
                  "worst": worst([r[key] for r in kept], key)} for key in WORST}


def gin_files(data, objective, schedule):
    """The run's gin files; ``schedule`` 'a+b' names gin/toy/a.gin then b.gin."""
    return [f"toy/{data}.gin", f"toy/{objective}.gin",
            *(f"toy/{name}.gin" for name in schedule.split("+"))]


def run_one(data, objective, schedule, seed, steps, workdir, params, eval_every, eval_samples,
            last, variant):
    from vagan_tf.run import assemble

    gin.clear_config()
    assemble.parse_gin(gin_files(data, objective, schedule),
                      [f"TOTAL_STEPS = {steps}", f"experiment.seed = {seed}",
                       f"AnnealedGAN.seed = {seed}", f"sampler_dataset.seed = {seed}",
                       f"GANExperiment.steps_per_epoch = {eval_every}",
                       f"GANExperiment.eval_samples = {eval_samples}",
                       "GANExperiment.verbose = 0", *params])
    model_dir = os.path.join(workdir, "_".join(filter(None, [data, objective,
                                                              schedule.replace("+", "-"), variant,
                                                              str(seed)])))
    start = time.time()
    assemble.experiment(model_dir=model_dir).train()
    seconds = time.time() - start
    with open(os.path.join(model_dir, "metrics.json"), encoding="utf-8") as f:
        records = json.load(f)
    return {"data": data, "objective": objective, "schedule": schedule, "variant": variant,
            "params": list(params), "seed": seed, "steps": steps, "seconds": seconds, "eval_samples": eval_samples,
            "evaluations": records[-last:], "last": summarize(records, last)}


def _fmt(value, digits):
    return "nan" if math.isnan(value) else f"{value:.{digits}f}"


def table_row(runs):
    def per_seed(key, stat, scale=1.0, digits=0):
        return "/".join(_fmt(scale * r["last"][key][stat], digits) for r in runs)

    def stat(key, which, scale=1.0, digits=1):
        values = scale * np.array([r["last"][key][which] for r in runs], dtype=float)
        return f"{_fmt(values.mean(), digits)} ± {_fmt(values.std(), digits)}"

    first = runs[0]
    schedule = ", ".join(filter(None, [first["schedule"], first["variant"]]))
    return (f"| {first['data']} | {first['objective']} | {schedule} | "
            f"{per_seed('modes_covered', 'worst')} | {per_seed('high_quality', 'worst', 100, 1)} | "
            f"{stat('high_quality', 'mean', 100)} | {stat('reverse_kl', 'mean', digits=3)} | "
            f"{stat('reverse_kl', 'worst', digits=3)} | "
            f"{stat('energy_distance', 'mean', digits=3)} | "
            f"{seconds_per_run(runs)} |")


def seconds_per_run(runs):
    """The runs' mean wall seconds, "—" when they were not timed."""
    seconds = [r["seconds"] for r in runs if not math.isnan(r.get("seconds", math.nan))]
    return f"{np.mean(seconds):.0f}" if seconds else "—"


def floor_record(data, eval_samples, last):
    """``last`` independent sets of ``eval_samples`` exact samples, scored like a run's last
    evaluations: {"data", "floor": True, "eval_samples", "last"}."""
    from vagan_tf import targets
    from vagan_tf.evaluation import metrics

    mixture = getattr(targets, data)()
    records = [metrics.mixture_report(mixture.sample(eval_samples, seed=(7, k)).numpy(), mixture)
               for k in range(last)]
    return {"data": data, "floor": True, "eval_samples": eval_samples,
            "last": summarize(records, last)}


def floor_row(record):
    s = record["last"]
    return (f"| {record['data']} | exact samples (floor) | — | {s['modes_covered']['worst']} | "
            f"{100 * s['high_quality']['worst']:.1f} | {100 * s['high_quality']['mean']:.1f} | "
            f"{s['reverse_kl']['mean']:.3f} | {s['reverse_kl']['worst']:.3f} | "
            f"{s['energy_distance']['mean']:.3f} | — |")


def table(records):
    """The markdown table of the runs in ``records``: a row per configuration, a floor row
    per dataset (a ``floor`` record of ``--floor``, else scored here), then the paired table.

    Raises:
      SystemExit: a record lacks its last evaluations (the one-snapshot format).
    """
    results = [r for r in records if not r.get("floor")]
    floors = {r["data"]: r for r in records if r.get("floor")}
    missing = [r for r in results if "last" not in r]
    if missing:
        raise SystemExit(f"{len(missing)} records have no 'last' evaluations: they come from the "
                         "one-snapshot version of this script; rerun them")
    lines = [HEADER]
    datasets = list(dict.fromkeys(r["data"] for r in results))
    groups = {}
    for r in results:
        groups.setdefault((r["data"], r["objective"], r["schedule"], r["variant"]), []).append(r)
    for key in sorted(groups, key=lambda key: datasets.index(key[0])):  # stable within a dataset
        lines.append(table_row(groups[key]))
    for data in datasets:
        first = next(r for r in results if r["data"] == data)
        lines.append(floor_row(floors.get(data) or floor_record(
            data, first["eval_samples"], len(first["evaluations"]))))
    paired = paired_rows(groups)
    if paired:
        lines += ["", PAIRED_HEADER, *paired]
    return "\n".join(lines)


# gin files that stabilise training rather than anneal it: a schedule "linear+packing" is
# annealed, and is paired with "none+packing" of the same objective, data and variant
STABILISERS = ("packing", "lr_decay")
PAIRED_HEADER = ("| data | objective | annealing vs none (same stabilisers, seeds) | modes, worst of "
                 "last 3: more / same / fewer | reverse KL, worst: lower / higher "
                 "| high quality, worst: mean change (points) |\n|---|---|---|---|---|---|")


def split_schedule(schedule):
    """(the annealing files, the stabiliser files) of a schedule 'a+b+...', each 'x+y' or ''."""
    names = schedule.split("+")
    return ("+".join(n for n in names if n not in STABILISERS),
            "+".join(n for n in names if n in STABILISERS))


def paired_rows(groups):
    """Each annealed configuration against its plain counterpart, seed by seed.

    ``groups``: {(data, objective, schedule, variant): runs}. The counterpart has the same
    data, objective, variant and stabilisers and no annealing; only seeds run in both count.
    """
    rows = []
    for (data, objective, schedule, variant), runs in groups.items():
        annealing, stabilisers = split_schedule(schedule)
        plain = groups.get((data, objective, "+".join(filter(None, ["none", stabilisers])),
                            variant))
        if annealing == "none" or plain is None:
            continue
        by_seed = {r["seed"]: r["last"] for r in plain}
        pairs = [(r["last"], by_seed[r["seed"]]) for r in runs if r["seed"] in by_seed]
        if not pairs:
            continue
        modes = [np.sign(a["modes_covered"]["worst"] - b["modes_covered"]["worst"]) for a, b in pairs]
        kl_lower = sum(a["reverse_kl"]["worst"] < b["reverse_kl"]["worst"] for a, b in pairs)
        quality = np.mean([a["high_quality"]["worst"] - b["high_quality"]["worst"] for a, b in pairs])
        label = ", ".join(filter(None, [f"{annealing} vs none", stabilisers.replace("+", ", "),
                                        variant]))
        rows.append(f"| {data} | {objective} | {label} ({len(pairs)}) | {modes.count(1)} / "
                    f"{modes.count(0)} / {modes.count(-1)} | {kl_lower} / {len(pairs) - kl_lower} | "
                    f"{100 * quality:+.1f} |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=["ring", "grid"])
    parser.add_argument("--objectives", nargs="+", default=["jsd", "rkl", "wgan_gp"])
    parser.add_argument("--schedules", nargs="+", default=["none", "linear", "sinusoidal"],
                        help="schedule gin files; 'linear+entropy' gives both, in that order")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--eval_every", type=int, default=None,
                        help="steps between evaluations (default: steps / 10)")
    parser.add_argument("--eval_samples", type=int, default=2500)
    parser.add_argument("--last", type=int, default=3, help="evaluations a run is scored by")
    parser.add_argument("--gin_param", action="append", default=[], help="extra binding")
    parser.add_argument("--variant", default="", help="label of the runs' extra bindings")
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    parser.add_argument("--workdir", default=None, help="keep run directories here")
    parser.add_argument("--table", nargs="+", default=None, help="print the table of these JSONs")
    parser.add_argument("--floor", action="store_true",
                        help="score --last sets of exact samples per --data instead of training")
    args = parser.parse_args()

    if args.table:
        print(table(load_results(args.table)))
        return
    limit_threads(args.threads)
    if args.floor:
        floors = [floor_record(data, args.eval_samples, args.last) for data in args.data]
        print("\n".join([HEADER, *map(floor_row, floors)]))
        save_results(args.out, floors)
        return
    eval_every = args.eval_every or args.steps // 10
    workdir = args.workdir or tempfile.mkdtemp(prefix="toy_quality_")
    results = []
    print(HEADER, flush=True)
    for data, objective, schedule in itertools.product(args.data, args.objectives, args.schedules):
        runs = [run_one(data, objective, schedule, seed, args.steps, workdir, args.gin_param,
                        eval_every, args.eval_samples, args.last, args.variant)
                for seed in args.seeds]
        results += runs
        print(table_row(runs), flush=True)
        save_results(args.out, results)


if __name__ == "__main__":
    main()
