"""The BLR tables from blr_table.py results files: mean ± std over split seeds, and
with --per_split what the benchmark's aims ask, split by split.

    python -m benchmarks.blr_summary benchmarks/results/blr_table_splits_*.json
    python -m benchmarks.blr_summary --per_split benchmarks/results/blr_table_splits_*.json

Per dataset and method: test accuracy and test log-likelihood (mean ± std over the seeds
present; a (dataset, seed, method) found in several files counts once), training time, the
time to come within 0.01 of NUTS's test log-likelihood (mean over the seeds that did), and
the posterior's shape against NUTS (blr_table.py's ``posterior_shape``: the median over the
weights w of |mean - mean_NUTS| / std_NUTS and of std / std_NUTS, and both for log alpha),
each the mean over the seeds that have it ("(k/n)" when only k of n do; "—" for none, as in
result files written before it).

--per_split: per (dataset, split), the NUTS reference's parametrisation, max split R̂ and
min effective sample size, each flow's CPU time to NUTS's test log-likelihood, and U-GAN's
spread ratios and test log-likelihood gap.
"""
import argparse

import numpy as np

from benchmarks.common import load_results, number_or_dash

METHODS = ("ugan", "maf_rkl", "iaf_rkl", "svgd", "nuts")
NAMES = {"ugan": "U-GAN", "maf_rkl": "MAF-RKL", "iaf_rkl": "IAF-RKL", "svgd": "SVGD",
         "nuts": "NUTS"}
SHAPE_COLUMNS = {"w_mean_error_median": "w mean error (median)",
                 "w_std_ratio_median": "w std ratio (median)",
                 "w_iqr_ratio_median": "w IQR ratio (median)",
                 "log_alpha_std_ratio": "log α std ratio",
                 "log_alpha_iqr_ratio": "log α IQR ratio",
                 "log_alpha_mean_error": "log α mean error"}  # posterior_shape's keys


def unique_runs(records):
    runs = {}
    for record in records:
        runs.setdefault((record["dataset"], record["seed"], record["method"]), record)
    return runs


def mean_over_seeds(rows, key):
    """The mean of ``posterior_shape[key]`` over the rows that have it, "(k/n)" when only k of
    the n rows do, "—" when none does."""
    values = [r["posterior_shape"][key] for r in rows if key in r.get("posterior_shape", {})]
    if not values:
        return "—"
    return f"{np.mean(values):.2f}" + (f" ({len(values)}/{len(rows)})" if len(values) < len(rows)
                                        else "")


def per_split_table(runs):
    """The markdown rows of --per_split, one per (dataset, split) with a NUTS run."""
    columns = ["dataset", "split", "NUTS parametrisation", "NUTS max R̂", "NUTS min ESS",
               "U-GAN to NUTS (s)", "MAF-RKL to NUTS (s)", "IAF-RKL to NUTS (s)",
               "U-GAN w std ratio (median / min)", "U-GAN w IQR ratio",
               "U-GAN log α std ratio", "U-GAN log α IQR ratio", "U-GAN test LL − NUTS's"]
    lines = [f"| {' | '.join(columns)} |", f"|{'---|' * len(columns)}"]
    for (dataset, seed, method), nuts in sorted(runs.items()):
        if method != "nuts":
            continue
        diagnostics = nuts.get("diagnostics", {})
        to_nuts = [runs.get((dataset, seed, m), {}).get("seconds_to_nuts", None)
                   for m in ("ugan", "maf_rkl", "iaf_rkl")]
        ugan = runs.get((dataset, seed, "ugan"))
        shape = ugan.get("posterior_shape", {}) if ugan else {}
        gap = (ugan["test_log_likelihood"] - nuts["test_log_likelihood"]) if ugan else None
        cells = [dataset, str(seed), diagnostics.get("parametrisation", "centred"),
                 number_or_dash(diagnostics.get("max_r_hat"), 2),
                 number_or_dash(diagnostics.get("min_ess"), 0),
                 *["never" if ugan and t is None else number_or_dash(t, 1) for t in to_nuts],
                 f"{number_or_dash(shape.get('w_std_ratio_median'), 2)} / "
                 f"{number_or_dash(shape.get('w_std_ratio_min'), 2)}",
                 number_or_dash(shape.get("w_iqr_ratio_median"), 2),
                 number_or_dash(shape.get("log_alpha_std_ratio"), 2),
                 number_or_dash(shape.get("log_alpha_iqr_ratio"), 2),
                 number_or_dash(gap, 4, sign=True)]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def summary_table(runs):
    """The markdown rows of the means over splits, one per (dataset, method)."""
    datasets = list(dict.fromkeys(dataset for dataset, _, _ in runs))
    columns = ["dataset", "method", "seeds", "test accuracy", "test log-likelihood", "CPU s",
               "CPU s to NUTS ± 0.01 (runs)", *SHAPE_COLUMNS.values()]
    lines = [f"| {' | '.join(columns)} |", f"|{'---|' * len(columns)}"]
    for dataset in datasets:
        for method in METHODS:
            rows = [r for (d, _, m), r in sorted(runs.items()) if d == dataset and m == method]
            if not rows:
                continue
            accuracy = np.array([r["test_accuracy"] for r in rows])
            log_likelihood = np.array([r["test_log_likelihood"] for r in rows])
            seconds = np.mean([r["seconds"] for r in rows])
            reached = [r["seconds_to_nuts"] for r in rows if r["seconds_to_nuts"] is not None]
            to_nuts = "—" if method == "nuts" else (
                f"{np.mean(reached):.1f} ({len(reached)}/{len(rows)})" if reached
                else f"never (0/{len(rows)})")
            seeds = ",".join(str(r["seed"]) for r in rows)
            lines.append(f"| {dataset} | {NAMES[method]} | {seeds} | {100 * accuracy.mean():.1f} ± "
                         f"{100 * accuracy.std():.1f} % | {log_likelihood.mean():.4f} ± "
                         f"{log_likelihood.std():.4f} | {seconds:.1f} | {to_nuts} | "
                         + " | ".join(mean_over_seeds(rows, key) for key in SHAPE_COLUMNS) + " |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--per_split", action="store_true",
                        help="the per-split table of the aims instead of the means")
    args = parser.parse_args()
    runs = unique_runs(load_results(args.results))
    print("\n".join(per_split_table(runs) if args.per_split else summary_table(runs)))


if __name__ == "__main__":
    main()
