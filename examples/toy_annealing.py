"""Annealed GAN on the 8-Gaussian ring with the Python API (no gin).

Builds the networks, a likelihood-annealing term with a linear schedule, trains with
``model.fit`` on a ``tf.data`` pipeline, reports the mode metrics and exports a
SavedModel that samples without vagan_tf:

    python examples/toy_annealing.py --steps 10000 --out runs/example
"""
import argparse
import os

import keras

from vagan_tf import AnnealedGAN, targets
from vagan_tf.annealing import Linear
from vagan_tf.annealing.terms import LikelihoodAnnealing
from vagan_tf.data import sampler_dataset
from vagan_tf.evaluation.metrics import mixture_report
from vagan_tf.nets import MLPDenoiser, mlp_critic, mlp_generator
from vagan_tf.run.export import export_generator
from vagan_tf.samplers.dae_score import DenoisingAutoencoder
from vagan_tf.training.objectives import ReverseKL


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--out", default="runs/example")
    args = parser.parse_args()

    ring = targets.ring()
    latent_dim = 16
    annealing = LikelihoodAnnealing(
        schedule=Linear(initial=1.0, total_steps=args.steps),
        denoiser=DenoisingAutoencoder(MLPDenoiser(width=128, depth=3), sigma=1.0),
        space="features")
    gan = AnnealedGAN(mlp_generator(latent_dim, 2, width=128), mlp_critic(2, width=128),
                      latent_dim, objective=ReverseKL(), annealing=annealing, seed=0)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
                critic_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
                denoiser_optimizer=keras.optimizers.Adam(1e-3),
                steps_per_execution=50)
    gan.fit(sampler_dataset(ring, batch_size=256), steps_per_epoch=1000,
            epochs=args.steps // 1000)

    report = mixture_report(gan.sample(2500).numpy(), ring)
    print(f"modes covered {report['modes_covered']}/8, "
          f"high quality {100 * report['high_quality']:.1f} %, "
          f"symmetric KL {report['symmetric_kl']:.2f}")
    print("exported", export_generator(gan, os.path.join(args.out, "export")))


if __name__ == "__main__":
    main()
