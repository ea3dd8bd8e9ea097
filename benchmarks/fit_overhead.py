"""`AnnealedGAN.fit` overhead: steps/s of fit vs a bare tf.function loop doing the same math.

Both sides run the default toy model (configs/toy/ring.gin + rkl.gin + linear.gin: critic,
denoiser and generator updates) on the same tf.data pipeline, in one process. The bare
loop calls the model's ``train_step`` inside one ``tf.function`` with a ``tf.range``
loop, so the difference is what Keras' ``fit`` adds: its iterator, per-execution Python
dispatch, logs and callbacks.

    python benchmarks/fit_overhead.py --steps 2000
"""
import argparse
import time

import gin
import tensorflow as tf

from vagan_tf import runs


def build(steps_per_execution):
    gin.clear_config()
    runs.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"],
                  [f"GANExperiment.steps_per_execution = {steps_per_execution}"])
    run = runs.experiment(model_dir="/tmp/unused_fit_overhead")
    return run.model, run.dataset_fn(batch_size=run.batch_size, start=0)


def time_fit(steps, steps_per_execution):
    model, data = build(steps_per_execution)
    model.fit(data, steps_per_epoch=steps_per_execution * 4, epochs=1, verbose=0)  # trace
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps / (time.perf_counter() - start)


def time_bare_loop(steps):
    model, data = build(1)
    iterator = iter(data)

    @tf.function
    def loop(n):
        for _ in tf.range(n):
            model.train_step(next(iterator))

    loop(tf.constant(4))  # trace
    start = time.perf_counter()
    loop(tf.constant(steps))
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = {"bare tf.function loop": lambda: time_bare_loop(args.steps),
            "fit, steps_per_execution=1": lambda: time_fit(args.steps, 1),
            "fit, steps_per_execution=50 (toy default)": lambda: time_fit(args.steps, 50)}
    rates = {name: max(measure() for _ in range(args.repeats)) for name, measure in rows.items()}
    bare = rates["bare tf.function loop"]
    print(f"| loop | steps/s (best of {args.repeats}) | bare / this |")
    print("|---|---|---|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:.0f} | {bare / rate:.2f} |")


if __name__ == "__main__":
    main()
