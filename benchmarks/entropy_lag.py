"""How far the entropy term's denoiser lags behind the generator, on the ring.

Each configuration trains gin/toy/ring.gin + rkl.gin with a constant entropy term
(toy/constant.gin + toy/entropy.gin: data space, sigma = 0.5, weight --lam) for --steps
steps, then, on 2,500 points h = G(z) of the raw generator, compares the denoiser's residual
e(h) = r_q(h) - h with what an up-to-date denoiser would give. The true score has
E_q[grad log q] = 0, so the batch mean of e is the denoiser's error: a lagging r_q, trained
on where q was, points every h back there. Reported per run: the norm of the batch mean of
e, the mean norm of e, the shrinkage s = -mean (h - hbar).e / mean |h - hbar|^2 (an exact
denoiser of a Gaussian cloud of std c has s = sigma^2 / (c^2 + sigma^2)), the cloud's std,
and the ring's modes and high-quality share (``metrics.mixture_report``). --lam 0 is the
run without the term (its denoiser still learns q).

    python -m benchmarks.entropy_lag --lam 0 1 --steps 500 2000 --denoiser_rates 1e-3 1e-2 \\
        --threads 1 --out benchmarks/results/entropy_lag.json
"""
import argparse
import itertools
import os
import tempfile

import gin
import numpy as np

from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

POINTS = 2500


def residual_statistics(h, denoised, sigma):
    """The lag statistics of a denoiser's output ``denoised`` at points h [n, d]."""
    residual = denoised - h
    centred = h - h.mean(0)
    shrink = -np.mean(np.sum(centred * residual, 1)) / np.mean(np.sum(centred**2, 1))
    std = float(h.std(0).mean())
    return {"mean_residual_norm": float(np.linalg.norm(residual.mean(0))),
            "residual_norm": float(np.linalg.norm(residual, axis=1).mean()),
            "shrink": float(shrink), "cloud_std": std,
            "exact_shrink": sigma**2 / (std**2 + sigma**2)}


def run_one(lam, steps, denoiser_rate, workdir):
    import tensorflow as tf

    from vagan_tf import targets
    from vagan_tf.evaluation import metrics
    from vagan_tf.run import assemble

    gin.clear_config()
    assemble.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/constant.gin", "toy/entropy.gin"],
                       [f"TOTAL_STEPS = {steps}", f"GANExperiment.steps_per_epoch = {steps}",
                        "GANExperiment.verbose = 0", f"constant_schedule.initial = {lam}",
                        f"denoiser/Adam.learning_rate = {denoiser_rate}"])
    run = assemble.experiment(model_dir=os.path.join(workdir, f"lam{lam}_{steps}_{denoiser_rate}"))
    run.train()
    model = run.model
    h = model.generator(model.latent.sample((POINTS, model.latent_dim), seed=None)).numpy()
    denoised = model.denoiser(tf.constant(h)).numpy()
    report = metrics.mixture_report(h, targets.ring())
    return {"lam": lam, "steps": steps, "denoiser_rate": denoiser_rate,
            **residual_statistics(h, denoised, model.denoiser.sigma),
            "modes_covered": report["modes_covered"], "high_quality": report["high_quality"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lam", nargs="+", type=float, default=[0.0, 1.0])
    parser.add_argument("--steps", nargs="+", type=int, default=[500, 2000])
    parser.add_argument("--denoiser_rates", nargs="+", type=float, default=[1e-3, 1e-2])
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    limit_threads(args.threads)
    import keras

    print("| λ | steps | denoiser rate | ‖mean e‖ | mean ‖e‖ | shrinkage (exact) | cloud std "
          "| modes | high quality |\n|---|---|---|---|---|---|---|---|---|", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for lam, steps, rate in itertools.product(args.lam, args.steps, args.denoiser_rates):
            keras.utils.set_random_seed(0)
            row = run_one(lam, steps, rate, workdir)
            results.append(row)
            print(f"| {lam:g} | {steps} | {rate:g} | {row['mean_residual_norm']:.3f} | "
                  f"{row['residual_norm']:.3f} | {row['shrink']:.2f} ({row['exact_shrink']:.2f}) "
                  f"| {row['cloud_std']:.2f} | {row['modes_covered']} | "
                  f"{100 * row['high_quality']:.1f} % |", flush=True)
            save_results(args.out, results)


if __name__ == "__main__":
    main()
