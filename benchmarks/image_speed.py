"""Image GAN speed on the 32x32 networks: fit vs a bare loop, real pipeline vs memory, oneDNN.

The model is the paper's CIFAR-10 configuration (gin/cifar10/base.gin + images/jsd.gin +
images/dfm.gin: DCGAN at width 64, a 2048-wide denoiser, batch 64). In one process:

* bare loop: ``train_step`` on one in-memory batch inside a ``tf.function`` loop;
* fit, in memory: ``fit`` on ``Dataset.from_tensors(batch).repeat()``;
* fit, tfds pipeline: ``fit`` on ``data.tfds_images('cifar10')`` (tfds mock data here:
  PNG decoding, scaling, shuffling as with the real files);
* the input pipelines alone (tfds cifar10 mock, offline digits): batches/s with no
  model, to see whether input can ever bound training.

A second process repeats the bare loop with TF_ENABLE_ONEDNN_OPTS=0 (TensorFlow's
default on CPUs without AVX-512) to measure what the ``vagan`` command's oneDNN
default buys. Prints images/s and ratios; ``--out`` keeps one record per row.

    python -m benchmarks.image_speed --steps 10 --threads 1 --out benchmarks/results/image_speed.json
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # before TensorFlow is imported

import gin  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

from vagan_tf import data  # noqa: E402
from vagan_tf.run import assemble  # noqa: E402
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402

BATCH = 64


def build(params):
    gin.clear_config()
    assemble.parse_gin(["cifar10/base.gin", "images/jsd.gin", "images/dfm.gin"],
                      ["GANExperiment.evaluator = None", "GANExperiment.callbacks = []", *params])
    return assemble.experiment(model_dir="/tmp/unused_image_speed").model


def bare_loop(steps, params=()):
    model = build(params)
    batch = tf.random.uniform((BATCH, 32, 32, 3), -1.0, 1.0)

    @tf.function
    def loop(n):
        for _ in tf.range(n):
            model.train_step(batch)

    loop(tf.constant(2))  # trace and warm up
    start = time.perf_counter()
    loop(tf.constant(steps))
    return steps * BATCH / (time.perf_counter() - start)


def fit(steps, dataset):
    model = build([])
    model.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * BATCH / (time.perf_counter() - start)


def pipeline(dataset, batches):
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * BATCH / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    parser.add_argument("--onednn_off_child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit_threads(args.threads)
    if args.onednn_off_child:
        print(json.dumps(bare_loop(args.steps)))
        return

    memory = tf.data.Dataset.from_tensors(tf.random.uniform((BATCH, 32, 32, 3), -1, 1)).repeat()
    with tfds.testing.mock_data(num_examples=2000):
        cifar = data.tfds_images("cifar10", batch_size=BATCH)
        # the pipeline alone first: its first full pass completes the in-memory cache of
        # encoded images (mock examples are generated in Python; real ones read from disk),
        # which every later iterator, fit's included, then reads
        alone = pipeline(cifar, 200)
        rates = {
            "bare loop, batch in memory": bare_loop(args.steps),
            "fit, batch in memory": fit(args.steps, memory),
            "fit, tfds cifar10 pipeline": fit(args.steps, cifar),
            "tfds cifar10 pipeline alone": alone,
        }
    rates["offline digits pipeline alone"] = pipeline(data.offline_digits(batch_size=BATCH), 200)
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="0", TF_CPP_MIN_LOG_LEVEL="3")
    child = subprocess.run([sys.executable, "-m", "benchmarks.image_speed", "--steps",
                            str(args.steps), "--threads", str(args.threads), "--onednn_off_child"],
                           env=env, check=True, capture_output=True, text=True)
    rates["bare loop, oneDNN off (TF default here)"] = json.loads(child.stdout.strip().splitlines()[-1])

    bare = rates["bare loop, batch in memory"]
    print(f"| 32x32 DCGAN + DFM, batch {BATCH}, {args.steps} steps | images/s | "
          "bare loop / this |\n|---|---|---|")
    for name, rate in rates.items():
        ratio = "—" if name.endswith("alone") else f"{bare / rate:.2f}"
        print(f"| {name} | {rate:.0f} | {ratio} |")
    save_results(args.out, [{"row": name, "batch": BATCH, "steps": args.steps,
                             "images_per_s": rate} for name, rate in rates.items()])
    headroom = rates["tfds cifar10 pipeline alone"] / rates["fit, tfds cifar10 pipeline"]
    print(f"\ninput headroom: the cifar10 pipeline alone delivers {headroom:.0f}x what training "
          "on it consumes")


if __name__ == "__main__":
    main()
