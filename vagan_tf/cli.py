"""The ``vagan`` command line.

    vagan train  --gin_file F [--gin_file G ...] [--gin_param 'x.y=1' ...] --model_dir D
    vagan export --model_dir D [--gin_param ...]
    vagan sample --model_dir D -n N --out X.npy|X.png
    vagan sample --model_dir D --observations S.npy --out A.npy   (policy exports)
    vagan evaluate --model_dir D [--num_samples N] [--gin_file F ...] [--gin_param ...]

``train`` parses every gin file and binding before anything is built, so a
misspelt binding fails at once and names itself; rerunning it on the same D
resumes. ``export`` rebuilds the run from ``D/config.gin`` and its latest
checkpoint; ``sample`` needs only ``D/export``; ``evaluate`` scores the latest
checkpoint into ``D/evaluation.json`` (``vagan_tf.evaluate``).
"""
import argparse
import contextlib
import logging
import os
import sys

import gin

GIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gin")


@gin.configurable
def experiment(model_dir, factory=gin.REQUIRED, seed=0):
    """The run in ``model_dir``: ``factory(model_dir=...)``, e.g. ``experiment.factory = @GANExperiment``.

    ``seed`` seeds Python, NumPy and Keras before anything is built, so the
    initial weights of a run are a function of its config.
    """
    import keras

    keras.utils.set_random_seed(seed)
    return factory(model_dir=model_dir)


def parse_gin(files, params):
    """Parses gin files and bindings, turning gin's errors into one readable line."""
    import vagan_tf  # noqa: F401  (registers every configurable)

    for path in (os.getcwd(), GIN_DIR):
        gin.add_config_file_search_path(path)
    try:
        with _quiet_root_logger():  # gin logs every search-path miss before it finds a file
            gin.parse_config_files_and_bindings(files, params, finalize_config=True)
    except (ValueError, KeyError, IOError, SyntaxError) as error:
        raise SystemExit(f"vagan: bad gin configuration: {error}") from None


@contextlib.contextmanager
def _quiet_root_logger():
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _train(args):
    if not args.gin_file:
        raise SystemExit("vagan train: give at least one --gin_file")
    parse_gin(args.gin_file, args.gin_param)
    record = experiment(model_dir=args.model_dir).train()
    print(f"vagan: trained {args.model_dir}; final evaluation: {record}")
    print(f"vagan: exported {os.path.join(args.model_dir, 'export')}")


def _export(args):
    config = os.path.join(args.model_dir, "config.gin")
    if not os.path.exists(config):
        raise SystemExit(f"vagan export: {config} not found; is {args.model_dir} a vagan run?")
    parse_gin([config], args.gin_param)
    run = experiment(model_dir=args.model_dir)
    step = run.restore()
    if step == 0:
        raise SystemExit(f"vagan export: no checkpoint in {args.model_dir}/checkpoints")
    print(f"vagan: exported step {step} to {run.export()}")


def _sample_argument(sampler, export_dir, observations_path, n):
    """What ``sampler.sample`` takes: a count n, or the rows of ``observations_path`` [n, d]
    for an export that samples per observation (a policy sampler)."""
    import numpy as np
    import tensorflow as tf

    [spec], _ = sampler.sample.concrete_functions[0].structured_input_signature
    if not spec.dtype.is_floating:
        if observations_path:
            raise SystemExit(f"vagan sample: {export_dir} samples a count, not per observation; "
                             f"drop --observations")
        return tf.constant(n, tf.int32)
    if not observations_path:
        raise SystemExit(f"vagan sample: {export_dir} samples per observation; give "
                         f"--observations X.npy with rows of {spec.shape[1]} values")
    observations = np.load(observations_path)
    if observations.ndim != 2 or observations.shape[1] != spec.shape[1]:
        raise SystemExit(f"vagan sample: {observations_path} has shape {observations.shape}; "
                         f"{export_dir} expects [n, {spec.shape[1]}]")
    return tf.constant(observations, tf.float32)


def _sample(args):
    import numpy as np
    import tensorflow as tf

    from vagan_tf.plots import save_samples_png

    export_dir = os.path.join(args.model_dir, "export")
    if not os.path.isdir(export_dir):
        raise SystemExit(f"vagan sample: {export_dir} not found; run `vagan export` first")
    sampler = tf.saved_model.load(export_dir)  # keep a reference: it owns the variables
    samples = sampler.sample(_sample_argument(sampler, export_dir, args.observations,
                                              args.n)).numpy()
    if args.out.endswith(".npy"):
        np.save(args.out, samples)
    elif args.out.endswith(".png"):
        save_samples_png(samples, args.out)
    else:
        raise SystemExit(f"vagan sample: --out must end in .npy or .png; got {args.out}")
    print(f"vagan: wrote {len(samples)} samples to {args.out}")


def _evaluate(args):
    from vagan_tf.evaluate import EvaluationError, evaluate_run, summary_line

    try:
        record = evaluate_run(args.model_dir, args.num_samples, args.gin_file, args.gin_param)
    except EvaluationError as error:
        raise SystemExit(f"vagan evaluate: {error}") from None
    print(summary_line(record, args.model_dir))


def build_parser():
    parser = argparse.ArgumentParser(prog="vagan", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train (or resume) a run from gin files")
    train.add_argument("--gin_file", action="append", default=[], help="gin file (repeatable)")
    train.add_argument("--gin_param", action="append", default=[], help="gin binding (repeatable)")
    train.add_argument("--model_dir", required=True)
    train.set_defaults(run=_train)
    export = commands.add_parser("export", help="export D/export from the latest checkpoint")
    export.add_argument("--model_dir", required=True)
    export.add_argument("--gin_param", action="append", default=[])
    export.set_defaults(run=_export)
    sample = commands.add_parser("sample", help="draw samples from D/export")
    sample.add_argument("--model_dir", required=True)
    sample.add_argument("-n", type=int, default=1000)
    sample.add_argument("--observations", help="X.npy [n, d]: one sample per row, for exports "
                        "that sample per observation (soft Q-learning policies)")
    sample.add_argument("--out", required=True, help="X.npy or X.png")
    sample.set_defaults(run=_sample)
    evaluate = commands.add_parser("evaluate", help="score the latest checkpoint into "
                                   "D/evaluation.json")
    evaluate.add_argument("--model_dir", required=True)
    evaluate.add_argument("--num_samples", type=int, help="default: GANExperiment.eval_samples")
    evaluate.add_argument("--gin_file", action="append", default=[], help="parsed after config.gin")
    evaluate.add_argument("--gin_param", action="append", default=[])
    evaluate.set_defaults(run=_evaluate)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    # oneDNN kernels: 4x faster DCGAN steps on CPUs where TensorFlow leaves them off
    # (benchmarks/image_speed.py); must be set before TensorFlow is imported.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    from vagan_tf.callbacks import NonFiniteLossError

    try:
        args.run(args)
    except (NonFiniteLossError, FileNotFoundError) as error:
        raise SystemExit(f"vagan: {error}") from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
