"""Scoring a finished GAN run: ``vagan evaluate --model_dir D``.

``evaluate_run(D)`` rebuilds the run from ``D/config.gin`` (then any further gin files and
bindings: another evaluator, extractor or sample count), restores its latest checkpoint,
draws ``num_samples`` samples from the generator (``GANExperiment.eval_samples`` unless
given) in chunks, as training's periodic evaluation does, and scores them with the run's
evaluator (``GANExperiment.evaluator``). It writes ``D/evaluation.json`` atomically:

    {"step": t, "num_samples": n, "evaluator": "ImageQuality", "extractor": "digit_classifier",
     "extractor_file": null, "metrics": {"fid": ..., ...}, "checkpoint": ".../ckpt-t",
     "gin_files": [...], "gin_params": [...], "time": "2026-...Z", "seconds": s}

and returns that record. Failures it can name (no run directory or config, no checkpoint,
n <= 0, no evaluator, not a GAN run) raise ``EvaluationError`` with a one-line message.
"""
import datetime
import json
import math
import os
import tempfile
import time

import sys

import gin
import numpy as np

EVALUATION_FILE = "evaluation.json"


def _cli():
    """The module with ``parse_gin`` and ``experiment`` (until they move out of the CLI).

    Under ``python -m vagan_tf.cli`` that module is ``__main__``; importing ``vagan_tf.cli``
    as well would register its gin configurable ``experiment`` twice (an ambiguous selector).
    """
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) == "vagan_tf.cli":
        return main
    from vagan_tf import cli

    return cli


class EvaluationError(ValueError):
    """A run that cannot be evaluated as asked; the message says why and names the path or binding."""


def check_run(model_dir, num_samples=None):
    """Checks what can be checked before anything is built; returns the run's config.gin path."""
    if num_samples is not None and num_samples <= 0:
        raise EvaluationError(f"--num_samples must be positive; got {num_samples}")
    if not os.path.isdir(model_dir):
        raise EvaluationError(f"no run directory {model_dir}")
    config = os.path.join(model_dir, "config.gin")
    if not os.path.isfile(config):
        raise EvaluationError(f"{config} not found; is {model_dir} a vagan run?")
    import tensorflow as tf

    if not tf.train.latest_checkpoint(os.path.join(model_dir, "checkpoints")):
        raise EvaluationError(f"no checkpoint in {os.path.join(model_dir, 'checkpoints')}; "
                              f"train the run first")
    return config


def evaluate_run(model_dir, num_samples=None, files=(), params=(), chunk_size=500):
    """Scores the latest checkpoint of the GAN run in ``model_dir``; returns the record it wrote.

    Args:
      model_dir: the run's directory (``vagan train --model_dir``).
      num_samples: samples to draw; None: the run's ``GANExperiment.eval_samples``.
      files, params: gin files and bindings parsed after ``config.gin`` (they override it),
        e.g. ``images/fid_standard.gin`` and ``INCEPTION_GRAPH = '...'``.
      chunk_size: samples drawn per generator call.

    The process's gin config is cleared and replaced by the run's (then locked, as in
    ``vagan train``).
    """
    from vagan_tf.callbacks import draw_samples

    config = check_run(model_dir, num_samples)
    cli = _cli()
    gin.clear_config()  # the run is rebuilt from its own config alone
    cli.parse_gin([config, *files], list(params))
    run = cli.experiment(model_dir=model_dir)
    if not hasattr(run, "evaluator") or not hasattr(getattr(run, "model", None), "sample"):
        raise EvaluationError(f"{model_dir} is a {type(run).__name__} run; vagan evaluate scores "
                              f"the generator of a GANExperiment")
    if run.evaluator is None:
        raise EvaluationError(f"{model_dir} has no evaluator (GANExperiment.evaluator = None); "
                              f"choose one, e.g. --gin_param 'GANExperiment.evaluator = "
                              f"@ImageQuality()'")
    step = run.restore()
    if step == 0:
        raise EvaluationError(f"no checkpoint in {run.path('checkpoints')}; train the run first")
    num_samples = int(num_samples or run.eval_samples)
    start = time.time()
    samples = draw_samples(run.model, num_samples, chunk_size)
    metrics = run.evaluator(samples)
    extractor = getattr(run.evaluator, "extractor", None)
    record = {
        "step": step,
        "num_samples": num_samples,
        "evaluator": getattr(run.evaluator, "__name__", type(run.evaluator).__name__),
        "extractor": getattr(extractor, "name", None),
        "extractor_file": getattr(extractor, "source", None),
        "metrics": metrics,
        "checkpoint": run.checkpoint_manager.latest_checkpoint,
        "gin_files": [config, *files],
        "gin_params": list(params),
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.time() - start, 3),
    }
    write_json_atomically(os.path.join(model_dir, EVALUATION_FILE), record)
    return record


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json_atomically(path, record):
    """Writes ``record`` to ``path`` through a temporary file in the same directory, so a
    reader sees the old file or the new one, never a part."""
    descriptor, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.",
                                       dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, default=_plain)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def summary_line(record, model_dir):
    """One line: the step, sample count, evaluator and the scalar metrics of a record."""
    scalars = ", ".join(f"{key} {value:.4g}" for key, value in record["metrics"].items()
                        if isinstance(value, (int, float, np.number)) and math.isfinite(value))
    scorer = record["evaluator"] + (f" with {record['extractor']}" if record["extractor"] else "")
    return (f"vagan: evaluated {model_dir} at step {record['step']} on {record['num_samples']} "
            f"samples ({scorer}): {scalars}; wrote {os.path.join(model_dir, EVALUATION_FILE)}")
