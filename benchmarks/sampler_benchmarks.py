"""Samplers on the shared benchmarks (GMM-40, Many-Well-32, Funnel-10, Sonar BLR) at equal CPU time.

Every method gets --seconds of process CPU time (``time.process_time``; with --threads 1 the
time of one core) per target and seed:

* ``ugan``: gin/ugan/<target>.gin (bench_base.gin: 6 MAF blocks with MADE [256, 256],
  residual generator, critic, flow pool; tempered on GMM-40 and Many-Well). It reports two
  rows: ``ugan_flow``, the paired flow nu as importance proposal (exact density), and
  ``ugan_generator``, the generator q with its *estimated* density w + log nu;
* ``maf_rkl`` / ``iaf_rkl``: the same maf() trained by reverse KL (gin/ugan/maf_rkl.gin,
  iaf_rkl.gin), Adam 1e-3 cosine-decayed to 0 over the run;
* ``ais``: annealed importance sampling (``samplers.smc.ais_log_normaliser``) from N(0, s^2 I)
  (s: 2 on GMM-40 in units of 10, Many-Well and the funnel; the prior N(0, I) on Sonar),
  1 000 chains, HMC with 5 leapfrog steps, as many temperatures as the budget allows;
* ``nuts``: 4 chains of NUTS (``samplers.mcmc.nuts``, 250 burn-in, 250 draws each, tree depth
  <= 8) on the funnel and Sonar (no log Z);
* ``svgd``: 1 000 particles from N(0, I), AdaGrad step 0.05 (no log Z).

The learned methods' step counts (U-GAN generator steps, flow steps) are set from a probe of
the step time (two chunks of 10 steps on a probe model), and AIS's temperature count from
probes of 100 and 300 temperatures (their difference is the time per temperature, the rest
the tracing and set-up a run pays once; where the tracing's jitter swamps the difference, the
300-temperature probe's time per temperature, which makes the run fall short), so that the
run itself fills about --seconds (the learned methods'
probe runs on the first seed only and sets every seed's steps); each row records the run's
own CPU seconds (graph tracing included) and the probe's.

Scores (samples mapped back to the target's units): log Z_hat and ESS / n of 2 000
importance weights (``evaluation.importance``), |log Z_hat - log Z| where log Z is known, the energy
distance of 1 000 samples to 2 000 exact ones (the ``exact`` row: 1 000 of a second exact set,
the floor), and per target: GMM-40 — the modes holding a sample within 3.035 std of their mean
(the 99 % disc) and KL(h || uniform) of the nearest-mode histogram h of 10 000 samples;
Many-Well — each pair's share of 5 000 samples in the deeper well (x1 > 0) against the exact
0.8443 (max error over pairs); funnel — std(x0) of 10 000 samples against 3. (SVGD and NUTS
score their 1 000 particles / draws.)

Sonar's log Z has no closed form: ``--reference`` runs long AIS (--reference_chains chains,
--reference_steps temperatures, from the prior) per seed instead, and as an independent check
importance sampling from a multivariate t refit to its own weighted draws
(``samplers.population_mc``), and writes their estimates; the results page compares every Sonar
log Z_hat with the AIS seeds' mean.

    python -m benchmarks.sampler_benchmarks --seconds 20 --seeds 0 1 2 --threads 1 \
        --out benchmarks/results/sampler_benchmarks_20s.json
    python -m benchmarks.sampler_benchmarks --targets gmm40 many_well \
        --methods ugan maf_rkl iaf_rkl --seconds 300 --seeds 0 1 2 --threads 1 \
        --out benchmarks/results/sampler_benchmarks_300s_gmm40_many_well.json
    python -m benchmarks.sampler_benchmarks --reference --seeds 0 1 2 --threads 1 \
        --out benchmarks/results/sampler_benchmarks_sonar_reference.json
"""
import argparse
import itertools
import math
import time

import gin
import keras
import numpy as np
import tensorflow as tf
from scipy import stats

from vagan_tf import data
from vagan_tf.evaluation import importance, metrics
from vagan_tf.run import assemble
from vagan_tf.samplers import mcmc, population_mc, smc
from vagan_tf.samplers.svgd import svgd
from vagan_tf.targets import benchmarks
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

TARGETS = ("gmm40", "many_well", "funnel", "sonar_dds")
METHODS = ("ugan", "maf_rkl", "iaf_rkl", "ais", "nuts", "svgd")
NUTS_TARGETS = ("funnel", "sonar_dds")
AIS_REFERENCE_SCALE = {"gmm40": 2.0, "many_well": 2.0, "funnel": 2.0}
NUM_WEIGHTS = 2000
NUM_DISTANCE = 1000
NUM_REFERENCE = 2000
NUM_MASS = {"gmm40": 10000, "many_well": 5000, "funnel": 10000, "sonar_dds": 1000}
NUM_SVGD = 1000
BATCH = 256
PROBE_CHUNK = 10
MODE_RADIUS = math.sqrt(stats.chi2.ppf(0.99, 2))  # 3.035 std: the 99 % disc of a 2-D Gaussian


def parse(target_name, method, params=()):
    """The gin run of ``target_name`` for ``method`` ('ugan', 'maf_rkl' or 'iaf_rkl')."""
    files = [f"ugan/{target_name}.gin"]
    if method != "ugan":
        files.append(f"ugan/{method}.gin")
    gin.clear_config()
    assemble.parse_gin(files, ["GANExperiment.verbose = 0", *params])


def build(target_name, method, steps, seed):
    """The compiled model of ``method`` on ``target_name`` for a run of ``steps`` steps: its
    rate (U-GAN's generator, the RKL flows) cosine-decays to 0 over them."""
    params = [f"TOTAL_STEPS = {steps}", f"GANExperiment.steps_per_epoch = {steps}",
              f"GANExperiment.steps_per_execution = {PROBE_CHUNK}", f"experiment.seed = {seed}"]
    if method == "ugan":
        params.append(f"UnnormalizedGAN.seed = {seed}")
    else:
        params += [f"ReverseKLFlow.seed = {seed}", "flow/Adam.learning_rate = @flow/CosineDecay()",
                   "flow/CosineDecay.initial_learning_rate = 1e-3",
                   f"flow/CosineDecay.decay_steps = {steps}"]
    parse(target_name, method, params)
    keras.utils.set_random_seed(seed)
    return assemble.experiment(model_dir="/tmp/unused_sampler_benchmarks", seed=seed).model


def fit(model, steps):
    model.fit(data.step_counter(BATCH), steps_per_epoch=steps, epochs=1, verbose=0)


def probed_steps(target_name, method, seconds, seed):
    """(steps that fill ``seconds``, probe CPU seconds): two chunks of PROBE_CHUNK steps on a
    probe model, the second timed (the first traces)."""
    start = time.process_time()
    model = build(target_name, method, 10 * PROBE_CHUNK, seed)
    fit(model, PROBE_CHUNK)
    chunk_start = time.process_time()
    fit(model, PROBE_CHUNK)
    per_step = (time.process_time() - chunk_start) / PROBE_CHUNK
    probe = time.process_time() - start
    overhead = chunk_start - start  # building and tracing, paid again by the real run
    steps = int((seconds - overhead) / per_step) // PROBE_CHUNK * PROBE_CHUNK
    return max(PROBE_CHUNK, steps), probe


def learned_run(target_name, method, seconds, seed, probes):
    """Trains U-GAN or an RKL flow for about ``seconds``; returns (model, steps, run s, probe s).

    ``probes`` caches the probed step count per (target, method): the first seed's probe
    sets every seed's steps (later seeds report a probe of 0 s).
    """
    if (target_name, method) in probes:
        steps, probe = probes[target_name, method], 0.0
    else:
        steps, probe = probed_steps(target_name, method, seconds, seed)
        probes[target_name, method] = steps
    start = time.process_time()
    model = build(target_name, method, steps, seed)
    fit(model, steps)
    return model, steps, time.process_time() - start, probe


def to_target(target, x):
    """Points of the sampled target in the original target's units."""
    x = np.asarray(x)
    return target.to_target(x) if isinstance(target, benchmarks.Rescaled) else x


def learned_rows(target_name, method, seconds, seed, probes):
    """Rows of a learned method: {method: (samples, log weights or None)} plus timing."""
    model, steps, run_seconds, probe = learned_run(target_name, method, seconds, seed, probes)
    target = model.target
    out = {}
    if method == "ugan":
        flow_weights, _ = importance.proposal_log_weights(
            target, model.flow.distribution(), NUM_WEIGHTS, seed=(seed, 21))
        flow_samples = model.flow.sample(NUM_MASS[target_name], seed=(seed, 22))
        generator_weights, _ = importance.generator_log_weights(target, model, NUM_WEIGHTS)
        out["ugan_flow"] = (to_target(target, flow_samples), flow_weights)
        out["ugan_generator"] = (to_target(target, model.sample(NUM_MASS[target_name])), generator_weights)
    else:
        weights, _ = importance.proposal_log_weights(target, model.flow.distribution(),
                                                     NUM_WEIGHTS, seed=(seed, 21))
        out[method] = (to_target(target, model.sample(NUM_MASS[target_name], seed=(seed, 22))), weights)
    return out, {"steps": steps, "seconds": run_seconds, "probe_seconds": probe}


def sampled_target(target_name):
    """The target as the samplers see it (gin's TARGET of configs/ugan/<target>.gin)."""
    parse(target_name, "ugan")
    return gin.query_parameter("%TARGET").scoped_configurable_fn()


def ais_rows(target_name, seconds, seed):
    target = sampled_target(target_name)
    kwargs = ({"reference_scale": AIS_REFERENCE_SCALE[target_name]}
              if target_name in AIS_REFERENCE_SCALE else {})

    def cpu_seconds(steps):
        start = time.process_time()
        smc.ais_log_normaliser(target, num_steps=steps, seed=seed, **kwargs)
        return time.process_time() - start

    short, long = cpu_seconds(100), cpu_seconds(300)  # each traces its graph anew
    per_step = (long - short) / 200
    if per_step < 0.1 * long / 300:  # the tracing's jitter swamps the difference
        per_step = long / 300  # an upper bound: the run falls short of its budget
    steps = max(100, int((seconds - max(short - 100 * per_step, 0.0)) / per_step))
    probe = short + long
    start = time.process_time()
    estimates, states, log_weights = ais_run(target, steps, seed, **kwargs)
    run_seconds = time.process_time() - start
    samples = resample(states, log_weights, NUM_MASS[target_name], seed)
    return ({"ais": (to_target(target, samples), log_weights)},
            {"steps": steps, "seconds": run_seconds, "probe_seconds": probe})


def ais_run(target, steps, seed, num_chains=1000, **kwargs):
    """(estimates, states, log weights) of ``smc.ais_log_normaliser`` with ``steps`` temperatures."""
    return smc.ais_log_normaliser(target, num_chains=num_chains, num_steps=steps, seed=seed,
                                  **kwargs)


def resample(states, log_weights, n, seed):
    """n rows of ``states`` drawn with probability softmax(log_weights) (multinomial)."""
    probabilities = tf.nn.softmax(tf.cast(log_weights, tf.float64)).numpy()
    rows = np.random.default_rng(seed).choice(len(states), size=n, p=probabilities)
    return states[rows]


def nuts_rows(target_name, seed):
    target = sampled_target(target_name)
    start = time.process_time()
    samples, diagnostics = mcmc.nuts(target, num_results=250, num_burnin=250, num_chains=4,
                                     max_tree_depth=8, seed=seed)
    return ({"nuts": (to_target(target, samples)[:NUM_DISTANCE], None)},
            {"steps": 500, "seconds": time.process_time() - start, "probe_seconds": 0.0,
             "diagnostics": diagnostics})


def svgd_rows(target_name, seconds, seed):
    target = sampled_target(target_name)
    particles = tf.random.stateless_normal((NUM_SVGD, target.dim), seed=(seed, 1))
    history, score = None, target.score
    start, steps = time.process_time(), 0
    while time.process_time() - start < seconds:
        particles, history = svgd(score, particles, 10, step_size=0.05, history=history)
        steps += 10
    return ({"svgd": (to_target(target, particles), None)},
            {"steps": steps, "seconds": time.process_time() - start, "probe_seconds": 0.0})


def gmm40_scores(samples, mixture):
    distances = np.linalg.norm(samples[:, None, :] - mixture.centers[None], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances[np.arange(len(samples)), nearest] < MODE_RADIUS * mixture.std
    histogram = np.bincount(nearest, minlength=mixture.num_modes) / len(samples)
    held = histogram > 0
    return {"modes_held": int(len(np.unique(nearest[close]))),
            "mode_histogram_kl": float(np.sum(histogram[held]
                                              * np.log(histogram[held] * mixture.num_modes)))}


def target_scores(target_name, samples, original, deep_mass):
    if target_name == "gmm40":
        return gmm40_scores(samples, original)
    if target_name == "many_well":
        masses = original.deep_well_masses(samples)
        return {"deep_well_masses": masses.tolist(),
                "deep_well_max_error": float(np.max(np.abs(masses - deep_mass)))}
    if target_name == "funnel":
        return {"x0_std": float(np.std(samples[:, 0]))}
    return {}


def scores(target_name, samples, log_weights, original, reference, deep_mass):
    samples = np.asarray(samples, np.float64)
    finite = np.all(np.isfinite(samples), axis=1)
    row = {"non_finite_samples": int(np.sum(~finite))}
    samples = samples[finite]
    if log_weights is not None:
        row.update(importance.log_weight_estimates(log_weights, getattr(original, "log_z", None)))
    if reference is not None and len(samples):
        row["energy_distance"] = metrics.energy_distance(samples[:NUM_DISTANCE], reference)
    if len(samples):
        row.update(target_scores(target_name, samples, original, deep_mass))
    return row


def original_target(target_name):
    target = sampled_target(target_name)
    return target.target if isinstance(target, benchmarks.Rescaled) else target


def benchmark(args):
    results, probes = [], {}
    deep_mass = benchmarks.double_well_deep_mass()
    for seed, target_name in itertools.product(args.seeds, args.targets):
        original = original_target(target_name)
        exact = hasattr(original, "sample")
        reference = original.sample(NUM_REFERENCE, seed=(11, 12)).numpy() if exact else None
        rows = []
        if exact:
            floor = original.sample(NUM_MASS[target_name], seed=(13, 14 + seed)).numpy()
            rows.append(("exact", {"steps": 0, "seconds": 0.0, "probe_seconds": 0.0},
                         floor, None))
        for method in args.methods:
            keras.utils.set_random_seed(seed)
            if method in ("ugan", "maf_rkl", "iaf_rkl"):
                out, timing = learned_rows(target_name, method, args.seconds, seed, probes)
            elif method == "ais":
                out, timing = ais_rows(target_name, args.seconds, seed)
            elif method == "nuts":
                if target_name not in NUTS_TARGETS:
                    continue
                out, timing = nuts_rows(target_name, seed)
            else:
                out, timing = svgd_rows(target_name, args.seconds, seed)
            rows += [(name, timing, samples, weights) for name, (samples, weights) in out.items()]
            for name, timing_, samples, weights in rows[-len(out):]:
                row = {"target": target_name, "seed": seed, "method": name,
                       "budget_seconds": args.seconds, **timing_,
                       **scores(target_name, samples, weights, original, reference, deep_mass)}
                results.append(row)
                print(summary(row), flush=True)
            save_results(args.out, results)
        if exact:
            row = {"target": target_name, "seed": seed, "method": "exact",
                   "budget_seconds": args.seconds, **rows[0][1],
                   **scores(target_name, rows[0][2], None, original, reference, deep_mass)}
            results.append(row)
            print(summary(row), flush=True)
        save_results(args.out, results)


def summary(row):
    keys = ("log_z_hat", "log_z_error", "ess_fraction", "energy_distance", "modes_held",
            "mode_histogram_kl", "deep_well_max_error", "x0_std")
    values = " ".join(f"{k}={row[k]:.4g}" for k in keys if k in row)
    return (f"{row['target']} seed {row['seed']} {row['method']}: {row['steps']} steps, "
            f"{row['seconds']:.0f} s (probe {row['probe_seconds']:.0f} s) {values}")


def reference(args):
    """Long AIS runs on Sonar (prior reference), one per seed, and t_importance_log_z's check."""
    target = benchmarks.SonarLogisticRegression()
    results = []
    for seed in args.seeds:
        for method in ("ais_reference", "t_importance"):
            start = time.process_time()
            if method == "ais_reference":
                estimates, _, _ = ais_run(target, args.reference_steps, seed,
                                          num_chains=args.reference_chains)
                settings = {"chains": args.reference_chains, "steps": args.reference_steps}
            else:
                estimates = population_mc.refit_t_log_normaliser(target, seed=seed)
                settings = {"draws": 100000, "iterations": 8, "df": 10}
            row = {"target": "sonar_dds", "seed": seed, "method": method, **settings,
                   "seconds": time.process_time() - start, **estimates}
            results.append(row)
            print(f"sonar {method} seed {seed}: log Z_hat {estimates['log_z_hat']:.4f}, "
                  f"ESS/n {estimates['ess_fraction']:.3f}, {row['seconds']:.0f} s", flush=True)
            save_results(args.out, results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="CPU seconds per method, target and seed")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--reference", action="store_true",
                        help="run the long Sonar AIS reference instead")
    parser.add_argument("--reference_chains", type=int, default=1000)
    parser.add_argument("--reference_steps", type=int, default=3000)
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    if args.reference:
        reference(args)
    else:
        benchmark(args)


if __name__ == "__main__":
    main()
