"""ULA and MALA: stationary laws on Gaussians against closed forms, step accounting, errors;
the banana experiment of examples/score_langevin.py end to end on tiny settings."""
import json

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.run import assemble
from vagan_tf.samplers.langevin import mala, ula

from helpers import score_langevin_example

MEAN = np.array([1.0, -2.0], np.float32)
VARIANCE = np.array([0.5, 1.0], np.float32)
CHAINS = 20_000


def gaussian_score(x):
    return -(x - MEAN) / VARIANCE


def gaussian_log_prob(x):
    return -0.5 * tf.reduce_sum((x - MEAN) ** 2 / VARIANCE, axis=-1)


def assert_moments(samples, mean, variance):
    """Per-coordinate sample mean and variance within 5 Monte-Carlo standard errors."""
    samples = np.asarray(samples, np.float64)
    n = len(samples)
    centred = samples - samples.mean(0)
    np.testing.assert_allclose(samples.mean(0), mean, atol=5 * np.sqrt(np.max(variance) / n))
    variance_error = 5 * np.std(centred**2, axis=0) / np.sqrt(n)
    assert np.all(np.abs(np.mean(centred**2, 0) - variance) < variance_error), (
        np.mean(centred**2, 0), variance, variance_error)


def test_ula_on_a_gaussian_reaches_the_discretised_stationary_law():
    """x' = x + (eta/2)(-(x - mu)/s^2) + sqrt(eta) xi is AR(1) with a = 1 - eta/(2 s^2):
    stationary mean mu, variance eta / (1 - a^2) = s^2 / (1 - eta / (4 s^2)), not s^2."""
    eta = 0.4
    a = 1.0 - eta / (2.0 * VARIANCE)
    discretised = eta / (1.0 - a**2)
    assert np.all(discretised > 1.1 * VARIANCE)  # the test tells the two laws apart
    samples = ula(gaussian_score, tf.zeros((CHAINS, 2)), step_size=eta, num_steps=300,
                  burn_in=200, thin=50, seed=(3, 4))
    assert samples.shape == (2, CHAINS, 2)
    assert_moments(samples[-1], MEAN, discretised)


def test_mala_on_a_gaussian_reaches_the_target():
    samples, acceptance = mala(gaussian_log_prob, tf.zeros((CHAINS, 2)), step_size=0.4,
                               num_steps=300, burn_in=250, thin=50, seed=(5, 6))
    assert samples.shape == (1, CHAINS, 2)
    assert 0.5 < float(acceptance) < 1.0
    assert_moments(samples[0], MEAN, VARIANCE)


@pytest.mark.parametrize("sampler", ["ula", "mala"])
def test_kept_states_follow_steps_burn_in_plus_k_thin(sampler):
    """With no drift both are a random walk: the state after t steps has variance eta * t.
    num_steps=10, burn_in=3, thin=2 keeps the states after steps 5, 7 and 9 (a flat log
    density makes every MALA proposal accepted)."""
    eta, initial = 0.5, tf.zeros((CHAINS, 1))
    if sampler == "ula":
        samples = ula(tf.zeros_like, initial, eta, num_steps=10, burn_in=3, thin=2, seed=(1, 1))
    else:
        samples, acceptance = mala(lambda x: tf.reduce_sum(0.0 * x, -1), initial, eta,
                                   num_steps=10, burn_in=3, thin=2, seed=(1, 1))
        assert float(acceptance) == 1.0
    variances = np.var(samples.numpy()[..., 0], axis=1)
    np.testing.assert_allclose(variances, eta * np.array([5.0, 7.0, 9.0]), rtol=0.05)


def test_same_seed_same_chains_other_seed_other_chains():
    def run(seed):
        return ula(gaussian_score, tf.zeros((4, 2)), 0.1, num_steps=5, seed=seed).numpy()

    np.testing.assert_array_equal(run((1, 2)), run((1, 2)))
    assert not np.allclose(run((1, 2)), run((2, 1)))


@pytest.mark.parametrize("kwargs, message", [
    ({"num_steps": 5, "burn_in": 5}, "keeps no state"),
    ({"num_steps": 5, "thin": 0}, "thin >= 1"),
    ({"num_steps": 5, "step_size": 0.0}, "step_size must be positive"),
])
def test_bad_run_arguments_are_named(kwargs, message):
    arguments = {"step_size": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        ula(gaussian_score, tf.zeros((4, 2)), **arguments)
    with pytest.raises(ValueError, match=message):
        mala(gaussian_log_prob, tf.zeros((4, 2)), **arguments)


def test_initial_states_must_be_chains_by_dim():
    with pytest.raises(ValueError, match=r"initial must be \[chains, dim\]"):
        ula(gaussian_score, tf.zeros((2,)), 0.1, num_steps=2)


def test_diverging_ula_chains_raise():
    with pytest.raises(tf.errors.InvalidArgumentError, match="diverged"):
        ula(lambda x: 100.0 * x, tf.ones((4, 2)), 1.0, num_steps=50)


@pytest.fixture(scope="module")
def example():
    return score_langevin_example()  # registers the score_langevin configurable


def test_banana_experiment_writes_every_sample_set_and_the_table(example, tmp_path):
    assemble.parse_gin(["score/banana.gin"], [
            "score_langevin.train_steps = 3", "score_langevin.batch_size = 32",
            "score_langevin.num_chains = 8", "score_langevin.floor_repeats = 2",
            "mlp_denoiser.width = 8", "NUM_STEPS = 4", "BURN_IN = 2", "THIN = 1"])
    record = example.score_langevin(str(tmp_path))
    assert record["n"] == 16 and record["denoiser_sigma"] == 0.2
    for name in (*example.ESTIMATORS, "mala"):
        samples = np.load(tmp_path / f"samples_{name}.npy")
        assert samples.dtype == np.float32 and samples.shape == (16, 2)
        assert np.isfinite(record["samples"][name]["energy_distance"])
    assert (tmp_path / "banana_langevin.png").stat().st_size > 0
    assert json.loads((tmp_path / "banana_langevin.json").read_text())["n"] == 16
    assert "DenoisingAutoencoder.sigma = 0.2" in (tmp_path / "config.gin").read_text()
    table = example.markdown_table(record)
    assert table.count("\n") == 1 + 2 + len(example.ESTIMATORS)
