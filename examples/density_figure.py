"""The supplement's Fig. 1 for any runs on a 2-D target: density contours and each run's samples.

Reads only ``D/export`` of each run (TensorFlow's SavedModel ``sample(n)``), so it works for
U-GAN, toy GAN and any other exported sampler of a 2-D target:

    python examples/density_figure.py --target banana --run U-GAN=runs/ugan_banana \
        --out docs/ugan_banana.png
"""
import argparse
import os

import tensorflow as tf

from vagan_tf import targets
from vagan_tf.evaluation.plots import save_density_and_clouds_png

TARGETS = {"banana": targets.Banana, "kidney": targets.Kidney}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    parser.add_argument("--run", action="append", required=True, help="TITLE=MODEL_DIR (repeatable)")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    target = TARGETS[args.target]()
    clouds = {}
    for run in args.run:
        title, _, model_dir = run.partition("=")
        sampler = tf.saved_model.load(os.path.join(model_dir, "export"))
        clouds[title] = sampler.sample(tf.constant(args.n)).numpy()
    reference = target.sample(args.n, seed=(21, 22)).numpy()
    save_density_and_clouds_png(target, clouds, reference, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
