"""`AnnealedGAN.fit` overhead: steps/s of fit vs a bare tf.function loop doing the same math.

Both sides run the default toy model (gin/toy/ring.gin + rkl.gin + linear.gin: critic,
denoiser and generator updates) on the same tf.data pipeline, in one process. The bare
loop calls the model's ``train_step`` inside one ``tf.function`` with a ``tf.range``
loop, so the difference is what Keras' ``fit`` adds: its iterator, per-execution Python
dispatch, logs and callbacks. Each loop is called for a short and a long run; the slope
of process CPU time over steps is the per-step cost, the intercept the fixed cost of one
call (``fit`` builds its iterator and starts the pipeline inside the call; a
``GANExperiment`` pays that once per run). CPU time, not wall time, so that other jobs on
the machine do not move the ratio. ``--out`` keeps one record per loop (oneDNN as the
environment sets it: run once with TF_ENABLE_ONEDNN_OPTS=1 and once with 0).

    TF_ENABLE_ONEDNN_OPTS=1 python -m benchmarks.fit_overhead --steps 1000 --repeats 3 \
        --threads 1 --out benchmarks/results/fit_overhead_onednn_on.json
"""
import argparse
import time

import gin
import numpy as np
import tensorflow as tf

from vagan_tf.run import assemble
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402


def build(steps_per_execution):
    gin.clear_config()
    assemble.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"],
                      [f"GANExperiment.steps_per_execution = {steps_per_execution}"])
    run = assemble.experiment(model_dir="/tmp/unused_fit_overhead")
    return run.model, run.dataset_fn(batch_size=run.batch_size, start=0)


def seconds(run):
    """(wall, process CPU) seconds of ``run()``; CPU time is robust to other jobs on the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def fit_runner(steps_per_execution):
    model, data = build(steps_per_execution)
    model.fit(data, steps_per_epoch=steps_per_execution * 4, epochs=1, verbose=0)  # trace
    return lambda steps: model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)


def bare_runner():
    model, data = build(1)
    iterator = iter(data)

    @tf.function
    def loop(n):
        for _ in tf.range(n):
            model.train_step(next(iterator))

    loop(tf.constant(4))  # trace
    return lambda steps: loop(tf.constant(steps))


def per_step_and_fixed(runner, short, long, repeats):
    """Per-step and per-call seconds (CPU) from calls of ``short`` and ``long`` steps, medians
    over ``repeats``: t(n) = fixed + n * per_step."""
    per_step, fixed = [], []
    for _ in range(repeats):
        t_short = seconds(lambda: runner(short))[1]
        t_long = seconds(lambda: runner(long))[1]
        slope = (t_long - t_short) / (long - short)
        per_step.append(slope)
        fixed.append(t_short - short * slope)
    return float(np.median(per_step)), float(np.median(fixed))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="the long call's steps")
    parser.add_argument("--repeats", type=int, default=3)
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    limit_threads(args.threads)
    short = max(50, args.steps // 10)
    runners = {"bare tf.function loop": bare_runner(),
               "fit, steps_per_execution=1": fit_runner(1),
               "fit, steps_per_execution=50 (toy default)": fit_runner(50)}
    rows = {name: per_step_and_fixed(runner, short, args.steps, args.repeats)
            for name, runner in runners.items()}
    bare = rows["bare tf.function loop"][0]
    print("| loop | CPU ms per step | this / bare | CPU s per call (fixed) |")
    print("|---|---|---|---|")
    for name, (per_step, fixed) in rows.items():
        print(f"| {name} | {1000 * per_step:.2f} | {per_step / bare:.2f} | {fixed:.2f} |")
    save_results(args.out, [{"loop": name, "short": short, "long": args.steps,
                             "repeats": args.repeats, "ms_per_step": 1000 * per_step,
                             "fixed_s": fixed} for name, (per_step, fixed) in rows.items()])


if __name__ == "__main__":
    main()
