"""`vagan train|export|sample` end to end on tiny toy runs: run directory, resume, NaN, bad gin."""
import json
import os
import re

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow as tf

from vagan_tf import cli
from vagan_tf.config.checks import ConfigurationError
from vagan_tf.run.callbacks import NonFiniteLossError

from helpers import (TINY, build_run, generator_weights, load_and_sample_without_vagan_tf,
                     train_args)

@pytest.mark.slow
def test_train_writes_the_run_directory_and_the_export_samples_without_vagan_tf(tmp_path):
    model_dir = tmp_path / "run"
    cli.main(train_args(model_dir))
    for name in ["config.gin", "operative_config.gin", "samples.png", "metrics.json",
                 "checkpoints", "logs", "export"]:
        assert (model_dir / name).exists(), name
    operative = (model_dir / "operative_config.gin").read_text()
    assert "AnnealedGAN.objective = @rkl()" in operative
    assert "TOTAL_STEPS = 20" in operative and "linear.total_steps = %TOTAL_STEPS" in operative
    records = json.loads((model_dir / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20]
    assert {"modes_covered", "high_quality", "symmetric_kl", "energy_distance"} <= set(records[-1])
    assert any(name.startswith("events") for _, _, files in os.walk(model_dir / "logs")
               for name in files)
    samples = load_and_sample_without_vagan_tf(str(model_dir / "export"))
    assert samples.shape == (1000, 2)

    cli.main(["sample", "--model_dir", str(model_dir), "-n", "64", "--out", str(tmp_path / "x.npy")])
    assert np.load(tmp_path / "x.npy").shape == (64, 2)
    cli.main(["sample", "--model_dir", str(model_dir), "-n", "64", "--out", str(tmp_path / "x.png")])
    import matplotlib.pyplot as plt

    picture = plt.imread(tmp_path / "x.png")  # a scatter: a white page with points drawn on it
    assert picture.ndim == 3 and min(picture.shape[:2]) >= 100
    inked = np.mean(picture[..., :3], axis=-1) < 0.9
    assert 0.001 < inked.mean() < 0.5


class InterruptAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("files", [["toy/ring.gin", "toy/jsd.gin", "toy/linear.gin"],
                                   ["toy/grid.gin", "toy/wgan_gp.gin", "toy/none.gin"]])
@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path, files):
    params = TINY + ["TOTAL_STEPS = 30"]
    straight = build_run(tmp_path / "straight", files, params)
    straight.train()

    interrupted = build_run(tmp_path / "resumed", files, params)
    interrupted.callbacks.append(InterruptAtEpochEnd(2))
    with pytest.raises(KeyboardInterrupt):
        interrupted.train()
    assert int(interrupted.model.step.numpy()) == 20

    resumed = build_run(tmp_path / "resumed", files, params)
    resumed.train()
    assert int(resumed.model.step.numpy()) == 30
    for a, b in zip(generator_weights(straight), generator_weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    records = json.loads((tmp_path / "resumed" / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20, 30]


def poisoned_dataset(clean_fn, from_index):
    """The clean stream with NaN batches from batch ``from_index`` on."""
    def dataset_fn(batch_size, start):
        def poison(i, batch):
            return tf.where(i >= from_index, np.nan, 1.0) * batch
        clean = clean_fn(batch_size=batch_size, start=start)
        return tf.data.Dataset.zip(tf.data.Dataset.counter(start), clean).map(poison)
    return dataset_fn


@pytest.mark.slow
def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint_and_export(tmp_path):
    model_dir = tmp_path / "run"
    build_run(model_dir, params=TINY + ["TOTAL_STEPS = 10"]).train()
    export_file = model_dir / "export" / "saved_model.pb"
    exported = export_file.read_bytes()

    run = build_run(model_dir, params=TINY + ["TOTAL_STEPS = 40"])
    run.dataset_fn = poisoned_dataset(run.dataset_fn, from_index=22)
    with pytest.raises(NonFiniteLossError,
                       match=r"a real batch.*non-finite at step 25 \(in steps 21-25\).*ckpt-20 is kept"):
        run.train(extend=True, stretch_schedules=True)
    assert run.checkpoint_manager.latest_checkpoint.endswith("ckpt-20")
    assert export_file.read_bytes() == exported

    fresh = build_run(model_dir, params=TINY + ["TOTAL_STEPS = 40"])
    assert fresh.restore() == 20
    assert all(np.all(np.isfinite(w)) for w in generator_weights(fresh))


@pytest.mark.slow
def test_vagan_export_rebuilds_the_export_from_the_checkpoint(tmp_path):
    model_dir = tmp_path / "run"
    cli.main(train_args(model_dir))
    z = tf.random.normal((7, 16))
    exported = tf.saved_model.load(str(model_dir / "export"))
    before = exported.serve(z).numpy()
    os.rename(model_dir / "export", tmp_path / "old_export")
    gin.clear_config()
    cli.main(["export", "--model_dir", str(model_dir)])
    reexported = tf.saved_model.load(str(model_dir / "export"))
    after = reexported.serve(z).numpy()
    np.testing.assert_allclose(after, before, rtol=1e-6)


@pytest.mark.parametrize("binding, named", [("AnnealedGAN.n_critics = 2", "n_critics"),
                                            ("Frobnicator.rate = 2", "Frobnicator")])
def test_an_unknown_gin_binding_fails_before_training_and_names_itself(tmp_path, binding, named):
    with pytest.raises(SystemExit, match=named):
        cli.main(train_args(tmp_path / "run", params=TINY + [binding]))
    assert not (tmp_path / "run").exists()


def test_a_missing_gin_file_is_named(tmp_path):
    with pytest.raises(SystemExit, match="toy/nowhere.gin"):
        cli.main(train_args(tmp_path / "run", files=["toy/nowhere.gin"]))


@pytest.mark.parametrize("binding, named", [
    ("TOTAL_STEPS = 0", "linear: total_steps must be positive, got 0"),  # the schedule's length
    ("GANExperiment.total_steps = -100", "GANExperiment.total_steps must be a positive integer; "
                                         "got -100"),
    ("GANExperiment.steps_per_epoch = 0", "GANExperiment.steps_per_epoch must be a positive"),
    ("GANExperiment.eval_samples = 0", "GANExperiment.eval_samples must be a positive"),
    ("GANExperiment.batch_size = 'abc'", "GANExperiment.batch_size must be a positive integer; "
                                         "got 'abc'"),
    ("GANExperiment.batch_size = 0", "GANExperiment.batch_size must be a positive"),
    ("TOTAL_STEPS = 25", r"total_steps \(25\) must be a multiple of "
                         r"GANExperiment.steps_per_epoch \(10\)"),
    ("GANExperiment.steps_per_execution = 3", r"steps_per_epoch \(10\) must be a multiple of "
                                              r"GANExperiment.steps_per_execution \(3\)"),
    ("AnnealedGAN.seed = (1, 2", r"EOF in multi-line statement in 'AnnealedGAN.seed = \(1, 2'"),
])
def test_a_bad_value_is_one_line_naming_the_binding_and_nothing_is_written(tmp_path, capsys,
                                                                           binding, named):
    with pytest.raises(SystemExit) as error:
        cli.main(train_args(tmp_path / "run", params=TINY + [binding]))
    message = str(error.value)
    assert re.search(named, message) and "\n" not in message
    assert not (tmp_path / "run").exists()


def test_debug_shows_the_error_itself(tmp_path):
    with pytest.raises(ConfigurationError, match="total_steps"):
        cli.main(["--debug"] + train_args(tmp_path / "run",
                                          params=TINY + ["GANExperiment.total_steps = 0"]))


@pytest.mark.parametrize("make, named", [
    (lambda path: path.write_text("not a directory"), "is a file, not a run directory"),
    (lambda path: None, "cannot write the run directory"),
])
def test_a_model_dir_that_cannot_be_a_run_is_named(tmp_path, make, named):
    model_dir = tmp_path / "run"
    make(model_dir)
    if not model_dir.exists():  # a directory no process may create, root included
        model_dir = "/proc/vagan_run"
    with pytest.raises(SystemExit, match=named):
        cli.main(train_args(model_dir))


@pytest.fixture(scope="module")
def exported_run(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("exported") / "run"
    gin.clear_config()
    cli.main(train_args(model_dir))
    return model_dir


@pytest.mark.parametrize("args, named", [
    (["-n", "-5", "--out", "x.npy"], "-n must be a positive count; got -5"),
    (["-n", "5", "--out", "x.txt"], "--out must end in .npy or .png; got x.txt"),
    (["-n", "5", "--out", "nowhere/x.npy"], "the directory of --out nowhere/x.npy does not exist"),
])
def test_vagan_sample_names_a_bad_argument(exported_run, tmp_path, monkeypatch, args, named):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=re.escape(named)):
        cli.main(["sample", "--model_dir", str(exported_run)] + args)
    assert os.listdir(tmp_path) == []


def test_vagan_sample_checks_out_before_it_looks_for_an_export(tmp_path):
    with pytest.raises(SystemExit, match="--out must end in"):
        cli.main(["sample", "--model_dir", str(tmp_path), "--out", str(tmp_path / "x.txt")])


def test_vagan_sample_names_an_empty_export(tmp_path):
    (tmp_path / "export").mkdir()
    with pytest.raises(SystemExit, match=r"no SavedModel in .*export; run `vagan export"):
        cli.main(["sample", "--model_dir", str(tmp_path), "--out", str(tmp_path / "x.npy")])


@pytest.mark.parametrize("bound", ["output", "working memory"])
def test_vagan_sample_draws_in_chunks_of_bounded_size(exported_run, tmp_path, monkeypatch, bound):
    if bound == "output":
        monkeypatch.setattr(cli, "SAMPLE_CHUNK_BYTES", 100 * 2 * 4)  # 100 points of 2 float32
    else:  # 100 rows of the network's tensors, at least its 2 float32 outputs a row
        sampler = tf.saved_model.load(str(exported_run / "export"))
        per_row = cli.working_bytes_per_row(sampler.sample.concrete_functions[0])
        assert per_row > 2 * 4
        monkeypatch.setattr(cli, "SAMPLE_WORKING_BYTES", 100 * per_row)
    calls = []
    draw = cli._draw_in_chunks

    def counted(sampler, argument):
        for samples in draw(sampler, argument):
            calls.append(len(samples))
            yield samples
    monkeypatch.setattr(cli, "_draw_in_chunks", counted)
    cli.main(["sample", "--model_dir", str(exported_run), "-n", "1234",
              "--out", str(tmp_path / "x.npy")])
    samples = np.load(tmp_path / "x.npy")
    assert samples.shape == (1234, 2) and np.all(np.isfinite(samples))
    assert max(calls) <= (256 if bound == "output" else 100) and sum(calls) == 1234
    assert len(calls) > 10
    first, second = calls[0], calls[0] + calls[1]
    assert not np.array_equal(samples[:calls[1]], samples[first:second])  # fresh noise per chunk
    assert os.listdir(tmp_path) == ["x.npy"]
