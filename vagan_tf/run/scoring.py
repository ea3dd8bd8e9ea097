"""Scoring a finished GAN run: ``vagan evaluate --model_dir D``.

``evaluate_run(D)`` rebuilds the run from ``D/config.gin`` (then any further gin files and
bindings: another evaluator, extractor or sample count), restores its latest checkpoint,
draws ``num_samples`` samples from the generator (``GANExperiment.eval_samples`` unless
given) in chunks with the noise of training's periodic evaluation at that step (so with
``eval_samples`` it reproduces the step's record in ``D/metrics.json``), and scores them
with the run's evaluator (``GANExperiment.evaluator``). It writes ``D/evaluation.json``
atomically:

    {"step": t, "num_samples": n, "evaluator": "ImageQuality", "extractor": "digit_classifier",
     "extractor_file": null, "metrics": {"fid": ..., ...}, "checkpoint": ".../ckpt-t",
     "gin_files": [...], "gin_params": [...], "time": "2026-...Z", "seconds": s}

and returns that record. Failures it can name raise the package's user errors with a one-line
message:
``RunDirectoryError`` (no run directory or config, no readable checkpoint, not a GAN
run) and ``ConfigurationError`` (n <= 0, no evaluator).
"""
import datetime
import math
import os
import time

import gin
import numpy as np

from vagan_tf.config.checks import ConfigurationError, RunDirectoryError
from vagan_tf.run import assemble
from vagan_tf.run.directory import checkpoints_on_disk, write_json_atomically
from vagan_tf.run.model_run import GANExperiment

EVALUATION_FILE = "evaluation.json"


def check_run(model_dir, num_samples=None):
    """Checks what can be checked before anything is built; returns the run's config.gin path.

    Args:
      model_dir: the run's directory.
      num_samples: the samples asked for; None: the run's own count.

    Returns:
      The path of ``model_dir/config.gin``.

    Raises:
      ConfigurationError: ``num_samples`` <= 0.
      RunDirectoryError: no such directory, no ``config.gin`` or no checkpoint in it.
    """
    if num_samples is not None and num_samples <= 0:
        raise ConfigurationError(f"--num_samples must be positive; got {num_samples}")
    if not os.path.isdir(model_dir):
        raise RunDirectoryError(f"no run directory {model_dir}")
    config = os.path.join(model_dir, "config.gin")
    if not os.path.isfile(config):
        raise RunDirectoryError(f"{config} not found; is {model_dir} a vagan run?")
    if not checkpoints_on_disk(os.path.join(model_dir, "checkpoints")):
        raise RunDirectoryError(f"no checkpoint in {os.path.join(model_dir, 'checkpoints')}; "
                                "train the run first")
    return config


def evaluate_run(model_dir, num_samples=None, files=(), params=(), chunk_size=500):
    """Scores the latest checkpoint of the GAN run in ``model_dir``; returns the record it wrote.

    Args:
      model_dir: the run's directory (``vagan train --model_dir``).
      num_samples: samples to draw; None: the run's ``GANExperiment.eval_samples``.
      files: gin files parsed after ``config.gin`` (they override it).
      params: gin bindings parsed after ``files``; e.g. ``images/fid_standard.gin`` with
        ``INCEPTION_GRAPH = '...'``.
      chunk_size: samples drawn per generator call.

    The process's gin config is cleared and replaced by the run's (then locked, as in
    ``vagan train``).

    Returns:
      The record written to ``D/evaluation.json`` (the module docstring shows its keys).

    Raises:
      ConfigurationError: ``num_samples`` <= 0, a gin error, or a run without an evaluator.
      RunDirectoryError: no run directory, config or checkpoint; a run that is not a
        ``GANExperiment``; no checkpoint that the built model can restore.
    """
    from vagan_tf.run.callbacks import draw_samples, evaluation_seed

    config = check_run(model_dir, num_samples)
    gin.clear_config()  # the run is rebuilt from its own config alone
    assemble.parse_gin([config, *files], list(params))
    run = assemble.experiment(model_dir=model_dir)
    if not isinstance(run, GANExperiment):
        raise RunDirectoryError(f"{model_dir} is a {type(run).__name__} run; vagan evaluate "
                                "scores the generator of a GANExperiment")
    if run.evaluator is None:
        raise ConfigurationError(f"{model_dir} has no evaluator (GANExperiment.evaluator = None); "
                                 "choose one, e.g. --gin_param 'GANExperiment.evaluator = "
                                 "@ImageQuality()'")
    try:
        step = run.restore()  # the newest readable checkpoint (check_run saw one on disk)
    except RunDirectoryError:
        if not (files or params):
            raise
        raise RunDirectoryError(
            f"the checkpoints of {model_dir} do not fit the model that "
            f"{', '.join([*files, *params])} build; further gin files and bindings may choose the evaluator, its extractor or "
            "reference, not another model") from None
    num_samples = int(num_samples or run.eval_samples)
    start = time.time()
    samples = draw_samples(run.model, num_samples, chunk_size,
                           seed=evaluation_seed(run.run_seed, step))
    metrics = run.evaluator(samples)
    extractor = getattr(run.evaluator, "extractor", None)
    record = {
        "step": step,
        "num_samples": num_samples,
        "evaluator": getattr(run.evaluator, "__name__", type(run.evaluator).__name__),
        "extractor": getattr(extractor, "name", None),
        "extractor_file": getattr(extractor, "source", None),
        "metrics": metrics,
        "checkpoint": run.restored_from,
        "gin_files": [config, *files],
        "gin_params": list(params),
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.time() - start, 3),
    }
    write_json_atomically(os.path.join(model_dir, EVALUATION_FILE), record)
    return record


def summary_line(record, model_dir):
    """One line: the step, sample count, evaluator and the scalar metrics of a record.

    Args:
      record: a record of ``evaluate_run``.
      model_dir: the run's directory.

    Returns:
      The line, without a newline.
    """
    scalars = ", ".join(f"{key} {value:.4g}" for key, value in record["metrics"].items()
                        if isinstance(value, (int, float, np.number)) and math.isfinite(value))
    scorer = record["evaluator"] + (f" with {record['extractor']}" if record["extractor"] else "")
    return (f"vagan: evaluated {model_dir} at step {record['step']} on {record['num_samples']} "
            f"samples ({scorer}): {scalars}; wrote {os.path.join(model_dir, EVALUATION_FILE)}")
