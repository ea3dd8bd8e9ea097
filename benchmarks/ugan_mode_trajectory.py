"""How one U-GAN run's masses on two separated modes move, and whether they follow the fits.

For disjoint modes the masses reverse KL settles on are pi_k = exp(-KL_k) / sum_j exp(-KL_j),
KL_k the fit of mode k (docs/design.md §4.7), and mass moves between modes only while the
valley between them holds some of q. Every --every generator steps of the gin run of
ugan/mixture.gin (DIM = --dim; with --tempered, ugan/tempered.gin) this records lambda,
the masses of --samples draws (nearest centre), each mode's Gaussian-fit KL and the masses
those fits call for (``metrics.mode_fits``; the fits are against the untempered components,
so while lambda > 0 they are the masses lambda = 0 would settle on), and at the end the
energy distance to exact samples. The records draw with their own seeds, so the run trains
as ugan_quality.py's run of the same seed and bindings does.

    python -m benchmarks.ugan_mode_trajectory --dim 30 --steps 1000 --seed 2 --tempered \\
        --threads 1 --out benchmarks/results/ugan_mode_trajectory_d30_seed2_width512.json
"""
import argparse

import keras
import numpy as np

from vagan_tf import data, targets
from vagan_tf.evaluation import metrics
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402
from benchmarks.ugan_quality import BATCH, build_ugan


class ModeRecorder(keras.callbacks.Callback):
    """After each epoch, one record of lambda, the masses and the mode fits of ``samples`` draws."""

    def __init__(self, mixture, every, samples, seed):
        super().__init__()
        self.mixture, self.every, self.samples, self.seed = mixture, every, samples, seed
        self.records = []

    def on_epoch_end(self, epoch, logs=None):
        step = (epoch + 1) * self.every
        x = self.model.sample(self.samples, seed=self.seed * 100_003 + step).numpy()
        fit_kl, fit_masses = metrics.mode_fits(x, self.mixture)
        self.records.append({
            "step": step, "lambda": float(logs["lambda"]),
            "mode_masses": metrics.nearest_mode_masses(x, self.mixture.centers).tolist(),
            "mode_fit_kl": fit_kl.tolist(), "mode_fit_masses": fit_masses.tolist()})
        record = self.records[-1]
        print(f"| {step} | {record['lambda']:.2f} | "
              + " | ".join(" / ".join(f"{v:.3f}" for v in record[key])
                           for key in ("mode_masses", "mode_fit_kl", "mode_fit_masses"))
              + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dim", type=int, default=30)
    parser.add_argument("--steps", type=int, default=1000, help="U-GAN generator steps")
    parser.add_argument("--every", type=int, default=50,
                        help="steps between records (a multiple of steps_per_execution, 50)")
    parser.add_argument("--samples", type=int, default=4000, help="draws per record")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tempered", action="store_true", help="add ugan/tempered.gin")
    parser.add_argument("--gin_param", action="append", default=[],
                        help="extra binding of the run")
    parser.add_argument("--out", default=None)
    add_threads_argument(parser)
    args = parser.parse_args()
    if args.steps % args.every:
        parser.error(f"--every ({args.every}) must divide --steps ({args.steps})")
    limit_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    model = build_ugan(f"mixture{args.dim}", args.steps, tempered=args.tempered,
                       seed=args.seed, params=args.gin_param)
    mixture = targets.separated_mixture(dim=args.dim)
    recorder = ModeRecorder(mixture, args.every, args.samples, args.seed)
    print("| step | λ | mode masses | mode fit KL | masses the fits call for |\n"
          "|---|---|---|---|---|", flush=True)
    model.fit(data.step_counter(BATCH), steps_per_epoch=args.every,
              epochs=args.steps // args.every, verbose=0, callbacks=[recorder])
    reference = mixture.sample(2000, seed=(11, 12)).numpy()
    final = model.sample(2000, seed=args.seed * 100_003).numpy()
    save_results(args.out, {"dim": args.dim, "seed": args.seed, "tempered": args.tempered,
                            "params": args.gin_param, "records": recorder.records,
                            "energy_distance": metrics.energy_distance(final, reference)})


if __name__ == "__main__":
    main()
