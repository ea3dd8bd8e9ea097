"""Seconds per training step: U-GAN vs a MAF and an IAF trained by reverse KL, d in {2, 16, 61,
128}.

All three use the paper's flow (8 MAF blocks, MADE [512, 512]) on a d-dimensional
Gaussian energy log u = -||x||^2 / 2, batch 64, in one process:

* U-GAN (``UnnormalizedGAN``): flow steps on log nu of generated points (K MADE passes
  each; 3 per generator step as in gin/ugan/base.gin, and 1), critic step with flow
  samples drawn without gradient (K d passes, no backprop), generator step through
  log nu (K passes);
* MAF-RKL (``ReverseKLFlow``): backpropagation through the MAF's sampling pass (K d passes);
* IAF-RKL (``ReverseKLFlow(inverse=True)``): the cheap direction, K passes.

Next to them, the sampling floor measured in the same run: one MADE pass on the batch
(compiled), times K d, the passes that drawing one flow batch takes; and one compiled
``flow.sample`` of the batch without gradient, which U-GAN's critic step needs every step.

Prints CPU seconds per step (the process's CPU time: with --threads 1 the wall time of an
unloaded core, and fair when other jobs share the machine) and the ratio to U-GAN (3 flow
steps) for each d. The ratio is what pairing buys over training the flow by reverse KL
directly. ``--out`` keeps one record per d.

    python -m benchmarks.ugan_speed --steps 5 --threads 1 --out benchmarks/results/ugan_speed.json
"""
import argparse
import time

import keras
import tensorflow as tf

from vagan_tf import data
from vagan_tf.models import ReverseKLFlow, UnnormalizedGAN
from vagan_tf.nets import mlp_critic, mlp_generator
from vagan_tf.nets.flows import MAF
from vagan_tf.targets import Target
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

BATCH = 64


class GaussianEnergy(Target):
    """log u(x) = -||x||^2 / 2 on R^dim."""

    name = "gaussian_energy"

    def __init__(self, dim):
        self.dim = dim

    def _log_prob(self, x):
        return -0.5 * tf.reduce_sum(tf.square(x), axis=1)


def ugan(dim, flow_steps):
    model = UnnormalizedGAN(mlp_generator(dim, dim, width=256, depth=3), MAF(dim),
                            GaussianEnergy(dim), latent_dim=dim,
                            critic=mlp_critic(dim, width=256, depth=2), flow_steps=flow_steps,
                            seed=0)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-4),
                  flow_optimizer=keras.optimizers.Adam(1e-4),
                  critic_optimizer=keras.optimizers.Adam(1e-4))
    return model


def reverse_kl(dim, inverse):
    model = ReverseKLFlow(MAF(dim), GaussianEnergy(dim), inverse=inverse, seed=0)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-4))
    return model


def seconds_per_step(model, steps):
    stream = data.step_counter(BATCH)
    model.fit(stream, steps_per_epoch=2, epochs=1, verbose=0)  # trace and warm up
    start = time.process_time()
    model.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)
    return (time.process_time() - start) / steps


def sampling_floor(dim, repeats=20):
    """(seconds of one MADE pass on the batch, of one flow.sample of the batch; K blocks)."""
    flow = MAF(dim)
    made = tf.function(lambda x: flow.mades[0](x))
    draw = tf.function(lambda: flow.sample(BATCH, seed=(0, 1)))
    x = tf.random.normal((BATCH, dim))
    timings = []
    for fn in (lambda: made(x), draw):
        fn()  # trace
        start = time.process_time()
        for _ in range(repeats):
            fn()
        timings.append((time.process_time() - start) / repeats)
    return (*timings, flow.num_blocks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 16, 61, 128])
    parser.add_argument("--steps", type=int, default=5)
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    limit_threads(args.threads)
    records = []
    print("| d | U-GAN s/step | U-GAN, 1 flow step | MAF-RKL s/step | IAF-RKL s/step | "
          "MAF-RKL / U-GAN | IAF-RKL / U-GAN | MADE pass ms | K d passes s (floor) "
          "| flow.sample s | U-GAN, 1 flow step / floor |\n|---|---|---|---|---|---|---|---|---|---|---|")
    for dim in args.dims:
        u = seconds_per_step(ugan(dim, flow_steps=3), args.steps)
        u1 = seconds_per_step(ugan(dim, flow_steps=1), args.steps)
        maf = seconds_per_step(reverse_kl(dim, inverse=False), args.steps)
        iaf = seconds_per_step(reverse_kl(dim, inverse=True), args.steps)
        made_pass, flow_sample, num_blocks = sampling_floor(dim)
        floor = num_blocks * dim * made_pass
        print(f"| {dim} | {u:.3f} | {u1:.3f} | {maf:.3f} | {iaf:.3f} | {maf / u:.1f} | "
              f"{iaf / u:.2f} | {1e3 * made_pass:.2f} | {floor:.3f} | {flow_sample:.3f} | "
              f"{u1 / floor:.1f} |", flush=True)
        records.append({"dim": dim, "steps": args.steps, "ugan_s": u, "ugan_1_flow_step_s": u1,
                        "maf_rkl_s": maf, "iaf_rkl_s": iaf, "made_pass_s": made_pass,
                        "made_passes_s": floor, "flow_sample_s": flow_sample})
        save_results(args.out, records)


if __name__ == "__main__":
    main()
