"""What a run directory promises, under faults: one configuration, one writer, resume from the
checkpoints on disk, no record lost to a kill -9, NaN data caught whatever the kernels."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from vagan_tf.config.checks import RunDirectoryError
from vagan_tf.run.directory import config_bindings, config_changes

from helpers import REPO, TINY, build_run, generator_weights, snapshot, train_args, vagan

TESTS = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- one configuration
def test_config_bindings_read_multi_line_values_and_the_changes_between_two_configs():
    old = "# Parameters:\nA.x = 1\nB.y = [\n    1, 2]\nTOTAL_STEPS = 10\nA.verbose = 1\n"
    new = "A.x = 2\nB.y = [\n    1, 3]\nTOTAL_STEPS = 10\nC.z = 'new'\nA.verbose = 0\n"
    assert config_bindings(old) == {"A.x": "1", "B.y": "[\n    1, 2]", "TOTAL_STEPS": "10",
                                    "A.verbose": "1"}
    assert config_changes(old, new) == [("A.x", "1", "2"), ("B.y", "[\n    1, 2]", "[\n    1, 3]"),
                                        ("C.z", None, "'new'")]


@pytest.mark.parametrize("files, params, named", [
    (["toy/ring.gin", "toy/wgan_gp.gin", "toy/sinusoidal.gin"], TINY, "AnnealedGAN.objective"),
    (["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"], TINY + ["WIDTH = 64"], "WIDTH: 8 -> 64"),
])
def test_resuming_with_other_bindings_is_refused_with_the_diff_and_writes_nothing(
        run_copy, files, params, named):
    before = snapshot(run_copy)
    with pytest.raises(SystemExit) as error:
        vagan(train_args(run_copy, files=files, params=params))
    message = str(error.value)
    assert named in message and "\n" not in message
    after = snapshot(run_copy)
    after.pop("lock"), before.pop("lock")
    assert after == before
    vagan(["export", "--model_dir", str(run_copy)])  # the run is still whole


@pytest.mark.slow
def test_extend_changes_the_length_only(run_copy):
    before = snapshot(run_copy)
    with pytest.raises(SystemExit, match="--extend"):
        vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 30"]))
    with pytest.raises(SystemExit, match="WIDTH"):
        vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 30", "WIDTH = 9"]) + ["--extend"])
    # shorter than the step trained: refused
    with pytest.raises(SystemExit, match="trained to step 20, beyond the run's length 10"):
        vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 10", "linear.total_steps = 20"])
              + ["--extend"])
    # the linear annealing reads %TOTAL_STEPS: a longer run would re-stretch it mid-run
    with pytest.raises(SystemExit, match=r"re-stretches its schedules mid-run: "
                                         r"linear.total_steps \(20 -> 30\).*--stretch_schedules"):
        vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 30"]) + ["--extend"])
    assert snapshot(run_copy) == before
    # keeping the trained horizon is a length change only; so is accepting the stretch
    vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 30", "linear.total_steps = 20"])
          + ["--extend"])
    records = json.loads((run_copy / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20, 30]
    config = (run_copy / "config.gin").read_text()
    assert "TOTAL_STEPS = 30" in config and "linear.total_steps = 20" in config
    vagan(train_args(run_copy, params=TINY + ["TOTAL_STEPS = 40"])
          + ["--extend", "--stretch_schedules"])
    assert "linear.total_steps = %TOTAL_STEPS" in (run_copy / "config.gin").read_text()


# ---------------------------------------------------------------- resume from what exists
@pytest.mark.slow
def test_a_garbled_state_file_resumes_from_the_newest_readable_checkpoint(run_copy, caplog):
    (run_copy / "checkpoints" / "checkpoint").write_text("model_checkpoint_path: \x00garbage{{")
    run = build_run(run_copy, params=TINY + ["TOTAL_STEPS = 30"])
    run.train(extend=True, stretch_schedules=True)
    assert "ckpt-20" in caplog.text
    assert run.step() == 30
    assert run.checkpoint_manager.latest_checkpoint.endswith("ckpt-30")
    records = json.loads((run_copy / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20, 30]


@pytest.mark.slow
def test_a_relative_model_dir_resumes_from_its_state_file_without_warnings(tmp_path, monkeypatch,
                                                                           caplog):
    monkeypatch.chdir(tmp_path)
    build_run("run").train()
    resumed = build_run("run", params=TINY + ["TOTAL_STEPS = 30"])
    resumed.train(extend=True, stretch_schedules=True)
    assert resumed.step() == 30 and "newest checkpoint on disk" not in caplog.text


def test_an_unreadable_newest_checkpoint_falls_back_to_the_one_before(run_copy, finished_run):
    for name in os.listdir(run_copy / "checkpoints"):
        if name.startswith("ckpt-20.data"):
            with open(run_copy / "checkpoints" / name, "r+b") as f:
                f.truncate(10)
    run = build_run(run_copy)
    assert run.restore() == 10 and run.restored_from.endswith("ckpt-10")


def test_a_directory_whose_checkpoints_are_all_unreadable_is_refused(run_copy):
    for name in os.listdir(run_copy / "checkpoints"):
        if ".data" in name:
            with open(run_copy / "checkpoints" / name, "r+b") as f:
                f.truncate(10)
    before = snapshot(run_copy / "checkpoints")
    with pytest.raises(SystemExit, match=r"no checkpoint in .*can be restored: ckpt-20 .*ckpt-10"):
        vagan(train_args(run_copy))
    assert snapshot(run_copy / "checkpoints") == before


def test_a_truncated_metrics_file_is_named_and_nothing_is_written(run_copy):
    (run_copy / "metrics.json").write_text('[{"step": 10, "modes_cov')
    before = snapshot(run_copy)
    with pytest.raises(SystemExit, match=r"metrics\.json is not a readable JSON list"):
        vagan(train_args(run_copy))
    after = snapshot(run_copy)
    after.pop("lock"), before.pop("lock")
    assert after == before


# ---------------------------------------------------------------- one writer
def test_a_second_writer_is_refused_while_the_first_holds_the_lock(run_copy):
    first = build_run(run_copy)
    with first.lock():
        with pytest.raises(RunDirectoryError, match=rf"in use by process {os.getpid()}"):
            build_run(run_copy).train()
        with pytest.raises(SystemExit, match="in use"):
            vagan(["export", "--model_dir", str(run_copy)])
    build_run(run_copy).export()  # released with the block


def test_the_lock_dies_with_its_process(run_copy):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, sys, time
        f = open({str(run_copy / 'lock')!r}, "a+")
        fcntl.flock(f, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SystemExit, match=f"in use by process {holder.pid} "):
            vagan(train_args(run_copy))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    vagan(train_args(run_copy))


# ---------------------------------------------------------------- kill -9
KILLED_RUN = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from helpers import TINY, build_run
from vagan_tf.run import callbacks

save = callbacks.CheckpointEachEpoch.on_epoch_end
def on_epoch_end(self, epoch, logs=None):
    if {before_checkpoint} and epoch == 1:
        os.kill(os.getpid(), signal.SIGKILL)   # the record of step 20 is written, not its checkpoint
    save(self, epoch, logs)
    if not {before_checkpoint} and epoch == 1:
        os.kill(os.getpid(), signal.SIGKILL)   # both are written, the process dies before step 21
callbacks.CheckpointEachEpoch.on_epoch_end = on_epoch_end
build_run({model_dir!r}, params=TINY + ["TOTAL_STEPS = 30"]).train()
"""


@pytest.mark.slow
@pytest.mark.parametrize("before_checkpoint", [True, False])
def test_a_run_killed_mid_way_resumes_to_the_uninterrupted_run(tmp_path, before_checkpoint):
    params = TINY + ["TOTAL_STEPS = 30"]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN.format(tests=TESTS, model_dir=str(tmp_path / "killed"),
                                                 before_checkpoint=before_checkpoint)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = build_run(tmp_path / "killed", params=params)
    resumed.train()
    straight = build_run(tmp_path / "straight", params=params)
    straight.train()
    for a, b in zip(generator_weights(straight), generator_weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    records = json.loads((tmp_path / "killed" / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20, 30]
    # the records too: each evaluation's noise is seeded by (run seed, step)
    assert (tmp_path / "killed" / "metrics.json").read_text() == \
        (tmp_path / "straight" / "metrics.json").read_text()


# ---------------------------------------------------------------- NaN data, either kernels
NAN_RUN = """
import sys
sys.path.insert(0, {tests!r})
import tensorflow as tf
from helpers import TINY, build_run
from vagan_tf.config.checks import NonFiniteLossError

run = build_run({model_dir!r}, params=TINY)
clean = run.dataset_fn
def poisoned(batch_size, start):
    batches = tf.data.Dataset.zip(tf.data.Dataset.counter(start),
                                  clean(batch_size=batch_size, start=start))
    return batches.map(lambda i, x: tf.where(i >= 12, float("nan"), 1.0) * x)
run.dataset_fn = poisoned
try:
    run.train()
except NonFiniteLossError as error:
    print("STOPPED:", error)
"""


@pytest.mark.slow
@pytest.mark.parametrize("onednn", ["0", "1"])
def test_nan_data_stops_training_with_onednn_kernels_on_and_off(tmp_path, onednn):
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", NAN_RUN.format(tests=TESTS, model_dir=str(tmp_path / "run"))],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STOPPED:" in result.stdout and "a real batch" in result.stdout
    assert "non-finite at step 15 (in steps 11-15)" in result.stdout
    assert "ckpt-10 is kept" in result.stdout
    assert not (tmp_path / "run" / "export").exists()
