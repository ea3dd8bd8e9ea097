"""The command line under hostile input and faults: help without TensorFlow, the oneDNN
switch, one-line errors where a traceback would be, nothing silently changed in a run."""
import os
import subprocess
import sys

import pytest

from helpers import REPO, TINY, build_run, snapshot, train_args, vagan

TF_LOG_MARKS = ("I0000", "W0000", "E0000", "absl::InitializeLog", "cpu_feature_guard", "oneDNN")
COMMANDS = ["train", "export", "sample", "evaluate", "rollout"]


def run_vagan(args, env=None, cwd=REPO, timeout=300):
    """``vagan ARGS`` in a fresh process whose environment holds none of TensorFlow's
    variables that the test process set, plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    return subprocess.run([sys.executable, "-m", "vagan_tf.cli", *args], cwd=cwd,
                          env={**base, "PYTHONPATH": REPO, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(result, command):
    """Asserts ``result`` failed with one line ``vagan COMMAND: ...``, no traceback; returns it."""
    assert result.returncode not in (0, None) and result.returncode > 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(TF_LOG_MARKS)]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith(f"vagan {command}: "), result.stderr[-3000:]
    return lines[0]


# ---------------------------------------------------------------- help, TensorFlow's environment
HELP_WITHOUT_TENSORFLOW = """
import sys
from vagan_tf import cli
for args in [["--help"]] + [[command, "--help"] for command in {commands!r}]:
    try:
        cli.main(args)
    except SystemExit as end:
        assert end.code == 0, (args, end.code)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
print("LOADED", loaded)
"""


@pytest.mark.slow
def test_help_of_every_command_imports_no_tensorflow_and_prints_no_log_line():
    result = subprocess.run([sys.executable, "-c", HELP_WITHOUT_TENSORFLOW.format(
        commands=COMMANDS)], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": REPO})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout
    for command in ["--help", *COMMANDS]:
        shown = run_vagan([command] if command == "--help" else [command, "--help"])
        assert shown.returncode == 0 and "usage: vagan" in shown.stdout
        assert shown.stderr == ""


@pytest.mark.slow
@pytest.mark.parametrize("setting", [None, "0"])
def test_the_onednn_switch_reaches_tensorflow_unless_the_user_set_it(finished_run, tmp_path,
                                                                     setting):
    """TensorFlow reads TF_ENABLE_ONEDNN_OPTS when imported, and says so at log level 0."""
    env = {"TF_CPP_MIN_LOG_LEVEL": "0", **({"TF_ENABLE_ONEDNN_OPTS": setting} if setting else {})}
    out = tmp_path / "s.npy"
    result = run_vagan(["--verbose", "sample", "--model_dir", str(finished_run), "-n", "10",
                        "--out", str(out)], env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("oneDNN custom operations are on" in result.stderr) == (setting is None)
    if setting is not None:
        return
    quiet = run_vagan(["sample", "--model_dir", str(finished_run), "-n", "10", "--out", str(out)])
    assert quiet.returncode == 0 and not any(mark in quiet.stderr for mark in TF_LOG_MARKS), \
        quiet.stderr


# ---------------------------------------------------------------- a run directory's records
def test_a_trained_run_without_its_checkpoints_is_not_restarted_over_its_records(run_copy):
    for name in ["checkpoints", "export", "exports"]:  # records beyond the first epoch remain
        subprocess.run(["rm", "-rf", str(run_copy / name)], check=True)
    before = snapshot(run_copy)
    with pytest.raises(SystemExit, match=r"holds no checkpoint, but .* holds metrics.json "
                                         r"\(records to step 20\) of a trained run"):
        vagan(train_args(run_copy, params=TINY + ["WIDTH = 64"]))
    assert snapshot(run_copy) == before


def test_export_refuses_bindings_that_change_what_the_run_samples(run_copy):
    before = snapshot(run_copy)
    with pytest.raises(SystemExit, match=r"vagan export: --gin_param may change only where the "
                                         r"run executes; .*AnnealedGAN.latent"):
        vagan(["export", "--model_dir", str(run_copy), "--gin_param",
               "AnnealedGAN.latent = @uniform_latent()"])
    assert snapshot(run_copy) == before
    vagan(["export", "--model_dir", str(run_copy), "--gin_param", "GANExperiment.verbose = 2"])


@pytest.mark.parametrize("damage, message", [
    ("[1, 2]", "holds a list with int, not a list of records"),
    ('{"step": 10}', "holds a dict, not a list of records")])
def test_metrics_that_are_not_a_list_of_records_are_refused_before_training(run_copy, damage,
                                                                            message):
    (run_copy / "metrics.json").write_text(damage)
    before = snapshot(run_copy)
    with pytest.raises(SystemExit, match=message):
        vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 30", "linear.total_steps = 20"])
              + ["--extend"])
    assert snapshot(run_copy) == before


@pytest.mark.parametrize("name", ["checkpoints", "logs"])
def test_a_file_where_the_run_keeps_a_directory_is_refused_before_anything_is_written(tmp_path,
                                                                                      name):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / name).write_text("not a directory")
    with pytest.raises(SystemExit, match=rf"{name} is a file; the run keeps a directory there"):
        vagan(train_args(tmp_path / "run"))
    assert sorted(os.listdir(tmp_path / "run")) == sorted(["lock", name])


@pytest.mark.parametrize("state", [b"", bytes(range(256))])
def test_an_empty_or_binary_state_file_does_not_stop_export_or_train(run_copy, state, caplog):
    (run_copy / "checkpoints" / "checkpoint").write_bytes(state)
    vagan(["export", "--model_dir", str(run_copy)])
    assert "is unreadable" in caplog.text
    vagan(train_args(run_copy))  # finished: evaluates the restored step 20 and exports
    assert "ckpt-20" in (run_copy / "checkpoints" / "checkpoint").read_text()


def test_gin_errors_are_one_short_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop.gin").write_text('include "loop.gin"\n')
    with pytest.raises(SystemExit, match=r"loop.gin include a gin file that includes itself"):
        vagan(train_args(tmp_path / "run", files=["toy/ring.gin", "loop.gin"]))
    with pytest.raises(SystemExit) as undefined:
        vagan(train_args(tmp_path / "run", params=TINY + ["WIDTH = %NOPE"]))
    assert "NOPE" in str(undefined.value) and len(str(undefined.value)) < 200
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- hostile arguments
@pytest.mark.parametrize("args, message", [
    (["-n", str(10**23)], r"-n 100000000000000000000000 is more than"),
    (["-n", str(10**12)], r"would take 7,629,395 MiB; its disk has .* MiB free"),
    (["-n", "0"], "-n must be a positive count")])
def test_sample_refuses_counts_it_cannot_write(finished_run, tmp_path, args, message):
    with pytest.raises(SystemExit, match=message):
        vagan(["sample", "--model_dir", str(finished_run), "--out", str(tmp_path / "s.npy"), *args])
    assert os.listdir(tmp_path) == []


def test_rollout_refuses_a_negative_seed_before_anything_is_built(tmp_path):
    with pytest.raises(SystemExit, match=r"--seed must be a count from 0 .* got -5"):
        vagan(["rollout", "--model_dir", str(tmp_path), "--seed", "-5", "--out",
               str(tmp_path / "t.npz")])


# ---------------------------------------------------------------- faults: one line, nothing lost
def limited_file_size(limit):
    """A preexec_fn: files of at most ``limit`` bytes (``ulimit -f``)."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_sample_past_a_file_size_limit_is_one_line_and_leaves_no_temporary_file(finished_run,
                                                                                tmp_path):
    out = tmp_path / "s.npy"
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "vagan_tf.cli", "sample", "--model_dir", str(finished_run),
         "-n", "200000", "--out", str(out)], cwd=REPO, env={**env, "PYTHONPATH": REPO},
        capture_output=True, text=True, timeout=300, preexec_fn=limited_file_size(2**20))
    assert "File too large" in one_line_error(result, "sample")
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_training_past_a_file_size_limit_is_one_line_and_keeps_a_readable_checkpoint(finished_run,
                                                                                    tmp_path):
    subprocess.run(["cp", "-a", str(finished_run), str(tmp_path / "run")], check=True)
    args = train_args(tmp_path / "run", params=TINY + ["TOTAL_STEPS = 40",
                                                      "linear.total_steps = 20"]) + ["--extend"]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-m", "vagan_tf.cli", *args], cwd=REPO,
                            env={**env, "PYTHONPATH": REPO}, capture_output=True, text=True,
                            timeout=300, preexec_fn=limited_file_size(2**12))
    one_line_error(result, "train")
    leftovers = [name for name in os.listdir(tmp_path / "run" / "checkpoints")
                 if "_temp" in name or ".tmp" in name]
    assert leftovers == []
    run = build_run(tmp_path / "run", params=TINY + ["TOTAL_STEPS = 40",
                                                      "linear.total_steps = 20"])
    assert run.restore() >= 20


def interrupted(args, once):
    """``vagan ARGS`` in a fresh process, sent SIGINT (Ctrl-C) once the path ``once`` exists."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    # a shell's background job inherits SIGINT ignored, and Python then installs no handler
    process = subprocess.Popen([sys.executable, "-m", "vagan_tf.cli", *args], cwd=REPO,
                               env={**env, "PYTHONPATH": REPO}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 600  # TensorFlow's import alone takes minutes on a loaded machine
    while not os.path.exists(once) and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    if not os.path.exists(once):
        process.kill()
        pytest.fail(f"{once} never appeared: {process.communicate()[1][-2000:]}")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)


@pytest.mark.slow
def test_ctrl_c_in_sample_is_one_line_saying_what_was_kept(finished_run, tmp_path):
    out = tmp_path / "s.npy"
    result = interrupted(["sample", "--model_dir", str(finished_run), "-n", str(10**9),
                          "--out", str(out)], once=tmp_path / "s.npy.tmp.npy")
    assert one_line_error(result, "sample") == f"vagan sample: interrupted; {out} was not written"
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_ctrl_c_in_train_is_one_line_saying_what_was_kept(tmp_path):
    model_dir = tmp_path / "run"
    args = train_args(model_dir, params=TINY + ["TOTAL_STEPS = 100000"])
    result = interrupted(args, once=model_dir / "checkpoints" / "ckpt-10.index")
    line = one_line_error(result, "train")
    assert line.startswith(f"vagan train: interrupted; {model_dir} keeps its checkpoint of step ")
    step = int(line.split("of step ")[1].split(";")[0])
    assert step >= 10 and line.endswith("rerun the same command to resume")
    checkpoints = os.listdir(model_dir / "checkpoints")
    assert f"ckpt-{step}.index" in checkpoints and not [c for c in checkpoints if "_temp" in c]
    assert build_run(model_dir, params=TINY + ["TOTAL_STEPS = 100000"]).restore() == step


@pytest.mark.slow
def test_an_op_failing_mid_training_is_one_line_with_the_checkpoint_kept(run_copy):
    """An op error inside fit (here the data pipeline's check of a NaN batch, as a target's
    check of a non-finite log u fails in a later step of a 5-step execution)."""
    import tensorflow as tf

    params = TINY + ["TOTAL_STEPS = 40", "linear.total_steps = 20"]
    run = build_run(run_copy, params=params)
    clean = run.dataset_fn

    def checked(batch_size, start):
        batches = tf.data.Dataset.zip(tf.data.Dataset.counter(start),
                                      clean(batch_size=batch_size, start=start))
        return batches.map(lambda i, x: tf.debugging.check_numerics(
            tf.where(i >= 27, float("nan"), 1.0) * x, "real batch"))
    run.dataset_fn = checked
    from vagan_tf.config.checks import TrainingStoppedError

    with pytest.raises(TrainingStoppedError, match=r"training stopped at step 2\d: .*real batch"
                                                   r".*ckpt-20 is kept"):
        run.train(extend=True)
    assert build_run(run_copy, params=params).restore() == 20
