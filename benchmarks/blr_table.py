"""Bayesian logistic regression on UCI splits: U-GAN, SVGD and NUTS (the supplement's Table 2).

For each dataset and split seed the posterior of (w, b, log alpha) (``targets.blr_posterior``)
is sampled three ways, and each sampler's draws give the posterior predictive on the test
rows (test accuracy, mean test log-likelihood):

* ``ugan``: the run of configs/blr/<dataset>.gin (the paper's MAF, 8 blocks, MADE [512, 512])
  for --ugan_steps generator steps, 1 000 draws;
* ``svgd``: 100 particles from N(0, I), RBF kernel with the median heuristic, the SVGD
  paper's AdaGrad step 0.05, full-batch scores, --svgd_steps steps;
* ``nuts``: 4 chains x 1 000 draws after 1 000 burn-in steps (``vagan_tf.mcmc.nuts``), the
  reference.

U-GAN and SVGD are evaluated every --eval_every steps with the clock paused, so each run also
gives the training time at which its test log-likelihood first came within 0.01 of NUTS's
(``seconds_to_nuts``; None if never). Times are the process's CPU time (``time.process_time``;
with --threads 1 the wall time of an unloaded core), tracing of the compiled steps included. Writes --out (JSON) and prints markdown.

    python benchmarks/blr_table.py --datasets heart \\
        --seeds 0 1 2 3 4 --threads 1 --out benchmarks/results/blr_heart.json
"""
import argparse
import json
import time

import gin
import keras
import tensorflow as tf

from vagan_tf import mcmc, runs, targets, uci
from vagan_tf.svgd import svgd
from common import add_threads_argument, limit_threads  # noqa: E402

TOLERANCE = 0.01  # test log-likelihood distance to NUTS that counts as "reached"
SVGD_PARTICLES = 100
UGAN_DRAWS = 1000


class Trace:
    """Training CPU time (evaluation excluded) and the test metrics at each evaluation."""

    def __init__(self, target):
        self.target = target
        self.seconds = 0.0
        self.points = []

    def train(self, fn):
        start = time.process_time()
        result = fn()
        self.seconds += time.process_time() - start
        return result

    def evaluate(self, step, theta):
        record = {"step": step, "seconds": self.seconds, **self.target.test_metrics(theta)}
        self.points.append(record)
        return record

    def seconds_to(self, log_likelihood):
        """The first recorded time with |test LL - log_likelihood| <= TOLERANCE, or None."""
        for point in self.points:
            if abs(point["test_log_likelihood"] - log_likelihood) <= TOLERANCE:
                return point["seconds"]
        return None


def run_ugan(dataset, seed, steps, eval_every):
    gin.clear_config()
    runs.parse_gin([f"blr/{dataset}.gin"], [
        f"load_uci.split_seed = {seed}", f"TOTAL_STEPS = {steps}", "GANExperiment.verbose = 0",
        f"GANExperiment.steps_per_epoch = {eval_every}",
        f"GANExperiment.steps_per_execution = {eval_every}"])
    keras.utils.set_random_seed(seed)
    run = runs.experiment(model_dir="/tmp/unused_blr_table")
    model = run.model
    trace = Trace(model.target)
    stream = run.dataset_fn(batch_size=run.batch_size)
    for step in range(eval_every, steps + 1, eval_every):
        trace.train(lambda: model.fit(stream, steps_per_epoch=eval_every, epochs=1, verbose=0))
        trace.evaluate(step, model.sample(UGAN_DRAWS).numpy())
    return trace


def run_svgd(target, seed, steps, eval_every):
    trace = Trace(target)
    particles = tf.random.stateless_normal((SVGD_PARTICLES, target.dim), seed=(seed, 7))
    history = None
    score = target.score  # one function object: a new bound method per chunk would retrace
    for step in range(eval_every, steps + 1, eval_every):
        particles, history = trace.train(
            lambda: svgd(score, particles, eval_every, step_size=0.05, history=history))
        trace.evaluate(step, particles.numpy())
    return trace


def run_nuts(target, seed):
    trace = Trace(target)
    samples, diagnostics = trace.train(lambda: mcmc.nuts(target, seed=seed))
    trace.evaluate(1000, samples)
    return trace, diagnostics


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(uci.DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--ugan_steps", type=int, default=100)
    parser.add_argument("--svgd_steps", type=int, default=500)
    parser.add_argument("--eval_every", type=int, default=50)
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    results = []
    print("| dataset | seed | method | test accuracy | test log-likelihood | seconds | "
          "seconds to NUTS ± 0.01 |\n|---|---|---|---|---|---|---|", flush=True)
    for seed in args.seeds:  # seeds outermost: an interrupted run still covers every dataset
        for dataset in args.datasets:
            target = targets.blr_posterior(uci.load_uci(dataset, split_seed=seed))
            nuts_trace, diagnostics = run_nuts(target, seed)
            reference = nuts_trace.points[-1]["test_log_likelihood"]
            runs = {"nuts": nuts_trace,
                    "svgd": run_svgd(target, seed, args.svgd_steps, args.eval_every),
                    "ugan": run_ugan(dataset, seed, args.ugan_steps, args.eval_every)}
            for method, trace in runs.items():
                final = trace.points[-1]
                reached = trace.seconds_to(reference) if method != "nuts" else None
                row = {"dataset": dataset, "seed": seed, "method": method,
                       "test_accuracy": final["test_accuracy"],
                       "test_log_likelihood": final["test_log_likelihood"],
                       "seconds": trace.seconds, "seconds_to_nuts": reached, "trace": trace.points}
                if method == "nuts":
                    row["diagnostics"] = diagnostics
                results.append(row)
                reached_text = "—" if reached is None else f"{reached:.1f}"
                print(f"| {dataset} | {seed} | {method} | {final['test_accuracy']:.4f} | "
                      f"{final['test_log_likelihood']:.4f} | {trace.seconds:.1f} | "
                      f"{reached_text} |", flush=True)
            if args.out:
                with open(args.out, "w", encoding="utf-8") as f:
                    json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
