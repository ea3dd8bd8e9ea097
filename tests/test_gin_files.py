"""Every shipped gin file parses; every composition of the toy gin files builds the model
it describes."""
import glob
import itertools
import os
import re

import gin
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import targets
from vagan_tf.annealing.terms import EntropyAnnealing, LikelihoodAnnealing, NoAnnealing
from vagan_tf.run import assemble
from vagan_tf.training.objectives import JensenShannon, ReverseKL, WassersteinGP

from helpers import REPO, score_langevin_example

SHIPPED = sorted(os.path.relpath(path, assemble.config_dir())
                 for path in glob.glob(os.path.join(assemble.config_dir(), "*", "*.gin")))
DOCS = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))


def recorded_configs():
    """The config.gin files under docs/ and the ```gin blocks of the README and docs/*.md."""
    configs = [(os.path.relpath(path, REPO), open(path, encoding="utf-8").read())
               for path in glob.glob(os.path.join(REPO, "docs", "**", "*.gin"), recursive=True)]
    for path in DOCS:
        text = open(path, encoding="utf-8").read()
        for i, block in enumerate(re.findall(r"```gin\n(.*?)```", text, re.S)):
            configs.append((f"{os.path.relpath(path, REPO)} block {i}", block))
    return configs


def test_the_package_ships_a_gin_file_of_every_kind():
    kinds = {os.path.dirname(path) for path in SHIPPED}
    assert {"toy", "images", "ugan", "blr", "rl", "score", "distribute"} <= kinds
    assert len(SHIPPED) == len(glob.glob(os.path.join(REPO, "gin", "*", "*.gin")))


@pytest.mark.parametrize("path", SHIPPED)
def test_every_shipped_gin_file_parses(path):
    """Each file on its own, with the files it includes: every configurable it names is
    registered under that name (macros that other files of a run define stay unresolved)."""
    if path.startswith("score/"):
        score_langevin_example()  # examples/score_langevin.py's configurable
    gin.add_config_file_search_path(assemble.config_dir())
    gin.parse_config_files_and_bindings([path], [], finalize_config=False)
    with pytest.raises(ValueError, match="No configurable matching 'not_a_configurable'"):
        gin.parse_config("not_a_configurable.x = 1")  # the check each file passed


@pytest.mark.parametrize("name, text", recorded_configs() or [pytest.param(
    None, None, marks=pytest.mark.skip(reason="no recorded config.gin in the docs"))])
def test_every_recorded_config_in_the_docs_parses(name, text):
    if text is not None:
        assemble.parse_gin([], [text])

OBJECTIVES = {"jsd": JensenShannon, "rkl": ReverseKL, "wgan_gp": WassersteinGP}
SCHEDULES = ["none", "constant", "linear", "sinusoidal"]


@pytest.mark.parametrize("data, objective, schedule",
                         itertools.product(["ring", "grid"], OBJECTIVES, SCHEDULES))
def test_toy_composition_builds(tmp_path, data, objective, schedule):
    assemble.parse_gin([f"toy/{data}.gin", f"toy/{objective}.gin", f"toy/{schedule}.gin"], [])
    run = assemble.experiment(model_dir=str(tmp_path))
    model = run.model
    assert isinstance(model.objective, OBJECTIVES[objective])
    assert model.n_critic == (5 if objective == "wgan_gp" else 1)
    expected_term = NoAnnealing if schedule == "none" else LikelihoodAnnealing
    assert isinstance(model.annealing, expected_term)
    if schedule != "none":
        assert type(model.annealing.schedule).__name__.lower() == schedule
        assert model.annealing.space == "features"
    assert run.dataset_fn.__name__ == "sampler_dataset"
    assert gin.query_parameter("%TARGET").selector == data


def test_entropy_file_replaces_the_schedule_files_likelihood_term(tmp_path):
    assemble.parse_gin(["toy/ring.gin", "toy/jsd.gin", "toy/linear.gin", "toy/entropy.gin"], [])
    model = assemble.experiment(model_dir=str(tmp_path)).model
    assert isinstance(model.annealing, EntropyAnnealing)
    assert model.annealing.space == "data"
    assert model.annealing.schedule.total_steps == gin.query_parameter("%TOTAL_STEPS")


@pytest.mark.parametrize("tempered", [False, True])
def test_the_mixture_files_build_a_u_gan_on_the_separated_mixture(tmp_path, tempered):
    assemble.parse_gin(["ugan/mixture.gin"] + (["ugan/tempered.gin"] if tempered else []),
                       ["DIM = 30", "maf.num_blocks = 2", "maf.hidden_units = (8, 8)"])
    model = assemble.experiment(model_dir=str(tmp_path)).model
    assert model.target.dim == 30 and model.target.num_modes == 2 and model.latent_dim == 30
    assert model.form == ("entropy" if tempered else "likelihood")
    # the generator starts as the identity: q = N(0, I), the flow's base, at step 0
    eps = tf.random.normal((8, 30), seed=5)
    np.testing.assert_array_equal(model.generator(eps).numpy(), eps.numpy())


def test_the_blr_runs_put_the_generators_output_through_the_non_centred_bijector(tmp_path):
    assemble.parse_gin(["blr/heart.gin"], ["maf.num_blocks = 2", "maf.hidden_units = (8, 8)"])
    model = assemble.experiment(model_dir=str(tmp_path)).model
    layer = model.generator.layers[-1]
    assert isinstance(layer.bijector, targets.NonCentredPrecision)
    assert model.generator.output_shape == (None, model.target.dim)
    assert model.flow_steps == 6


def test_the_toy_runs_evaluate_the_generator_weight_average(tmp_path):
    assemble.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"], [])
    model = assemble.experiment(model_dir=str(tmp_path)).model
    assert model.generator_average is not None and model.generator_average.decay == 0.999
    assert model.sampling_generator is model.generator_average


def test_the_main_job_packs_its_critic_at_a_batch_of_2048(tmp_path):
    files = ["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin", "toy/packing.gin",
             "toy/large_batch.gin"]
    assemble.parse_gin(files, [])
    run = assemble.experiment(model_dir=str(tmp_path))
    assert run.batch_size == 2048 and run.model.discriminator.packing == 2
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    assert "vagan train " + " ".join(f"--gin_file {f}" for f in files) in readme


def test_the_main_job_packs_its_critic_and_lr_decay_decays_the_generators_rate(tmp_path):
    assemble.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin", "toy/packing.gin",
                        "toy/lr_decay.gin"],
                        ["TOTAL_STEPS = 400", "GANExperiment.steps_per_epoch = 200"])
    run = assemble.experiment(model_dir=str(tmp_path))
    assert run.model.discriminator.packing == 2
    assert run.model.discriminator.input_shape == (None, 2)
    assert run.model.discriminator.get_layer("critic_dense_0").kernel.shape == (4, 128)
    optimizer = run.model.generator_optimizer
    # the rate at the optimizer's step: cosine from 1e-3 at step 0 to 0 at TOTAL_STEPS
    for step, rate in [(0, 1e-3), (200, 5e-4), (400, 0.0)]:
        optimizer.iterations.assign(step)
        assert float(optimizer.learning_rate) == pytest.approx(rate, abs=1e-9)
    assert float(run.model.critic_optimizer.learning_rate) == pytest.approx(1e-3)  # the critic's stays
