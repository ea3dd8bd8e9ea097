"""First-call latency of a run: how much of it is tracing and graph optimisation.

Trains each configuration as ``vagan train`` would (its gin files, default length unless
``--gin_param`` changes it) and clocks process CPU time at the end of every
``steps_per_execution`` block of steps (one call of Keras' compiled train function) and of
every epoch (checkpoint and evaluation). The first block pays for tracing ``train_step``
and optimising its graph; the overhead is the first block's time less the median of the
others, and its share is that overhead over the whole run's CPU time. The first epoch's
evaluation is timed against the later ones to show whether evaluation retraces.

    python -m benchmarks.first_step --configs blr/heart.gin blr/german.gin --threads 1
"""
import argparse
import os
import tempfile
import time

import gin
import keras
import numpy as np
from benchmarks.common import add_threads_argument, limit_threads, save_results  # noqa: E402


class BlockClock(keras.callbacks.Callback):
    """Process CPU seconds of each compiled block of steps and of each epoch's end work."""

    def __init__(self):
        super().__init__()
        self.blocks, self.epoch_ends = [], []

    def on_train_begin(self, logs=None):
        self.mark = time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        now = time.process_time()
        self.blocks.append(now - self.mark)
        self.mark = now

    def on_epoch_begin(self, epoch, logs=None):
        now = time.process_time()
        if epoch:  # the previous epoch's callbacks (checkpoint, evaluation) ran since
            self.epoch_ends.append(now - self.mark)
        self.mark = now


def measure(config, params, workdir):
    from vagan_tf.run import assemble

    gin.clear_config()
    assemble.parse_gin([config], ["GANExperiment.verbose = 0", *params])
    run = assemble.experiment(model_dir=os.path.join(workdir, config.replace("/", "_")))
    clock = BlockClock()
    fit = run.model.fit

    def clocked_fit(*args, **kwargs):
        kwargs["callbacks"] = [clock, *(kwargs.get("callbacks") or [])]
        return fit(*args, **kwargs)

    run.model.fit = clocked_fit
    start = time.process_time()
    run.train()
    total = time.process_time() - start
    steady = float(np.median(clock.blocks[1:]))
    overhead = clock.blocks[0] - steady
    return {"config": config, "params": list(params), "total_cpu_s": total,
            "steps_per_execution": int(run.model.steps_per_execution), "total_steps": run.total_steps,
            "first_block_s": clock.blocks[0], "steady_block_s": steady,
            "overhead_s": overhead, "overhead_share": overhead / total,
            "epoch_end_s": clock.epoch_ends}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", required=True, help="gin files, one run each")
    parser.add_argument("--gin_param", action="append", default=[], help="extra binding")
    add_threads_argument(parser)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    limit_threads(args.threads)
    workdir = tempfile.mkdtemp(prefix="first_step_")
    print("| run | steps | first block CPU s | later blocks (median) | overhead s | share of run "
          "| run CPU s | epoch-end work, first / later |\n|---|---|---|---|---|---|---|---|")
    results = []
    for config in args.configs:
        r = measure(config, args.gin_param, workdir)
        results.append(r)
        later = np.median(r["epoch_end_s"][1:]) if len(r["epoch_end_s"]) > 1 else float("nan")
        first_end = r["epoch_end_s"][0] if r["epoch_end_s"] else float("nan")
        print(f"| {config} | {r['total_steps']} (blocks of {r['steps_per_execution']}) | "
              f"{r['first_block_s']:.1f} | {r['steady_block_s']:.1f} | {r['overhead_s']:.1f} | "
              f"{100 * r['overhead_share']:.1f} % | {r['total_cpu_s']:.0f} | "
              f"{first_end:.2f} / {later:.2f} |", flush=True)
        save_results(args.out, results)


if __name__ == "__main__":
    main()
