"""The ``vagan`` command line.

    vagan train  --gin_file F [--gin_file G ...] [--gin_param 'x.y=1' ...] --model_dir D [--extend]
    vagan export --model_dir D [--gin_param ...]
    vagan sample --model_dir D -n N --out X.npy|X.png
    vagan sample --model_dir D --observations S.npy --out A.npy   (policy exports)
    vagan evaluate --model_dir D [--num_samples N] [--gin_file F ...] [--gin_param ...]
    vagan rollout --model_dir D [--episodes N] [--seed S] --out T.npz   (soft Q-learning runs)

``train`` parses every gin file and binding before anything is built, so a
misspelt binding fails at once and names itself; rerunning it on the same D
resumes (with the same bindings; ``--extend`` may change the run's length, and
``--stretch_schedules`` the horizon of the schedules that read it).
``export`` rebuilds the run from ``D/config.gin`` and its latest checkpoint;
``sample`` needs only ``D/export``; ``evaluate`` scores the latest checkpoint into
``D/evaluation.json`` (``vagan_tf.run.scoring``); ``rollout`` plays seeded episodes of a soft
Q-learning run's latest checkpoint into T.npz. A user error is one line naming the binding,
file or directory; ``--debug`` shows its traceback. TensorFlow is imported only when a
command runs, after ``set_tensorflow_environment``; ``--verbose`` shows its log lines.
Runs and their directories: docs/guide/runs.md.
"""
import argparse
import itertools
import os
import re
import sys
import tempfile

SAMPLE_CHUNK_BYTES = 64 * 2**20  # vagan sample draws at most this much output per call
SAMPLE_WORKING_BYTES = 256 * 2**20  # ... and at most this much of the network's tensors per call
PNG_MAX_POINTS = 20_000  # a scatter plot of more points shows nothing more
MAX_SAMPLES = 2**40  # vagan sample -n: beyond any disk (and int64 byte counts)


def _train(args):
    from vagan_tf.run.assemble import experiment, parse_gin

    if not args.gin_file:
        raise SystemExit("vagan train: give at least one --gin_file")
    parse_gin(args.gin_file, args.gin_param)
    record = experiment(model_dir=args.model_dir).train(
        extend=args.extend, stretch_schedules=args.stretch_schedules)
    print(f"vagan: trained {args.model_dir}; final evaluation: {record}")
    print(f"vagan: exported {os.path.join(args.model_dir, 'export')}")


def _export(args):
    import gin

    from vagan_tf.run.assemble import experiment, parse_gin
    from vagan_tf.run.directory import config_changes

    config = os.path.join(args.model_dir, "config.gin")
    if not os.path.exists(config):
        raise SystemExit(f"vagan export: {config} not found; is {args.model_dir} a vagan run?")
    parse_gin([config], args.gin_param)
    with open(config, encoding="utf-8") as f:
        changes = config_changes(f.read(), gin.config_str())
    if changes:  # the export would sample another law than the run's
        diff = "; ".join(f"{name}: {old} -> {new}" for name, old, new in changes)
        raise SystemExit(f"vagan export: --gin_param may change only where the run executes; "
                         f"these change what {args.model_dir} is: {diff}")
    step, path = experiment(model_dir=args.model_dir).export_latest()
    print(f"vagan: exported step {step} to {path}")


def _sample_argument(sampler, export_dir, observations_path, n):
    """What ``sampler.sample`` takes: a count n, or the rows of ``observations_path`` [n, d]
    for an export that samples per observation (a policy sampler)."""
    import numpy as np

    [spec], _ = sampler.sample.concrete_functions[0].structured_input_signature
    if not spec.dtype.is_floating:
        if observations_path:
            raise SystemExit(f"vagan sample: {export_dir} samples a count, not per observation; "
                             f"drop --observations")
        if n <= 0:
            raise SystemExit(f"vagan sample: -n must be a positive count; got {n}")
        return n
    if not observations_path:
        raise SystemExit(f"vagan sample: {export_dir} samples per observation; give "
                         f"--observations X.npy with rows of {spec.shape[1]} values")
    try:
        observations = np.load(observations_path)
    except (OSError, ValueError) as error:
        raise SystemExit(f"vagan sample: cannot read --observations {observations_path}: "
                         f"{error}") from None
    if observations.ndim != 2 or observations.shape[1] != spec.shape[1]:
        raise SystemExit(f"vagan sample: {observations_path} has shape {observations.shape}; "
                         f"{export_dir} expects [n, {spec.shape[1]}]")
    if not np.issubdtype(observations.dtype, np.number):
        raise SystemExit(f"vagan sample: {observations_path} holds {observations.dtype}, "
                         "not numbers")
    bad = np.flatnonzero(~np.all(np.isfinite(observations), axis=1))
    if bad.size:
        raise SystemExit(f"vagan sample: {observations_path} holds NaN or inf in {bad.size} "
                         f"row(s) (first: row {bad[0]}); a policy samples finite observations")
    return observations.astype(np.float32)


def working_bytes_per_row(function):
    """Bytes of all the tensors a call of the concrete ``function`` computes, per row of its
    batch: the sum over its graph's outputs of shape [batch, ...] of prod(...) x itemsize.
    An upper bound on the memory one row costs while the call runs (TensorFlow frees each
    tensor when its last reader is done).

    Args:
        function: a concrete function of a loaded SavedModel (``sampler.sample``'s).

    Returns:
        The bytes per row, an int (0 if no tensor has a leading batch dimension).
    """
    total = 0
    for op in function.graph.get_operations():
        for tensor in op.outputs:
            shape, dtype = tensor.shape, tensor.dtype
            if (shape.rank and shape[0] is None and shape[1:].is_fully_defined()
                    and (dtype.is_floating or dtype.is_integer or dtype.is_bool)):
                total += shape[1:].num_elements() * dtype.size
    return total


def _draw_in_chunks(sampler, argument):
    """Yields ``sampler.sample`` outputs for ``argument`` (a count, or observation rows), in
    calls of at most ``SAMPLE_CHUNK_BYTES`` of output and ``SAMPLE_WORKING_BYTES`` of the
    network's tensors each."""
    import tensorflow as tf

    total = argument if isinstance(argument, int) else len(argument)
    per_row = working_bytes_per_row(sampler.sample.concrete_functions[0])
    rows = SAMPLE_WORKING_BYTES // max(1, per_row)
    done, chunk = 0, max(1, min(total, 256, rows))
    while done < total:
        part = (tf.constant(chunk, tf.int32) if isinstance(argument, int)
                else tf.constant(argument[done:done + chunk]))
        samples = sampler.sample(part).numpy()
        yield samples
        done += len(samples)
        output_rows = SAMPLE_CHUNK_BYTES // max(1, samples[0].nbytes)
        chunk = int(min(total - done, max(1, min(output_rows, rows))))


def _write_npy(out, count, chunks):
    """Writes the arrays of ``chunks`` (``count`` rows in all) as one .npy file ``out``:
    appended to a temporary file, then renamed; a failure (a full disk, a file size limit,
    Ctrl-C) removes the temporary file and leaves ``out`` as it was."""
    import numpy as np

    from vagan_tf.run.directory import atomic_file

    chunks = iter(chunks)
    first = next(chunks)
    _check_room(out, count * first[0].nbytes)
    with atomic_file(out, "wb", tmp_suffix=".tmp.npy") as f:
        np.lib.format.write_array_header_2_0(f, {
            "descr": np.lib.format.dtype_to_descr(first.dtype), "fortran_order": False,
            "shape": (count, *first.shape[1:])})
        for samples in itertools.chain([first], chunks):
            f.write(np.ascontiguousarray(samples).tobytes())


def _check_room(out, size):
    """Refuses an output of ``size`` bytes that the disk of ``out`` has no room for."""
    import shutil

    free = shutil.disk_usage(os.path.dirname(os.path.abspath(out))).free
    if size > free:
        raise SystemExit(f"vagan sample: {out} would take {size / 2**20:,.0f} MiB; its disk has "
                         f"{free / 2**20:,.0f} MiB free (ask for fewer samples with -n)")


def _sample(args):
    import numpy as np
    import tensorflow as tf

    from vagan_tf.evaluation.plots import save_samples_png

    out = args.out
    if not out.endswith((".npy", ".png")):
        raise SystemExit(f"vagan sample: --out must end in .npy or .png; got {out}")
    out_dir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(out_dir):
        raise SystemExit(f"vagan sample: the directory of --out {out} does not exist")
    if args.n > MAX_SAMPLES:
        raise SystemExit(f"vagan sample: -n {args.n} is more than {MAX_SAMPLES:,} samples")
    export_dir = os.path.join(args.model_dir, "export")
    if not os.path.isfile(os.path.join(export_dir, "saved_model.pb")):
        raise SystemExit(f"vagan sample: no SavedModel in {export_dir}; run `vagan export "
                         f"--model_dir {args.model_dir}` first")
    # one version of the export, even if a training process swaps in a new one meanwhile
    sampler = tf.saved_model.load(os.path.realpath(export_dir))  # it owns the variables: keep it
    argument = _sample_argument(sampler, export_dir, args.observations, args.n)
    if out.endswith(".png"):
        if isinstance(argument, int):
            argument = min(argument, PNG_MAX_POINTS)
        samples = np.concatenate(list(_draw_in_chunks(sampler, argument)))
        save_samples_png(samples, out)
        print(f"vagan: plotted {len(samples)} samples in {out}")
        return
    count = argument if isinstance(argument, int) else len(argument)
    _write_npy(out, count, _draw_in_chunks(sampler, argument))
    print(f"vagan: wrote {count} samples to {out}")


def _evaluate(args):
    from vagan_tf.run.scoring import evaluate_run, summary_line

    record = evaluate_run(args.model_dir, args.num_samples, args.gin_file, args.gin_param)
    print(summary_line(record, args.model_dir))


def _rollout(args):
    import numpy as np

    from vagan_tf.run.assemble import experiment, parse_gin

    if not args.out.endswith(".npz"):
        raise SystemExit(f"vagan rollout: --out must be a .npz file; got {args.out}")
    if args.episodes < 1:
        raise SystemExit(f"vagan rollout: --episodes must be a positive count; got {args.episodes}")
    if args.seed is not None and not 0 <= args.seed < 2**32 - args.episodes:
        raise SystemExit(f"vagan rollout: --seed must be a count from 0 to "
                         f"{2**32 - 1 - args.episodes:,} (episode i plays seed + i); "
                         f"got {args.seed}")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        raise SystemExit(f"vagan rollout: the folder of {args.out} does not exist")
    config = os.path.join(args.model_dir, "config.gin")
    if not os.path.exists(config):
        raise SystemExit(f"vagan rollout: {config} not found; is {args.model_dir} a vagan run?")
    parse_gin([config], [])
    run = experiment(model_dir=args.model_dir)
    if not hasattr(run, "rollout_latest"):
        raise SystemExit(f"vagan rollout: {args.model_dir} is not a soft Q-learning run")
    step, episodes = run.rollout_latest(args.episodes, args.seed)
    arrays = {name: np.concatenate([e[name] for e in episodes]) for name in episodes[0]}
    arrays["episode"] = np.concatenate([np.full(len(e["rewards"]), i)
                                        for i, e in enumerate(episodes)])
    arrays["returns"] = np.array([e["rewards"].sum() for e in episodes])
    tmp = args.out + ".tmp.npz"
    np.savez(tmp, step=step, **arrays)
    os.replace(tmp, args.out)
    print(f"vagan: wrote {len(episodes)} episodes of step {step} to {args.out}; returns "
          + ", ".join(f"{r:.2f}" for r in arrays["returns"]))


def build_parser():
    """The ``vagan`` argument parser.

    Returns:
        An ``argparse.ArgumentParser`` with one subcommand per command; each sets ``run``,
        the function that runs it on the parsed arguments.
    """
    parser = argparse.ArgumentParser(prog="vagan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of its one-line message")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's log lines")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train (or resume) a run from gin files")
    train.add_argument("--gin_file", action="append", default=[], help="gin file (repeatable)")
    train.add_argument("--gin_param", action="append", default=[], help="gin binding (repeatable)")
    train.add_argument("--model_dir", required=True)
    train.add_argument("--extend", action="store_true",
                       help="resume a run with another length (TOTAL_STEPS); every other "
                       "binding must match the run's config.gin")
    train.add_argument("--stretch_schedules", action="store_true",
                       help="with --extend: let schedules that read TOTAL_STEPS take the new "
                       "length as their horizon from the resumed step on")
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
    rollout = commands.add_parser("rollout", help="play seeded episodes of a soft Q-learning "
                                  "run's latest checkpoint into T.npz")
    rollout.add_argument("--model_dir", required=True)
    rollout.add_argument("--episodes", type=int, default=1)
    rollout.add_argument("--seed", type=int, help="default: the evaluation seed of the step, "
                         "so that --episodes RLExperiment.eval_episodes replays its evaluation")
    rollout.add_argument("--out", required=True, help="T.npz: observations, actions, rewards, "
                         "episode (index per step), returns, step")
    rollout.set_defaults(run=_rollout)
    return parser


def _one_line(error):
    """The first line of ``error``'s message, prefixed by the gin configurable it came from."""
    from vagan_tf.config.checks import error_line

    text = error_line(error)
    configurable = re.search(r"In call to configurable '([^']+)'", str(error))
    if configurable and configurable.group(1) not in text:
        text = f"{configurable.group(1)}: {text}"
    return text


def set_tensorflow_environment(verbose=False):
    """The environment TensorFlow reads when it is imported, set unless the user set it:
    oneDNN kernels on (4x faster DCGAN steps on CPUs where TensorFlow leaves them off,
    benchmarks/image_speed.py) and, unless ``verbose``, its C++ log lines off.

    Args:
        verbose: leave TensorFlow's C++ log lines on (``TF_CPP_MIN_LOG_LEVEL`` untouched).
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def import_tensorflow_quietly():
    """Imports TensorFlow and finds its devices with the process's stderr (file descriptor 2)
    set aside: the lines its libraries log before TF_CPP_MIN_LOG_LEVEL takes effect (no CUDA
    driver, CPU features) are dropped, and replayed if the import fails with an error."""
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except Exception:  # a failed import says why; Ctrl-C needs no replay
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _user_errors():
    """The exceptions that end a command with one line: the package's user errors, the
    operating system's (a full disk, a file size limit) and TensorFlow's (if it is loaded)."""
    from vagan_tf.config.checks import NonFiniteLossError, RunDirectoryError, TrainingStoppedError

    errors = (NonFiniteLossError, RunDirectoryError, TrainingStoppedError, ValueError, OSError,
              RecursionError, OverflowError, MemoryError)
    tensorflow = sys.modules.get("tensorflow")
    return errors + ((tensorflow.errors.OpError,) if tensorflow is not None else ())


def main(argv=None):
    """Runs one ``vagan`` command.

    Args:
        argv: the arguments after the program's name; None reads ``sys.argv``.

    Returns:
        0, the exit status of a command that succeeded.

    Raises:
        SystemExit: a user error (``_user_errors``) or Ctrl-C, with a one-line message (with
            ``--debug``, the error itself propagates); argparse's usage errors (status 2).
    """
    args = build_parser().parse_args(argv)
    set_tensorflow_environment(args.verbose or args.debug)  # before TensorFlow is imported
    try:
        if not (args.verbose or args.debug):
            import_tensorflow_quietly()
        args.run(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        raise SystemExit(f"vagan {args.command}: interrupted; {_what_was_kept(args)}") from None
    except Exception as error:  # noqa: BLE001  (sorted by _user_errors below)
        if args.debug or not isinstance(error, _user_errors()):
            raise
        raise SystemExit(f"vagan {args.command}: {_one_line(error)} "
                         "(--debug shows the traceback)") from None
    return 0


def _what_was_kept(args):
    """What an interrupted command leaves behind, in words."""
    if args.command in ("train", "export"):
        from vagan_tf.run.directory import checkpoints_on_disk

        on_disk = checkpoints_on_disk(os.path.join(args.model_dir, "checkpoints"))
        kept = (f"{args.model_dir} keeps its checkpoint of step {on_disk[0][0]}; rerun the "
                "same command to resume" if on_disk else f"{args.model_dir} holds no checkpoint")
        return kept if args.command == "train" else kept + " and its previous export"
    if args.command == "evaluate":
        return f"{os.path.join(args.model_dir, 'evaluation.json')} is unchanged"
    return f"{args.out} was not written"


if __name__ == "__main__":
    sys.exit(main())
