"""Image runs end to end: every gin composition parses with the paper's bindings; two-step
mock-data runs at 32, 64 and 128; the offline digits run with classifier-FID; export."""
import itertools
import json
import os

import gin
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from vagan_tf import cli, evaluation
from vagan_tf.annealing.terms import LikelihoodAnnealing, NoAnnealing
from vagan_tf.run import assemble
from vagan_tf.run.callbacks import SampleGrid
from vagan_tf.training.objectives import JensenShannon, ReverseKL, WassersteinGP

DATASETS = {"cifar10": (32, 3), "celeba64": (64, 3), "celeba128": (128, 3), "digits": (32, 1)}
OBJECTIVES = {"jsd": JensenShannon, "rkl": ReverseKL, "wgan_gp": WassersteinGP}
ANNEALING = ["none", "dfm", "linear", "exponential", "stepwise", "sinusoidal"]
# tiny networks, two steps of batch 4, no evaluation
TINY = ["WIDTH = 4", "DENOISER_WIDTH = 128", "BATCH_SIZE = 4", "TOTAL_STEPS = 2",
        "STEPS_PER_EPOCH = 1", "SampleGrid.every_steps = 1", "SampleGrid.num_images = 4",
        "GANExperiment.evaluator = None", "GANExperiment.eval_samples = 4",
        "GANExperiment.verbose = 0"]


def macro(binding):
    """The name of the macro a binding refers to."""
    return gin.query_parameter(binding).scoped_selector.split("/")[0]


@pytest.mark.parametrize("dataset, objective, annealing",
                         itertools.product(DATASETS, OBJECTIVES, ANNEALING))
def test_every_image_composition_binds_the_papers_hyperparameters(dataset, objective, annealing):
    assemble.parse_gin([f"{dataset}/base.gin", f"images/{objective}.gin",
                        f"images/{annealing}.gin"],
                      [])
    assert gin.query_parameter("%RESOLUTION") == DATASETS[dataset][0]
    assert gin.query_parameter("%CHANNELS") == DATASETS[dataset][1]
    assert macro("dcgan_generator.resolution") == "RESOLUTION"
    assert macro("dcgan_discriminator.channels") == "CHANNELS"
    assert gin.query_parameter("%LATENT_DIM") == 128 and gin.query_parameter("%BATCH_SIZE") == 64
    paper_scale = dataset != "digits"
    if paper_scale:
        assert gin.query_parameter("%LEARNING_RATE") == 1e-4 and gin.query_parameter("%WIDTH") == 64
        epochs = gin.query_parameter("%TOTAL_STEPS") / gin.query_parameter("%STEPS_PER_EPOCH")
        assert epochs == 200
    assert gin.query_parameter("generator/Adam.beta_1") == 0.5
    assert gin.query_parameter("critic/Adam.beta_2") == 0.9
    assert gin.query_parameter("AnnealedGAN.n_critic") == (5 if objective == "wgan_gp" else 1)
    if objective == "wgan_gp":
        assert gin.query_parameter("wgan_gp.gp_weight") == 10.0  # not the toy's 0.1
    if annealing == "none":
        return
    if annealing == "dfm":
        assert gin.query_parameter("constant_schedule.initial") == 0.06
    else:
        assert macro(f"{annealing}.initial") == "LAMBDA_0"
        assert macro(f"{annealing}.total_steps") == "TOTAL_STEPS"
    if annealing == "linear":
        assert 0.9 <= gin.query_parameter("linear.decay_fraction") < 1.0  # T_max just below T
    if annealing in ("stepwise", "sinusoidal"):
        assert gin.query_parameter(f"{annealing}.cycles") == 5
    assert gin.query_parameter("mlp_denoiser.batch_norm")
    assert gin.query_parameter("DenoisingAutoencoder.sigma") == 1.0


def run_dir_files(model_dir):
    return {name for _, _, files in os.walk(model_dir) for name in files}


@pytest.mark.parametrize("dataset, objective, annealing", [
    ("cifar10", "wgan_gp", "dfm"), ("celeba64", "jsd", "sinusoidal"),
    ("celeba128", "rkl", "linear")])
@pytest.mark.slow
def test_two_step_mock_data_run_at_each_resolution(tmp_path, dataset, objective, annealing):
    resolution, channels = DATASETS[dataset]
    assemble.parse_gin([f"{dataset}/base.gin", f"images/{objective}.gin",
                        f"images/{annealing}.gin"],
                      TINY)
    model_dir = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=24):
        run = assemble.experiment(model_dir=str(model_dir))
        expected_term = NoAnnealing if annealing == "none" else LikelihoodAnnealing
        assert isinstance(run.model.annealing, expected_term)
        assert isinstance(run.model.objective, OBJECTIVES[objective])
        run.train()
    assert int(run.model.step.numpy()) == 2
    assert {"grid_00000001.png", "grid_00000002.png", "samples.png"} <= run_dir_files(model_dir)
    sampler = tf.saved_model.load(str(model_dir / "export"))
    images = sampler.sample(tf.constant(5)).numpy()
    assert images.shape == (5, resolution, resolution, channels) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0


@pytest.mark.slow
def test_digits_run_evaluates_with_the_classifier_and_samples_a_grid(tmp_path):
    model_dir = tmp_path / "digits"
    params = [p for p in TINY if not p.startswith("GANExperiment.evaluator")] + [
        "GANExperiment.eval_samples = 300", "ImageQuality.reference_size = 500",
        "ImageQuality.kid_subset_size = 100", "ImageQuality.kid_subsets = 5"]
    args = ["train", "--model_dir", str(model_dir), "--gin_file", "digits/base.gin",
            "--gin_file", "images/rkl.gin", "--gin_file", "images/sinusoidal.gin"]
    cli.main(args + [a for p in params for a in ("--gin_param", p)])
    records = json.loads((model_dir / "metrics.json").read_text())
    assert [r["step"] for r in records] == [1, 2]
    # the floor: 300 real digits outside the reference, scored by the run's own evaluator
    quality = evaluation.ImageQuality()
    held_out = evaluation.real_images(quality.dataset_fn, 800)[500:]
    floor = quality(held_out)
    assert floor["inception_score"] > 6.0  # the classifier is confident on real digits
    # a two-step generator draws near-identical blobs: far from the digits, one class
    assert records[-1]["fid"] > 10 * floor["fid"]
    assert records[-1]["kid"] > floor["kid"] + 10 * floor["kid_std"]  # the floor's KID is ~0
    assert records[-1]["inception_score"] < 0.5 * floor["inception_score"]
    grid = tmp_path / "grid.png"
    cli.main(["sample", "--model_dir", str(model_dir), "-n", "16", "--out", str(grid)])
    import matplotlib.pyplot as plt

    picture = plt.imread(grid)
    assert picture.shape[:2] == (4 * 33 + 1, 4 * 33 + 1)  # 4 x 4 cells of 32 + 1 padding


def test_sample_grid_callback_writes_png_and_tensorboard_image(tmp_path):
    assemble.parse_gin(["digits/base.gin", "images/jsd.gin", "images/none.gin"], TINY)
    run = assemble.experiment(model_dir=str(tmp_path / "run"))
    grid = SampleGrid(every_steps=1, num_images=6, directory=str(tmp_path / "grids"),
                      log_dir=str(tmp_path / "logs"))
    grid.set_model(run.model)
    picture = grid.write(step=7)
    assert picture.shape == (2 * 33 + 1, 3 * 33 + 1, 1) and picture.dtype == np.uint8
    assert (tmp_path / "grids" / "grid_00000007.png").exists()
    again = grid.write(step=8)  # the same latents each time
    np.testing.assert_array_equal(picture, again)
    assert any(f.startswith("events") for f in run_dir_files(tmp_path / "logs"))


def test_missing_inception_weights_stop_the_run_before_its_first_step(tmp_path):
    model_dir = tmp_path / "cifar"
    args = ["train", "--model_dir", str(model_dir), "--gin_file", "cifar10/base.gin",
            "--gin_file", "images/jsd.gin", "--gin_file", "images/none.gin",
            "--gin_param", f"INCEPTION_WEIGHTS = '{tmp_path / 'absent.h5'}'"]
    with pytest.raises(SystemExit, match="InceptionV3 weights not found at .*absent.h5"):
        cli.main(args + [a for p in TINY if "evaluator" not in p for a in ("--gin_param", p)])
    assert not (model_dir / "checkpoints").exists()
