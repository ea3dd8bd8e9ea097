"""U-GAN against its baselines at equal CPU time: banana, kidney, two separated modes.

U-GAN runs gin/ugan/<target>.gin (batch 256, the paper's flow: 8 MAF blocks with MADE
[512, 512]; generator rate cosine-decayed over the run; 3 flow steps per generator step;
on the kidney, tempering) for --steps steps; its time is the budget of the others (--budget
names another U-GAN run, e.g. ``ugan_tempered``, to time instead: only it and --baselines
run; --budget_seconds gives the budget instead, e.g. a recorded run's). Time is
the process's CPU time (``time.process_time``; with --threads 1 that is the wall time of
an unloaded core), so methods run side by side on a shared machine still get equal budgets:

* ``ugan_no_critic``: the same run without critic (the flow stands in for q), same steps;
* ``maf_rkl`` / ``iaf_rkl``: the same flow (or its IAF view) trained by reverse KL, Adam 1e-3
  (cosine-decayed to 0 over --flow_decay_steps steps if given: the flows' rate schedule for a
  budget whose step count is known, as U-GAN's generator rate decays over its run);
* ``svgd``: 2 000 particles from N(0, I), the paper's AdaGrad step 0.05.

* ``ugan_tempered``: U-GAN with ugan/tempered.gin (entropy form, lambda from 4 to 0), same steps.

Targets: ``banana``, ``kidney`` and ``mixture<d>`` for d in 10, 30, 60 (ugan/mixture.gin:
two Gaussians 6 std apart, ``targets.separated_mixture``). Each method then draws 2 000
samples, scored against 2 000 exact samples (rejection samples for the kidney) by energy
distance and Gaussian MMD^2 (bandwidth: median heuristic on the reference), and by a mode
mass: for the kidney the share in the right lobe (x1 > 0, half for exact samples), for a
mixture the smallest share of samples nearest a mode (1/2 for exact samples, 0 for a
dropped mode), with each mode's fit (``metrics.mode_fits``: the Gaussian-fit KL of its
samples to its component, and the masses reverse KL settles on given those fits); the
floor row scores a second exact set. --seeds repeats every method with its noise seeded by
each seed (the exact sets stay fixed); --gin_param adds bindings to the U-GAN runs. Writes
--out (JSON) and prints a markdown table.

    python -m benchmarks.ugan_quality --targets banana --steps 600 --threads 1 \
        --out benchmarks/results/ugan_quality_banana.json
"""
import argparse
import itertools
import time

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf import data, targets
from vagan_tf.evaluation import metrics
from vagan_tf.models import ReverseKLFlow
from vagan_tf.nets.flows import MAF
from vagan_tf.run import assemble
from vagan_tf.samplers.svgd import svgd
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

TARGETS = {"banana": targets.Banana, "kidney": targets.Kidney,
           **{f"mixture{d}": (lambda d=d: targets.separated_mixture(dim=d)) for d in (10, 30, 60)}}
UGAN_METHODS = ("ugan", "ugan_tempered", "ugan_no_critic")  # run for --steps generator steps
METHODS = (*UGAN_METHODS, "maf_rkl", "iaf_rkl", "svgd")
NUM_SAMPLES = 2000
BATCH = 256


def parse(target, params=(), tempered=False):
    """The gin run of ``target`` (``mixture<d>``: ugan/mixture.gin with DIM = d), tempered
    by ugan/tempered.gin if asked."""
    files = [f"ugan/{target}.gin"]
    if target.startswith("mixture"):
        files, params = ["ugan/mixture.gin"], [f"DIM = {target[len('mixture'):]}", *params]
    gin.clear_config()
    assemble.parse_gin(files + (["ugan/tempered.gin"] if tempered else []),
                       ["GANExperiment.verbose = 0", *params])


def train_for(model, seconds, chunk=100):
    """fit in chunks of ``chunk`` steps until ``seconds`` have passed; returns the steps run."""
    stream = data.step_counter(BATCH)
    start, steps = time.process_time(), 0
    while time.process_time() - start < seconds:
        model.fit(stream, steps_per_epoch=chunk, epochs=1, verbose=0)
        steps += chunk
    return steps


def build_ugan(target_name, steps, critic=True, tempered=False, seed=0, params=()):
    """The compiled model of the gin run of ``target_name`` for ``steps`` steps with the extra
    bindings ``params``, seeded by ``seed``."""
    params = [f"TOTAL_STEPS = {steps}", f"GANExperiment.steps_per_epoch = {steps}",
              f"experiment.seed = {seed}", f"UnnormalizedGAN.seed = {seed}", *params]
    parse(target_name, params + ([] if critic else ["UnnormalizedGAN.critic = None"]),
          tempered=tempered)
    return assemble.experiment(model_dir="/tmp/unused_ugan_quality", seed=seed).model


def train_ugan(target_name, steps, critic, tempered=False, seed=0, params=()):
    """``build_ugan``'s run trained for its ``steps`` steps; returns (samples, steps, seconds)."""
    model = build_ugan(target_name, steps, critic, tempered, seed, params)
    start = time.process_time()
    model.fit(data.step_counter(BATCH), steps_per_epoch=steps, epochs=1, verbose=0)
    return model.sample(NUM_SAMPLES).numpy(), steps, time.process_time() - start


def run_method(method, target_name, seconds, steps, seed=0, params=(), flow_decay_steps=None):
    """(samples, steps, seconds): U-GAN runs ``steps`` steps (with the extra bindings
    ``params``), the baselines ``seconds``, the flows' rate cosine-decayed over
    ``flow_decay_steps`` if given; every method's noise is seeded by ``seed``."""
    keras.utils.set_random_seed(seed)
    if method in UGAN_METHODS:
        return train_ugan(target_name, steps, critic=method != "ugan_no_critic",
                          tempered=method == "ugan_tempered", seed=seed, params=params)
    target = TARGETS[target_name]()
    start = time.process_time()
    if method == "svgd":
        particles = tf.random.stateless_normal((NUM_SAMPLES, target.dim), seed=(seed, 1))
        history = None
        score = target.score  # one function object: a new bound method per chunk retraces svgd
        start, steps = time.process_time(), 0
        while time.process_time() - start < seconds:
            particles, history = svgd(score, particles, 100, step_size=0.05, history=history)
            steps += 100
        return particles.numpy(), steps, time.process_time() - start
    model = ReverseKLFlow(MAF(target.dim), target, inverse=method == "iaf_rkl", seed=seed)
    rate = (keras.optimizers.schedules.CosineDecay(1e-3, flow_decay_steps)
            if flow_decay_steps else 1e-3)
    model.compile(generator_optimizer=keras.optimizers.Adam(rate))
    steps = train_for(model, seconds)
    return (model.sample(NUM_SAMPLES, seed=(2 + seed, 3)).numpy(), steps,
            time.process_time() - start)


def scores(samples, reference, bandwidth, target):
    row = {"energy_distance": metrics.energy_distance(samples, reference),
           "mmd2": metrics.gaussian_mmd2(samples, reference, bandwidth)}
    if isinstance(target, targets.Kidney):
        row["mode_mass"] = float(np.mean(samples[:, 0] > 0))  # the right lobe's
    if isinstance(target, targets.GaussianMixture):
        row["mode_mass"] = float(metrics.nearest_mode_masses(samples, target.centers).min())
        fit_kl, fit_masses = metrics.mode_fits(samples, target)
        row["mode_fit_kl"], row["mode_fit_masses"] = fit_kl.tolist(), fit_masses.tolist()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", nargs="+", default=["banana", "kidney"])
    parser.add_argument("--budget", choices=UGAN_METHODS, default="ugan",
                        help="the U-GAN run whose CPU time is the others' budget")
    parser.add_argument("--baselines", nargs="*", choices=METHODS, default=list(METHODS[1:]))
    parser.add_argument("--steps", type=int, default=600, help="U-GAN generator steps")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--gin_param", action="append", default=[],
                        help="extra binding of the U-GAN runs")
    parser.add_argument("--flow_decay_steps", type=int, default=None,
                        help="cosine-decay the flows' Adam rate to 0 over this many steps")
    parser.add_argument("--budget_seconds", type=float, default=None,
                        help="the baselines' CPU budget, e.g. a recorded --budget run's "
                             "seconds; the --budget run then does not run")
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    results = []
    print("| target | seed | method | steps | seconds | energy distance | MMD² | mode mass "
          "| mode fit KL |\n|---|---|---|---|---|---|---|---|---|", flush=True)
    for seed, target_name in itertools.product(args.seeds, args.targets):
        target = TARGETS[target_name]()
        reference = target.sample(NUM_SAMPLES, seed=(11, 12)).numpy()
        bandwidth = metrics.median_bandwidth(reference)
        floor = target.sample(NUM_SAMPLES, seed=(13, 14)).numpy()
        runs = [("exact samples (floor)", (floor, 0, 0.0))]
        budget = args.budget_seconds
        if budget is None:
            runs.append((args.budget, run_method(args.budget, target_name, None, args.steps,
                                                 seed, args.gin_param)))
            budget = runs[-1][1][2]
        for method in (m for m in args.baselines if m != args.budget):
            runs.append((method, run_method(method, target_name, budget, args.steps, seed,
                                            args.gin_param, args.flow_decay_steps)))
        for method, (samples, steps, seconds) in runs:
            row = {"target": target_name, "seed": seed, "method": method, "steps": steps,
                   "seconds": seconds, "params": args.gin_param,
                   "flow_decay_steps": args.flow_decay_steps,
                   **scores(samples, reference, bandwidth, target)}
            results.append(row)
            lobe = f"{row['mode_mass']:.3f}" if "mode_mass" in row else "—"
            fits = " / ".join(f"{kl:.2f}" for kl in row.get("mode_fit_kl", [])) or "—"
            print(f"| {target_name} | {seed} | {method} | {steps} | {seconds:.0f} | "
                  f"{row['energy_distance']:.4f} | {row['mmd2']:.5f} | {lobe} | {fits} |",
                  flush=True)
        save_results(args.out, results)


if __name__ == "__main__":
    main()
