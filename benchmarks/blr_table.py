"""Bayesian logistic regression on UCI splits: U-GAN, its reverse-KL flows, SVGD and NUTS
(the supplement's Table 2).

For each dataset and split seed the posterior of (w, b, log alpha) (``targets.blr_posterior``)
is sampled five ways, and each sampler's draws give the posterior predictive on the test
rows (test accuracy, mean test log-likelihood):

* ``ugan``: the run of gin/blr/<dataset>.gin (the paper's MAF, 8 blocks, MADE [512, 512])
  for its TOTAL_STEPS generator steps (or --ugan_steps), with the --gin_param bindings,
  1 000 draws;
* ``maf_rkl`` / ``iaf_rkl``: that file composed with ugan/maf_rkl.gin / ugan/iaf_rkl.gin (the
  same flow, or its IAF view, fitted by reverse KL at Adam 1e-3, batch 64), 1 000 draws;
* ``svgd``: 100 particles from N(0, I), RBF kernel with the median heuristic, the SVGD
  paper's AdaGrad step 0.05, full-batch scores, --svgd_steps steps;
* ``nuts``: the reference, ``vagan_tf.samplers.mcmc.nuts`` with 8 chains x 2 000 draws after 2 000
  burn-in steps, run twice: on theta and on the non-centred coordinates
  (``BayesianLogisticRegression.non_centred``); the run with the larger effective sample
  size is kept and both runs' diagnostics are recorded. Cancer's and Sonar's training rows
  are linearly separable, which leaves a funnel towards small alpha that the centred
  chains mix through slowly on Sonar; on Cancer neither form is better on every split.

All but NUTS train in chunks of --eval_every steps, each followed by an evaluation with the
clock paused, so each run also gives the training time at which its test log-likelihood
first came within 0.01 of NUTS's (``seconds_to_nuts``; None if never). The reverse-KL flows
get the split's U-GAN training time: they train chunks until their own training time reaches
it (the last chunk may overshoot; ``steps`` records how many they ran). Times are the
process's CPU time (``time.process_time``; with --threads 1 the wall time of an unloaded
core), tracing of the compiled steps included.

Each non-NUTS row also has the posterior's shape against NUTS's draws (``posterior_shape``):
per coordinate, |mean - mean_NUTS| / std_NUTS and std / std_NUTS
(``metrics.marginal_moment_errors``) and the ratio of interquartile ranges
(``metrics.marginal_iqr_ratios``; the w marginals have power-law tails on separable data, so
their std rests on rare draws) of its final draws, summarised over the weights w (median;
the smallest std ratio) and given for log alpha. Writes --out (JSON) and prints markdown.

    python -m benchmarks.blr_table --datasets heart \\
        --seeds 0 1 2 3 4 --threads 1 --out benchmarks/results/blr_heart.json
"""
import argparse
import time

import gin
import numpy as np
import tensorflow as tf

from vagan_tf import targets
from vagan_tf.evaluation import metrics
from vagan_tf.run import assemble
from vagan_tf.samplers import mcmc
from vagan_tf.samplers.svgd import svgd
from vagan_tf.targets import uci
from benchmarks.common import (add_threads_argument, limit_threads, number_or_dash,  # noqa: E402
                               save_results)

TOLERANCE = 0.01  # test log-likelihood distance to NUTS that counts as "reached"
SVGD_PARTICLES = 100
FLOW_DRAWS = 1000  # draws of U-GAN and of the reverse-KL flows at each evaluation
BASELINE_FILES = {"maf_rkl": "ugan/maf_rkl.gin", "iaf_rkl": "ugan/iaf_rkl.gin"}
SHAPE_COLUMNS = {"w_mean_error_median": "w mean error (median)",
                 "w_std_ratio_median": "w std ratio (median)",
                 "w_std_ratio_min": "w std ratio (min)",
                 "w_iqr_ratio_median": "w IQR ratio (median)",
                 "log_alpha_mean_error": "log α mean error",
                 "log_alpha_std_ratio": "log α std ratio",
                 "log_alpha_iqr_ratio": "log α IQR ratio"}  # posterior_shape's keys
NUTS_SETTINGS = {"num_chains": 8, "num_results": 2000, "num_burnin": 2000}


class Trace:
    """Training CPU time (evaluation excluded), the test metrics at each evaluation and the
    last evaluation's draws; with ``reference`` draws (NUTS's), each evaluation also records
    its ``posterior_shape`` against them."""

    def __init__(self, target, reference=None):
        self.target = target
        self.reference = reference
        self.seconds = 0.0
        self.points = []
        self.draws = None

    @property
    def steps(self):
        """The step of the last evaluation (0 before the first)."""
        return self.points[-1]["step"] if self.points else 0

    def train(self, fn):
        start = time.process_time()
        result = fn()
        self.seconds += time.process_time() - start
        return result

    def evaluate(self, step, theta):
        self.draws = np.asarray(theta)
        record = {"step": step, "seconds": self.seconds, **self.target.test_metrics(theta)}
        if self.reference is not None:
            record.update(posterior_shape(self.draws, self.reference))
        self.points.append(record)
        return record

    def seconds_to(self, log_likelihood):
        """The first recorded time with |test LL - log_likelihood| <= TOLERANCE, or None."""
        for point in self.points:
            if abs(point["test_log_likelihood"] - log_likelihood) <= TOLERANCE:
                return point["seconds"]
        return None


def run_gin_sampler(dataset, seed, eval_every, steps=None, seconds=None, sampler_files=(),
                    params=(), reference=None):
    """The run of gin/blr/<dataset>.gin on split ``seed`` composed with ``sampler_files``
    (none: U-GAN; ugan/maf_rkl.gin, ugan/iaf_rkl.gin: the reverse-KL flows) and the extra
    gin bindings ``params``, trained in chunks of ``eval_every`` steps, each evaluated on
    FLOW_DRAWS draws with the clock paused (and, given ``reference`` draws, its posterior
    shape against them).

    With ``steps`` (TOTAL_STEPS = steps) it runs the chunks that fit in ``steps``; with
    ``seconds`` it runs chunks until its training CPU time reaches ``seconds``; with neither,
    the chunks that fit in the gin files' TOTAL_STEPS.
    """
    gin.clear_config()
    assemble.parse_gin([f"blr/{dataset}.gin", *sampler_files], [
            f"load_uci.split_seed = {seed}", "GANExperiment.verbose = 0",
            *([f"TOTAL_STEPS = {steps}"] if steps is not None else []),
            f"GANExperiment.steps_per_epoch = {eval_every}",
            f"GANExperiment.steps_per_execution = {eval_every}", *params])
    run = assemble.experiment(model_dir="/tmp/unused_blr_table")
    if steps is None and seconds is None:
        steps = run.total_steps
    model = run.model
    trace = Trace(model.target, reference)
    stream = run.dataset_fn(batch_size=run.batch_size)
    while (trace.steps + eval_every <= steps) if seconds is None else (trace.seconds < seconds):
        trace.train(lambda: model.fit(stream, steps_per_epoch=eval_every, epochs=1, verbose=0))
        trace.evaluate(trace.steps + eval_every, model.sample(FLOW_DRAWS).numpy())
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
    """(Trace, diagnostics) of the reference: NUTS_SETTINGS on theta and on the
    non-centred coordinates, the run ``choose_reference`` prefers kept. diagnostics are the
    kept run's, with ``parametrisation``, ``runs`` (both runs' diagnostics) and
    ``agreement``: the other run's ``posterior_shape`` against the kept one's draws; the
    trace's time is both runs'."""
    trace = Trace(target)
    runs_by_name = {name: trace.train(lambda: mcmc.nuts(target, seed=seed, bijector=bijector,
                                                        **NUTS_SETTINGS))
                    for name, bijector in (("centred", None),
                                           ("non-centred", target.non_centred()))}
    best = choose_reference({name: run[1] for name, run in runs_by_name.items()})
    other = next(name for name in runs_by_name if name != best)
    samples, diagnostics = runs_by_name[best]
    trace.evaluate(NUTS_SETTINGS["num_results"], samples)
    return trace, {**diagnostics, "parametrisation": best,
                   "runs": {name: run[1] for name, run in runs_by_name.items()},
                   "agreement": posterior_shape(np.asarray(runs_by_name[other][0]),
                                                trace.draws)}


def choose_reference(diagnostics_by_name):
    """The name of the run to keep among {name: ``mcmc.nuts`` diagnostics}: the larger
    ``min_ess``."""
    return max(diagnostics_by_name, key=lambda name: diagnostics_by_name[name]["min_ess"])


def posterior_shape(draws, nuts_draws):
    """The marginals of draws of theta = (w_1 .. w_d, b, log alpha) against NUTS's draws.

    With e_j = |mean_j - mean_NUTS,j| / std_NUTS,j and r_j = std_j / std_NUTS,j
    (``metrics.marginal_moment_errors``) and q_j = iqr_j / iqr_NUTS,j
    (``metrics.marginal_iqr_ratios``): the median of e_j, r_j and q_j over the weights j <= d
    and the smallest of their r_j, and e, r, q of log alpha (the bias b is left out).
    """
    mean_error, std_ratio = metrics.marginal_moment_errors(draws, nuts_draws)
    iqr_ratio = metrics.marginal_iqr_ratios(draws, nuts_draws)
    weights = slice(0, nuts_draws.shape[1] - 2)
    return {"w_mean_error_median": float(np.median(mean_error[weights])),
            "w_std_ratio_median": float(np.median(std_ratio[weights])),
            "w_std_ratio_min": float(np.min(std_ratio[weights])),
            "w_iqr_ratio_median": float(np.median(iqr_ratio[weights])),
            "log_alpha_mean_error": float(mean_error[-1]),
            "log_alpha_std_ratio": float(std_ratio[-1]),
            "log_alpha_iqr_ratio": float(iqr_ratio[-1])}


def run_approximate_samplers(dataset, seed, target, args):
    """{method: Trace} of SVGD, U-GAN and the reverse-KL flows on one split; the flows get
    U-GAN's training time."""
    traces = {"svgd": run_svgd(target, seed, args.svgd_steps, args.eval_every),
              "ugan": run_gin_sampler(dataset, seed, args.eval_every, steps=args.ugan_steps,
                                      params=args.gin_param)}
    for method, gin_file in BASELINE_FILES.items():
        traces[method] = run_gin_sampler(dataset, seed, args.eval_every,
                                         seconds=traces["ugan"].seconds, sampler_files=[gin_file])
    return traces


def result_row(dataset, seed, method, trace, nuts_trace):
    """The JSON record of one run: final test metrics, time, steps and, but for NUTS, the time
    to NUTS's test log-likelihood and the posterior's shape against NUTS's draws."""
    final = trace.points[-1]
    row = {"dataset": dataset, "seed": seed, "method": method, "steps": trace.steps,
           "test_accuracy": final["test_accuracy"],
           "test_log_likelihood": final["test_log_likelihood"],
           "seconds": trace.seconds, "seconds_to_nuts": None, "trace": trace.points}
    if method != "nuts":
        row["seconds_to_nuts"] = trace.seconds_to(nuts_trace.points[-1]["test_log_likelihood"])
        row["posterior_shape"] = posterior_shape(trace.draws, nuts_trace.draws)
    return row


def markdown_row(row):
    shape = row.get("posterior_shape", {})
    return (f"| {row['dataset']} | {row['seed']} | {row['method']} | {row['steps']} | "
            f"{row['test_accuracy']:.4f} | {row['test_log_likelihood']:.4f} | "
            f"{row['seconds']:.1f} | {number_or_dash(row['seconds_to_nuts'], 1)} | "
            + " | ".join(number_or_dash(shape.get(key), 2) for key in SHAPE_COLUMNS) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(uci.DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--ugan_steps", type=int, default=None,
                        help="U-GAN's generator steps (default: the gin file's TOTAL_STEPS)")
    parser.add_argument("--gin_param", action="append", default=[],
                        help="an extra binding for the U-GAN runs")
    parser.add_argument("--svgd_steps", type=int, default=500)
    parser.add_argument("--eval_every", type=int, default=50)
    parser.add_argument("--nuts_only", action="store_true",
                        help="run only the reference (both parametrisations)")
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    results = []
    columns = ["dataset", "seed", "method", "steps", "test accuracy", "test log-likelihood",
               "seconds", "seconds to NUTS ± 0.01", *SHAPE_COLUMNS.values()]
    print(f"| {' | '.join(columns)} |\n|{'---|' * len(columns)}", flush=True)
    for seed in args.seeds:  # seeds outermost: an interrupted run still covers every dataset
        for dataset in args.datasets:
            target = targets.blr_posterior(uci.load_uci(dataset, split_seed=seed))
            nuts_trace, diagnostics = run_nuts(target, seed)
            traces = {"nuts": nuts_trace}
            if not args.nuts_only:
                traces.update(run_approximate_samplers(dataset, seed, target, args))
            for method, trace in traces.items():
                row = result_row(dataset, seed, method, trace, nuts_trace)
                if method == "nuts":
                    row["diagnostics"] = diagnostics
                results.append(row)
                print(markdown_row(row), flush=True)
            save_results(args.out, results)


if __name__ == "__main__":
    main()
