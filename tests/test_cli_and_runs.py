"""`vagan train|export|sample` end to end on tiny toy runs: run directory, resume, NaN, bad gin."""
import json
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import cli
from vagan_tf.callbacks import NonFiniteLossError

from test_export import load_and_sample_without_vagan_tf

TINY = ["TOTAL_STEPS = 20", "WIDTH = 8", "GANExperiment.steps_per_epoch = 10",
        "GANExperiment.steps_per_execution = 5", "GANExperiment.batch_size = 16",
        "GANExperiment.eval_samples = 200", "GANExperiment.verbose = 0"]
RING_RKL_LINEAR = ["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"]


def train_args(model_dir, files=RING_RKL_LINEAR, params=TINY):
    args = ["train", "--model_dir", str(model_dir)]
    for f in files:
        args += ["--gin_file", f]
    for p in params:
        args += ["--gin_param", p]
    return args


def build_run(model_dir, files=RING_RKL_LINEAR, params=TINY):
    gin.clear_config()
    cli.parse_gin(files, params)
    return cli.experiment(model_dir=str(model_dir))


def generator_weights(run):
    return [v.numpy() for v in run.model.generator.weights]


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
    assert (tmp_path / "x.png").stat().st_size > 0


class InterruptAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("files", [["toy/ring.gin", "toy/jsd.gin", "toy/linear.gin"],
                                   ["toy/grid.gin", "toy/wgan_gp.gin", "toy/none.gin"]])
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


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint_and_export(tmp_path):
    model_dir = tmp_path / "run"
    build_run(model_dir, params=TINY + ["TOTAL_STEPS = 10"]).train()
    export_file = model_dir / "export" / "saved_model.pb"
    exported = export_file.read_bytes()

    run = build_run(model_dir, params=TINY + ["TOTAL_STEPS = 40"])
    run.dataset_fn = poisoned_dataset(run.dataset_fn, from_index=22)
    with pytest.raises(NonFiniteLossError, match=r"non-finite at step 25.*ckpt-20 is kept"):
        run.train()
    assert run.checkpoint_manager.latest_checkpoint.endswith("ckpt-20")
    assert export_file.read_bytes() == exported

    fresh = build_run(model_dir, params=TINY + ["TOTAL_STEPS = 40"])
    assert fresh.restore() == 20
    assert all(np.all(np.isfinite(w)) for w in generator_weights(fresh))


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
