"""Annealed vs plain image GANs on the offline MNIST digits (32x32), several seeds.

Runs (`vagan train` configurations gin/digits/base.gin + images/<objective>.gin +
images/<annealing>.gin at one step budget, seeded by ``experiment.seed``,
``AnnealedGAN.seed`` and ``offline_digits.seed``): jsd, jsd + DFM, jsd + sinusoidal,
rkl, rkl + sinusoidal. Each run's final evaluation (classifier-FID, KID, IS of 5 000
samples against the 5 000 digits, by the shipped digit classifier) goes to --out;
``--shard K/N`` runs every N-th run from the K-th (for parallel processes);
``--table A.json B.json`` prints the markdown table (mean ± std over seeds) with a floor
row: half of the real digits (2 500) scored against the other half (``--floor --out F``
writes it; ``--table`` reads it from F when given).

    python -m benchmarks.digits_annealing --steps 1500 --threads 1 --shard 0/2 \
        --out benchmarks/results/digits_0.json
    python -m benchmarks.digits_annealing --floor --threads 1 --out benchmarks/results/digits_floor.json
    python -m benchmarks.digits_annealing --table benchmarks/results/digits_*.json
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # before TensorFlow is imported

import gin  # noqa: E402
import numpy as np  # noqa: E402
from benchmarks.common import (add_threads_argument, limit_threads, load_results,  # noqa: E402
                               save_results)

CONFIGS = [("jsd", "none"), ("jsd", "dfm"), ("jsd", "sinusoidal"), ("rkl", "none"),
           ("rkl", "sinusoidal")]
HEADER = ("| objective | annealing | classifier-FID | classifier-KID | IS | s / run |\n"
          "|---|---|---|---|---|---|")


def run_one(objective, annealing, seed, steps, workdir, params):
    from vagan_tf.run import assemble

    gin.clear_config()
    assemble.parse_gin(["digits/base.gin", f"images/{objective}.gin", f"images/{annealing}.gin"],
                      [f"TOTAL_STEPS = {steps}", f"experiment.seed = {seed}",
                       f"AnnealedGAN.seed = {seed}", f"offline_digits.seed = {seed}",
                       "GANExperiment.verbose = 0", *params])
    model_dir = os.path.join(workdir, f"digits_{objective}_{annealing}_{seed}")
    start = time.time()
    record = assemble.experiment(model_dir=model_dir).train()
    return {"objective": objective, "annealing": annealing, "seed": seed, "steps": steps,
            "seconds": time.time() - start, **record}


def real_floor():
    """Classifier-FID / KID / IS of 2 500 real digits against the other 2 500:
    {"floor": True, "fid", "kid", "inception_score"}."""
    from vagan_tf import data
    from vagan_tf.evaluation import metrics
    from vagan_tf.evaluation.extractors import digit_classifier, extract

    images = data.fit_to_resolution(data.to_unit_range(data.load_digits()[0]), 32).numpy()
    order = np.random.default_rng(0).permutation(len(images))
    features, logits = extract(digit_classifier(), images[order])
    first, second = features[:2500], features[2500:]
    fid = metrics.frechet_distance(*metrics.gaussian_statistics(first),
                                   *metrics.gaussian_statistics(second))
    kid, _ = metrics.kernel_distance(first, second)
    score, _ = metrics.inception_score(logits[:2500])
    return {"floor": True, "fid": float(fid), "kid": float(kid), "inception_score": float(score)}


def table(records):
    """The markdown table: mean ± std over seeds per configuration, then the floor row (a
    ``floor`` record of ``--floor``, else scored here)."""
    lines = [HEADER]
    groups = {}
    for r in records:
        if not r.get("floor"):
            groups.setdefault((r["objective"], r["annealing"]), []).append(r)
    for (objective, annealing), runs in sorted(groups.items(),
                                               key=lambda kv: CONFIGS.index(kv[0])):
        def stat(key, scale=1.0, digits=1):
            values = scale * np.array([r[key] for r in runs], dtype=float)
            return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"

        lines.append(f"| {objective} | {annealing} | {stat('fid')} | {stat('kid', digits=2)} | "
                     f"{stat('inception_score', digits=2)} | "
                     f"{np.mean([r['seconds'] for r in runs]):.0f} |")
    floor = next((r for r in records if r.get("floor")), None) or real_floor()
    lines.append(f"| real digits (floor: 2 500 vs the other 2 500) | — | {floor['fid']:.1f} | "
                 f"{floor['kid']:.2f} | {floor['inception_score']:.2f} | — |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--gin_param", action="append", default=[], help="extra binding")
    add_threads_argument(parser)
    parser.add_argument("--shard", default="0/1", help="K/N: run every N-th run from the K-th")
    parser.add_argument("--out", default=None)
    parser.add_argument("--workdir", default=None, help="keep run directories here")
    parser.add_argument("--table", nargs="+", default=None, help="print the table of these JSONs")
    parser.add_argument("--floor", action="store_true",
                        help="score the real digits' floor instead of training")
    args = parser.parse_args()

    if args.table:
        print(table(load_results(args.table)))
        return
    limit_threads(args.threads)
    if args.floor:
        floor = real_floor()
        print(table([floor]))
        save_results(args.out, [floor])
        return
    shard, shards = map(int, args.shard.split("/"))
    runs = [(o, a, s) for s in args.seeds for o, a in CONFIGS][shard::shards]
    workdir = args.workdir or tempfile.mkdtemp(prefix="digits_annealing_")
    results = []
    for objective, annealing, seed in runs:
        results.append(run_one(objective, annealing, seed, args.steps, workdir, args.gin_param))
        r = results[-1]
        print(f"{objective} {annealing} seed {seed}: FID {r['fid']:.2f} KID {r['kid']:.4f} "
              f"IS {r['inception_score']:.2f} ({r['seconds']:.0f} s)", flush=True)
        save_results(args.out, results)
    print(table(results))


if __name__ == "__main__":
    main()
