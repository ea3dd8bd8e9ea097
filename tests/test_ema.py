"""The generator's weight average: the recursion, sampling, export, checkpoint and the default."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import targets
from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import mlp_critic, mlp_generator
from vagan_tf.run import callbacks
from vagan_tf.run.export import export_generator
from vagan_tf.training.ema import WeightAverage
from vagan_tf.training.objectives import WassersteinGP

LATENT = 3


def make_gan(generator_ema=None):
    keras.utils.set_random_seed(0)
    gan = AnnealedGAN(mlp_generator(LATENT, 2, width=8, depth=2), mlp_critic(2, 8, depth=2),
                      LATENT, objective=WassersteinGP(), n_critic=2, seed=0,
                      generator_ema=generator_ema)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-2),
                critic_optimizer=keras.optimizers.Adam(1e-2))
    gan.build_all()
    return gan


def weights_of(network):
    return [v.numpy().copy() for v in network.trainable_variables]


def averaged_copy(gan):
    """A fresh copy of the generator whose weights are set to the averages, by hand."""
    copy = keras.models.clone_model(gan.generator)
    copy.set_weights([a.numpy() for a in gan.generator_average.averages])
    return copy


def trained(gan, steps=4):
    """Trains ``steps`` steps; returns the generator's weights w_0, w_1, ..., w_steps."""
    real = targets.ring().sample(64, seed=(1, 2))
    step = tf.function(gan.train_step)
    history = [weights_of(gan.generator)]
    for _ in range(steps):
        step(real)
        history.append(weights_of(gan.generator))
    return history


@pytest.mark.slow
def test_the_average_follows_the_recursion_by_hand():
    """e_0 = w_0 and e_t = d e_{t-1} + (1 - d) w_t after each generator step."""
    decay = 0.6
    gan = make_gan(generator_ema=decay)
    history = trained(gan)
    expected = history[0]
    for w in history[1:]:
        expected = [decay * e + (1 - decay) * v for e, v in zip(expected, w)]
    for average, e, w in zip(gan.generator_average.averages, expected, history[-1]):
        np.testing.assert_allclose(average.numpy(), e, rtol=1e-5, atol=1e-6)
        assert not np.allclose(average.numpy(), w)  # the weights moved; the average lags


def test_sample_and_export_use_the_averaged_weights(tmp_path):
    gan = make_gan(generator_ema=0.6)
    trained(gan)
    z = tf.random.normal((7, LATENT), seed=3)
    by_hand = averaged_copy(gan)(z).numpy()
    assert not np.allclose(by_hand, gan.generator(z).numpy(), atol=1e-3)
    np.testing.assert_allclose(gan.sampling_generator(z), by_hand, rtol=1e-5, atol=1e-6)
    seed = keras.random.SeedGenerator(5)
    samples = gan.sample(7, seed=seed)
    z_drawn = gan.latent.sample((7, LATENT), seed=keras.random.SeedGenerator(5))
    np.testing.assert_allclose(samples, averaged_copy(gan)(z_drawn), rtol=1e-5, atol=1e-6)
    loaded = tf.saved_model.load(export_generator(gan, str(tmp_path / "export")))
    np.testing.assert_allclose(loaded.serve(z), by_hand, rtol=1e-5, atol=1e-6)


def test_the_sample_grid_draws_the_averaged_generator(monkeypatch):
    gan = make_gan(generator_ema=0.6)
    trained(gan)
    monkeypatch.setattr(callbacks, "image_grid", lambda images: images)  # toy points, not images
    grid = callbacks.SampleGrid(num_images=4, seed=11)
    grid.set_model(gan)
    drawn = grid.write(step=4)
    np.testing.assert_allclose(drawn, averaged_copy(gan)(grid._latents), rtol=1e-5, atol=1e-6)
    assert not np.allclose(drawn, gan.generator(grid._latents).numpy(), atol=1e-3)


def test_the_averages_are_model_variables_and_restore_from_a_checkpoint(tmp_path):
    gan = make_gan(generator_ema=0.6)
    trained(gan, steps=2)
    ids = {id(v) for v in gan.variables}
    assert all(id(a) in ids for a in gan.generator_average.averages)
    assert not any(id(a) in {id(v) for v in gan.trainable_variables}
                   for a in gan.generator_average.averages)
    saved = [a.numpy() for a in gan.generator_average.averages]
    path = tf.train.Checkpoint(model=list(gan.variables)).save(str(tmp_path / "ckpt"))
    fresh = make_gan(generator_ema=0.6)
    tf.train.Checkpoint(model=list(fresh.variables)).restore(path).assert_consumed()
    for average, value in zip(fresh.generator_average.averages, saved):
        np.testing.assert_array_equal(average.numpy(), value)


def test_off_by_default_without_extra_variables():
    plain, averaged = make_gan(), make_gan(generator_ema=0.999)
    assert plain.generator_average is None and plain.sampling_generator is plain.generator
    extra = len(averaged.variables) - len(plain.variables)
    assert extra == len(averaged.generator.trainable_variables)
    # the averages come last: a run without them keeps its checkpoints' variable order
    assert [id(v) for v in averaged.variables[len(plain.variables):]] == [
        id(a) for a in averaged.generator_average.averages]
    assert [v.shape for v in averaged.variables[:len(plain.variables)]] == [
        v.shape for v in plain.variables]


@pytest.mark.parametrize("decay", [0.0, 1.0, 1.5])
def test_a_decay_outside_0_1_is_rejected(decay):
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(mlp_generator(LATENT, 2, width=4, depth=1), decay)
