"""Langevin sampling with exact and DAE-estimated scores, measured against exact samples.

The banana experiment of the paper (Tao et al. 2019, Fig. 2; docs/design.md §5): train a
denoising autoencoder r on exact samples (sigma = 0.2), then run ULA from N(0, I)
with three score functions, all with the same initial states and noise:

* ``exact_score``            grad log u(x)                  (reference)
* ``dae_score``              (r(x) - x) / sigma^2
* ``dae_residual``           -grad_x ||r(x) - x||^2
* ``dae_residual_rescaled``  the same divided by 2 sigma^4: since r(x) - x ~ sigma^2 grad log p,
  this is ~ -grad (||grad log p||^2 / 2), in the units of a score (equal to it on N(0, I))

plus MALA on the exact log density (no step-size bias). Each sample set is scored
against n exact samples by energy distance and Gaussian-kernel MMD^2 (bandwidth: the
median heuristic on the exact set), next to the same distances from independent exact
sets of size n (the floor, mean +- std over ``floor_repeats`` sets). Writes to --out:
``samples_<estimator>.npy`` (float32 [n, 2]), ``samples_mala.npy``,
``<target>_langevin.png`` (true density and the ULA clouds), ``<target>_langevin.json``
and ``config.gin``.

    python examples/score_langevin.py --gin_file score/banana.gin \
        --out runs/banana_langevin --threads 1
"""
import argparse
import json
import os
import time

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.data import sampler_dataset
from vagan_tf.evaluation import metrics
from vagan_tf.evaluation.plots import save_density_and_clouds_png
from vagan_tf.run import assemble
from vagan_tf.samplers.langevin import mala, ula

ESTIMATORS = ("exact_score", "dae_score", "dae_residual", "dae_residual_rescaled")
TITLES = {"exact_score": "ULA, exact score", "dae_score": "ULA, DAE-score",
          "dae_residual": "ULA, DAE-residual",
          "dae_residual_rescaled": "ULA, DAE-residual / 2σ⁴",
          "mala": "MALA, exact log density", "floor": "exact vs exact (floor)"}


def train_denoiser(denoiser, target, steps, batch_size, learning_rate, seed):
    """Fits the DAE on the exact stream ``sampler_dataset(target)``; Adam with cosine decay."""
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    denoiser.compile(optimizer=keras.optimizers.Adam(schedule))
    denoiser.fit(sampler_dataset(target, batch_size, seed=seed), steps_per_epoch=steps, epochs=1,
                 verbose=0)


def quality(samples, reference, target, bandwidth):
    """Distances of samples [n, d] to the exact reference set, and the cloud's shape.

    For a target with ``standardize`` (the banana: z ~ N(0, I) for exact samples), also
    the std of z, and the std of z1 (across the curve) in the arms |z2| > 1: 1 for exact
    samples, << 1 where a cloud collapses onto the curve.
    """
    record = {
        "energy_distance": metrics.energy_distance(samples, reference),
        "mmd2": metrics.gaussian_mmd2(samples, reference, bandwidth=bandwidth),
        "mean": samples.mean(0).tolist(),
        "std": samples.std(0).tolist(),
        "mean_log_density": float(np.mean(target.log_prob(samples))),
    }
    if hasattr(target, "standardize"):
        z = target.standardize(samples).numpy()
        record["standardized_std"] = z.std(0).tolist()
        arms = z[np.abs(z[:, 1]) > 1, 0]
        record["arms_z1_std"] = float(arms.std()) if len(arms) > 1 else None
    return record


def score_errors(score_fns, reference):
    """Per estimator on the exact set: rms of s(x), and rms(s - exact score) / rms(exact score)."""
    exact = score_fns["exact_score"](reference).numpy()
    errors = {}
    for name, score_fn in score_fns.items():
        values = score_fn(reference).numpy()
        errors[name] = {"rms": float(np.sqrt(np.mean(values**2))),
                        "relative_error": float(np.sqrt(np.mean((values - exact) ** 2))
                                                / np.sqrt(np.mean(exact**2)))}
    return errors


@gin.configurable
def score_langevin(out_dir, target=gin.REQUIRED, make_denoiser=gin.REQUIRED, train_steps=3000,
                   batch_size=512, learning_rate=1e-3, num_chains=2000, floor_repeats=5, seed=0):
    """Trains ``make_denoiser()`` on ``target.sample``, runs the samplers, writes the files,
    returns the record. ``target``: 2-D, with ``log_prob``, ``score`` and an exact ``sample``.

    The denoiser is built after ``keras.utils.set_random_seed(seed)``, so its initial
    weights are a function of the config. The Langevin settings (step size, steps,
    burn-in, thinning) are those bound to ``ula`` and ``mala``; n = num_chains * (states
    kept per chain).
    """
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(seed)
    denoiser = make_denoiser()
    timings = {}
    start = time.time()
    train_denoiser(denoiser, target, train_steps, batch_size, learning_rate, seed)
    timings["train_denoiser"] = time.time() - start

    initial = tf.random.stateless_normal([num_chains, target.dim], (seed, 1))
    chain_seed = (seed, 2)
    score_fns = {"exact_score": target.score, "dae_score": denoiser.score,
                 "dae_residual": denoiser.residual_score,
                 "dae_residual_rescaled":
                     lambda x: denoiser.residual_score(x) / (2.0 * denoiser.sigma**4)}
    samples = {}
    for name, score_fn in score_fns.items():
        start = time.time()
        samples[name] = ula(score_fn, initial, seed=chain_seed).numpy().reshape(-1, target.dim)
        timings[name] = time.time() - start
    start = time.time()
    mala_states, acceptance = mala(target.log_prob, initial, seed=chain_seed)
    samples["mala"] = mala_states.numpy().reshape(-1, target.dim)
    timings["mala"] = time.time() - start

    n = len(samples["exact_score"])
    reference = target.sample(n, seed=(seed, 3)).numpy()
    bandwidth = metrics.median_bandwidth(reference)
    floors = [quality(target.sample(n, seed=(seed, 4 + k)).numpy(), reference, target, bandwidth)
              for k in range(floor_repeats)]
    record = {
        "n": n, "num_chains": num_chains, "bandwidth": bandwidth,
        "denoiser_sigma": denoiser.sigma,
        # mean (r(x + sigma xi) - x)^2 on the exact set; the identity scores sigma^2
        "denoiser_loss": float(denoiser.denoising_loss(tf.constant(reference), training=False)),
        "mala_acceptance": float(acceptance), "seconds": timings,
        "scores_on_exact_samples": score_errors(score_fns, tf.constant(reference)),
        "floor": {key: [floor[key] for floor in floors] for key in ("energy_distance", "mmd2")},
        "samples": {"floor": floors[0]},
    }
    for name, values in samples.items():
        np.save(os.path.join(out_dir, f"samples_{name}.npy"), values.astype(np.float32))
        record["samples"][name] = quality(values, reference, target, bandwidth)
    save_density_and_clouds_png(target, {TITLES[name]: samples[name] for name in ESTIMATORS},
                                reference, os.path.join(out_dir, f"{target.name}_langevin.png"))
    with open(os.path.join(out_dir, f"{target.name}_langevin.json"), "w") as file:
        json.dump(record, file, indent=1)
    with open(os.path.join(out_dir, "config.gin"), "w") as file:
        file.write(gin.config_str())
    return record


def markdown_table(record):
    """One row per sample set: distances to the exact set and the cloud's spread.

    The floor row gives mean +- std over the independent exact sets, and the shape of the first.
    """
    standardized = "standardized_std" in record["samples"]["floor"]
    rows = ["| samples | energy distance | MMD² | std x1, x2 |"
            + (" std z1, z2 | std z1 in the arms |" if standardized else "") + " mean log u |",
            "|---|---|---|---|" + ("---|---|" if standardized else "") + "---|"]
    for name in ("floor", "mala", *ESTIMATORS):
        q = record["samples"][name]
        if name == "floor":
            energy = "{:.4f} ± {:.4f}".format(*_mean_std(record["floor"]["energy_distance"]))
            mmd2 = "{:.5f} ± {:.5f}".format(*_mean_std(record["floor"]["mmd2"]))
        else:
            energy, mmd2 = f"{q['energy_distance']:.4f}", f"{q['mmd2']:.5f}"
        shape = f"{q['std'][0]:.2f}, {q['std'][1]:.2f} |"
        if standardized:
            arms = "n/a" if q["arms_z1_std"] is None else f"{q['arms_z1_std']:.2f}"
            shape += " {:.2f}, {:.2f} | {} |".format(*q["standardized_std"], arms)
        rows.append(f"| {TITLES[name]} | {energy} | {mmd2} | {shape} {q['mean_log_density']:.2f} |")
    return "\n".join(rows)


def _mean_std(values):
    return float(np.mean(values)), float(np.std(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gin_file", action="append", default=[],
                        help="gin file (repeatable; default score/banana.gin)")
    parser.add_argument("--gin_param", action="append", default=[], help="gin binding (repeatable)")
    parser.add_argument("--out", default="runs/banana_langevin")
    parser.add_argument("--threads", type=int, default=0, help="TF intra-op threads (0: all)")
    args = parser.parse_args()
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    assemble.parse_gin(args.gin_file or ["score/banana.gin"], args.gin_param)
    record = score_langevin(args.out)
    print(markdown_table(record))
    for name, error in record["scores_on_exact_samples"].items():
        print(f"{name}: rms {error['rms']:.4f}, relative error to the exact score "
              f"{error['relative_error']:.3f}")
    print(f"n = {record['n']}, MMD bandwidth {record['bandwidth']:.3f}, "
          f"MALA acceptance {record['mala_acceptance']:.2f}; files in {args.out}")


if __name__ == "__main__":
    main()
