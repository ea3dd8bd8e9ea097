"""The README's BLR table from blr_table.py result files: mean ± std over split seeds.

    python benchmarks/blr_summary.py benchmarks/results/blr_table*.json

Per dataset and method: test accuracy and test log-likelihood (mean ± std over the seeds
present; a (dataset, seed, method) found in several files counts once), training time, and
the time to come within 0.01 of NUTS's test log-likelihood (mean over the seeds that did).
"""
import argparse

import numpy as np

from common import load_results

METHODS = ("ugan", "svgd", "nuts")
NAMES = {"ugan": "U-GAN", "svgd": "SVGD", "nuts": "NUTS"}


def unique_runs(records):
    runs = {}
    for record in records:
        runs.setdefault((record["dataset"], record["seed"], record["method"]), record)
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+")
    args = parser.parse_args()
    runs = unique_runs(load_results(args.results))
    datasets = list(dict.fromkeys(dataset for dataset, _, _ in runs))
    print("| dataset | method | seeds | test accuracy | test log-likelihood | CPU s | "
          "CPU s to NUTS ± 0.01 (runs) |\n|---|---|---|---|---|---|---|")
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
            print(f"| {dataset} | {NAMES[method]} | {seeds} | {100 * accuracy.mean():.1f} ± "
                  f"{100 * accuracy.std():.1f} % | {log_likelihood.mean():.4f} ± "
                  f"{log_likelihood.std():.4f} | {seconds:.1f} | {to_nuts} |")


if __name__ == "__main__":
    main()
