"""The shape of U-GAN's BLR posterior against NUTS's over a run, per configuration.

For each dataset and split seed, NUTS (``blr_table.run_nuts``) gives the reference draws;
then each U-GAN configuration (gin/blr/<dataset>.gin with --gin_file files and
--gin_param bindings, labelled --variant) trains in chunks of --eval_every steps, and after
each chunk 1,000 draws give the test log-likelihood's gap to NUTS's and the posterior's
shape (``blr_table.posterior_shape``: per coordinate |mean - mean_NUTS| / std_NUTS and
std / std_NUTS, medians over the weights w, and both for log alpha), with the training
CPU time (clock paused while evaluating). ``--table A.json ...`` prints one row per
dataset and variant: the last evaluation, mean and range over the splits.

    python -m benchmarks.blr_shape --datasets cancer sonar --seeds 0 --threads 1 \\
        --variant tempered --gin_file ugan/tempered.gin --out
        benchmarks/results/blr_shape_tempered.json
    python -m benchmarks.blr_shape --table benchmarks/results/blr_shape_*.json
"""
import argparse
import itertools

import numpy as np

from benchmarks.common import (add_threads_argument, limit_threads, load_results,  # noqa: E402
                               save_results)

TABLE_COLUMNS = {"w_std_ratio_median": "w std ratio (median)",
                 "w_std_ratio_min": "w std ratio (min)",
                 "log_alpha_std_ratio": "log α std ratio",
                 "w_mean_error_median": "w mean error (median)",
                 "log_alpha_mean_error": "log α mean error",
                 "ll_gap": "test LL − NUTS's"}


def run_configuration(dataset, seed, nuts_draws, nuts_log_likelihood, args):
    """The record of one U-GAN run: its configuration and every evaluation."""
    from benchmarks import blr_table  # TensorFlow: not needed for --table

    trace = blr_table.run_gin_sampler(dataset, seed, args.eval_every, steps=args.steps,
                                      sampler_files=args.gin_file, params=args.gin_param,
                                      reference=nuts_draws)
    points = [{**point, "ll_gap": point["test_log_likelihood"] - nuts_log_likelihood}
              for point in trace.points]
    return {"dataset": dataset, "seed": seed, "variant": args.variant,
            "gin_files": args.gin_file, "gin_params": args.gin_param,
            "steps": trace.steps, "seconds": trace.seconds, "trace": points}


def spread(values, digits=2):
    """'mean (min-max)' of values, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(records):
    """Markdown rows, one per (dataset, variant), from the runs' last evaluations."""
    header = ["dataset", "U-GAN configuration", "splits", "steps", "CPU s",
              *TABLE_COLUMNS.values()]
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    key = lambda r: (r["dataset"], r["variant"])  # noqa: E731
    for (dataset, variant), group in itertools.groupby(sorted(records, key=key), key):
        group = sorted(group, key=lambda r: r["seed"])
        last = [r["trace"][-1] for r in group]
        cells = [dataset, variant or "default", "/".join(str(r["seed"]) for r in group),
                 "/".join(sorted({str(r["steps"]) for r in group})),
                 spread([r["seconds"] for r in group], 0),
                 *(spread([point[column] for point in last],
                          3 if column == "ll_gap" else 2) for column in TABLE_COLUMNS)]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["cancer", "sonar"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--steps", type=int, default=None, help="default: the gin files'")
    parser.add_argument("--eval_every", type=int, default=50)
    parser.add_argument("--variant", default="", help="label of the configuration")
    parser.add_argument("--gin_file", action="append", default=[], help="after blr/<dataset>.gin")
    parser.add_argument("--gin_param", action="append", default=[], help="extra binding")
    parser.add_argument("--out", default=None)
    parser.add_argument("--table", nargs="+", default=None, help="print the table of these JSONs")
    add_threads_argument(parser)
    args = parser.parse_args()
    if args.table:
        print(table(load_results(args.table)))
        return
    limit_threads(args.threads)
    from benchmarks import blr_table
    from vagan_tf import targets
    from vagan_tf.targets import uci

    records = []
    for seed in args.seeds:
        for dataset in args.datasets:
            target = targets.blr_posterior(uci.load_uci(dataset, split_seed=seed))
            nuts, _ = blr_table.run_nuts(target, seed)
            records.append(run_configuration(dataset, seed, nuts.draws,
                                             nuts.points[-1]["test_log_likelihood"], args))
            last = records[-1]["trace"][-1]
            print(dataset, seed, args.variant, " ".join(
                f"{k}={last[k]:.3f}" for k in ["step", "seconds", *TABLE_COLUMNS]), flush=True)
            save_results(args.out, records)
    print(table(records))


if __name__ == "__main__":
    main()
