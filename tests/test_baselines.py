"""U-GAN baselines: reverse-KL flows (MAF and IAF, in Python and through vagan train) and SVGD."""
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import data, targets
from vagan_tf.config.checks import ConfigurationError
from vagan_tf.models import ReverseKLFlow
from vagan_tf.models.contract import TrainableSampler, missing_members
from vagan_tf.nets.flows import MAF
from vagan_tf.run.model_run import GANExperiment
from vagan_tf.samplers.svgd import rbf_kernel, svgd, svgd_direction
from vagan_tf.training.latents import NormalLatent

from helpers import (StandardNormalEnergy, build_run, load_and_sample_without_vagan_tf,
                     train_args, vagan)


class ShiftedNormalEnergy(StandardNormalEnergy):
    """log u(x) = -||x - m||^2 / 2."""

    def __init__(self, mean):
        super().__init__(len(mean))
        self.mean = tf.constant(mean, tf.float32)

    def _log_prob(self, x):
        return super()._log_prob(x - self.mean)


@pytest.mark.parametrize("inverse", [False, True])
def test_reverse_kl_is_minus_log_z_at_the_target(inverse):
    model = ReverseKLFlow(MAF(2, num_blocks=2, hidden_units=(8, 8)), StandardNormalEnergy(2),
                          inverse=inverse, seed=0)
    kl, _ = model.loss_terms(256)  # fresh flows are the identity: q = N(0, I)
    assert float(kl) == pytest.approx(-math.log(2 * math.pi), abs=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("inverse", [False, True])
def test_reverse_kl_training_moves_the_flow_to_a_shifted_target(inverse):
    keras.utils.set_random_seed(0)
    target = ShiftedNormalEnergy([1.5, -1.0])
    model = ReverseKLFlow(MAF(2, num_blocks=2, hidden_units=(16, 16)), target, inverse=inverse,
                          seed=0)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(data.step_counter(128), steps_per_epoch=150, epochs=1, verbose=0).history
    mean = model.sample(4000, seed=(1, 2)).numpy().mean(0)
    np.testing.assert_allclose(mean, [1.5, -1.0], atol=0.15)
    assert history["kl_up_to_log_z"][-1] < -math.log(2 * math.pi) + 0.3


def test_reverse_kl_flow_refuses_a_target_of_another_dimension():
    with pytest.raises(ValueError, match="dimension 3 but the target 2"):
        ReverseKLFlow(MAF(3, 1, (4,)), targets.Banana())


TINY_FLOW = ["TOTAL_STEPS = 20", "maf.num_blocks = 2", "maf.hidden_units = (16, 16)",
             "GANExperiment.batch_size = 64", "GANExperiment.steps_per_epoch = 10",
             "GANExperiment.steps_per_execution = 5", "GANExperiment.eval_samples = 200",
             "GANExperiment.verbose = 0"]


@pytest.mark.parametrize("baseline", ["maf_rkl", "iaf_rkl"])
def test_the_reverse_kl_gin_files_build_the_runners_model(tmp_path, baseline):
    run = build_run(tmp_path, ["ugan/banana.gin", f"ugan/{baseline}.gin"], TINY_FLOW)
    assert isinstance(run.model, ReverseKLFlow) and missing_members(run.model) == []
    assert isinstance(run.model.target, targets.Banana)
    assert type(run.model.flow).__name__ == ("IAF" if baseline == "iaf_rkl" else "MAF")
    assert list(run.model.optimizers_by_name) == ["generator_optimizer"]


@pytest.mark.slow
def test_vagan_train_of_a_reverse_kl_flow_exports_a_sampler_with_its_density(tmp_path):
    model_dir = tmp_path / "iaf_rkl"
    vagan(train_args(model_dir, ["ugan/banana.gin", "ugan/iaf_rkl.gin"], TINY_FLOW))
    records = [r["step"] for r in json.loads((model_dir / "metrics.json").read_text())]
    assert records == [10, 20]
    samples = load_and_sample_without_vagan_tf(str(model_dir / "export"))
    assert samples.shape == (1000, 2) and samples.dtype == np.float32
    # the export samples the flow whose log_prob it serves: change of variables,
    # log q(T(z)) = log N(z; 0, I) - log |det dT/dz|, with dT/dz by central differences
    sampler = tf.saved_model.load(str(model_dir / "export"))
    z = tf.random.stateless_normal((5, 2), seed=(0, 1))
    step = 1e-2
    columns = [(sampler.serve(z + step * e) - sampler.serve(z - step * e)) / (2 * step)
               for e in tf.eye(2)]
    jacobian = tf.stack(columns, axis=-1).numpy().astype(np.float64)
    log_normal = -0.5 * np.sum(z.numpy()**2, 1) - math.log(2 * math.pi)
    expected = log_normal - np.log(np.abs(np.linalg.det(jacobian)))
    np.testing.assert_allclose(sampler.log_prob(sampler.serve(z)).numpy(), expected, atol=2e-3)


class _NoLatent(TrainableSampler):
    """Sets step, generator and latent_dim, not latent; defines every required method."""

    def __init__(self):
        super().__init__()
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        self.latent_dim = 2

    def optimizer_needs(self):
        return {"generator_optimizer": "_NoLatent trains a generator"}

    def build_all(self): ...
    def train_step(self, data): ...


class _Complete(_NoLatent):
    """``_NoLatent`` with a latent: every required member, the methods inherited."""

    def __init__(self):
        super().__init__()
        self.latent = NormalLatent()


class _NoTrainStep(TrainableSampler):
    def __init__(self):
        super().__init__()
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        self.latent, self.latent_dim = NormalLatent(), 2


class _DuckTyped:
    """Every member by name, but no TrainableSampler."""
    step = generator = latent = latent_dim = None

    def optimizer_needs(self): ...
    def build_all(self): ...
    def train_step(self, data): ...


@pytest.mark.parametrize("files", [["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"],
                                   ["ugan/banana.gin"]])
def test_every_model_of_the_package_is_a_trainable_sampler(tmp_path, files):
    run = build_run(tmp_path, files, ["maf.num_blocks = 1", "maf.hidden_units = (8, 8)"]
                    if files == ["ugan/banana.gin"] else [])
    assert isinstance(run.model, TrainableSampler) and missing_members(run.model) == []


def test_the_model_contract_names_what_a_model_lacks_when_it_is_made():
    with pytest.raises(TypeError, match=r"^_NoLatent lacks latent of vagan_tf.models.TrainableSampler"):
        _NoLatent()
    with pytest.raises(TypeError, match=r"^_NoTrainStep lacks build_all, optimizer_needs, train_step of"):
        _NoTrainStep()
    assert missing_members(_Complete()) == []  # a subclass inherits what its base defines
    assert missing_members(_DuckTyped()) == sorted(
        ["build_all", "generator", "latent", "latent_dim", "optimizer_needs", "step",
         "train_step"])
    with pytest.raises(ConfigurationError,
                       match=r"GANExperiment.model: _DuckTyped is not a vagan_tf.models.Trainab"):
        GANExperiment("unused", model=_DuckTyped(), dataset_fn=data.step_counter, total_steps=10,
                      steps_per_epoch=10, generator_optimizer=keras.optimizers.Adam())


def test_the_optional_members_have_their_declared_defaults():
    model = _Complete()
    assert model.batch_multiple == 1 and model.flow is None
    assert model.sampling_generator is model.generator
    assert model.examples_per_step(7) == 7
    x = model.sample(5, seed=3)
    assert x.dtype == tf.float32 and tuple(x.shape) == (5, 2)
    z = model.latent.sample((5, 2), seed=3)
    np.testing.assert_allclose(x.numpy(), model.generator(z).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"^_NoLatent trains a generator: pass generator_optimizer"):
        model.compile_optimizers({"generator_optimizer": None})
    model.compile_optimizers({"generator_optimizer": keras.optimizers.Adam(),
                              "critic_optimizer": keras.optimizers.Adam()})
    assert list(model.optimizers_by_name) == ["generator_optimizer"]
    assert model.critic_optimizer is None


def test_svgd_repulsion_is_the_gradient_of_the_kernel():
    x = tf.random.normal((7, 3))
    kernel, repulsion = rbf_kernel(x)
    h = 1.0 / (-tf.math.log(kernel[0, 1]) / tf.reduce_sum(tf.square(x[0] - x[1])))  # recover h
    with tf.GradientTape() as tape:
        tape.watch(x)
        sq = tf.reduce_sum(tf.square(x[:, None, :] - tf.stop_gradient(x)[None, :, :]), -1)
        total = tf.reduce_sum(tf.exp(-sq / h))  # sum_{i,j} k(x_i, x_j), gradient in each x_i
    # the kernel is symmetric in (a - b): sum_j grad_{x_j} k(x_j, x_i) = -sum_j grad_{x_i} k(x_i, x_j)
    np.testing.assert_allclose(repulsion.numpy(), -tape.gradient(total, x).numpy(), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(np.diag(kernel.numpy()), 1.0)


def test_svgd_direction_with_one_particle_is_the_score():
    x = tf.constant([[0.3, -0.2]])
    score = tf.constant([[1.0, 2.0]])
    np.testing.assert_allclose(svgd_direction(x, score).numpy(), score.numpy(), rtol=1e-6)


@pytest.mark.slow
def test_svgd_particles_match_a_gaussian_target():
    target = ShiftedNormalEnergy([2.0, -1.0])
    initial = tf.random.stateless_normal((200, 2), seed=(3, 4)) * 0.3
    particles, _ = svgd(target.score, initial, 500, step_size=0.05)
    np.testing.assert_allclose(particles.numpy().mean(0), [2.0, -1.0], atol=0.1)
    np.testing.assert_allclose(particles.numpy().std(0), [1.0, 1.0], atol=0.15)


def test_svgd_in_chunks_continues_the_adagrad_history():
    target = ShiftedNormalEnergy([2.0, -1.0])
    initial = tf.random.stateless_normal((50, 2), seed=(3, 4)) * 0.3
    whole, _ = svgd(target.score, initial, 40, step_size=0.05)
    half, history = svgd(target.score, initial, 20, step_size=0.05)
    chunked, _ = svgd(target.score, half, 20, step_size=0.05, history=history)
    np.testing.assert_allclose(chunked.numpy(), whole.numpy(), rtol=1e-5, atol=1e-5)
    restarted, _ = svgd(target.score, half, 20, step_size=0.05)
    assert np.max(np.abs(restarted.numpy() - whole.numpy())) > 1e-3
