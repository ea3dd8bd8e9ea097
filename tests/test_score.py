"""DAE score estimators: the optimal denoiser of Gaussian data gives the noised density's score."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.samplers.dae_score import DenoisingAutoencoder

MEAN = np.array([1.0, -2.0], np.float32)
STD = np.array([0.5, 2.0], np.float32)
SIGMA = 0.7


def linear_net(kernel, bias):
    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    net.layers[0].set_weights([np.asarray(kernel, np.float32), np.asarray(bias, np.float32)])
    return net


def optimal_denoiser():
    """r*(x~) = E[x | x~] = mu + s^2 / (s^2 + sigma^2) (x~ - mu), per coordinate."""
    shrink = STD**2 / (STD**2 + SIGMA**2)
    return DenoisingAutoencoder(linear_net(np.diag(shrink), MEAN * (1 - shrink)), sigma=SIGMA)


def noised_score(x):
    """grad log N(x; mu, s^2 + sigma^2)."""
    return -(x - MEAN) / (STD**2 + SIGMA**2)


def test_dae_score_of_the_optimal_denoiser_is_the_noised_score():
    x = np.random.randn(100, 2).astype(np.float32) * 3
    np.testing.assert_allclose(optimal_denoiser().score(tf.constant(x)), noised_score(x),
                               rtol=1e-5, atol=1e-5)


def test_trained_denoiser_recovers_the_noised_score():
    data = (MEAN + STD * np.random.randn(20000, 2)).astype(np.float32)
    dae = DenoisingAutoencoder(linear_net(np.eye(2), np.zeros(2)), sigma=SIGMA, seed=0)
    dae.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.05, 1000)))
    dae.fit(tf.data.Dataset.from_tensor_slices(data).repeat().batch(1000), steps_per_epoch=1000,
            epochs=1, shuffle=False, verbose=0)
    x = (MEAN + np.sqrt(STD**2 + SIGMA**2) * np.random.randn(2000, 2)).astype(np.float32)
    error = dae.score(tf.constant(x)).numpy() - noised_score(x)
    relative = np.sqrt(np.mean(error**2)) / np.sqrt(np.mean(noised_score(x) ** 2))
    assert relative < 0.05


def test_residual_score_of_a_linear_denoiser_matches_its_closed_form():
    """r(x) = A^T x + b  =>  -grad ||r(x) - x||^2 = -2 (A - I) (A^T x + b - x)  (Keras kernel is A)."""
    kernel = np.array([[0.5, 0.2], [-0.1, 0.8]], np.float32)
    bias = np.array([0.3, -0.4], np.float32)
    dae = DenoisingAutoencoder(linear_net(kernel, bias), sigma=SIGMA)
    x = np.random.randn(50, 2).astype(np.float32)
    residual = x @ kernel + bias - x
    expected = -2.0 * residual @ (kernel - np.eye(2)).T
    np.testing.assert_allclose(dae.residual_score(tf.constant(x)), expected, rtol=1e-4, atol=1e-5)


def test_denoising_loss_of_the_identity_is_sigma_squared():
    dae = DenoisingAutoencoder(linear_net(np.eye(2), np.zeros(2)), sigma=SIGMA, seed=3)
    x = tf.random.normal((50000, 2))
    assert float(dae.denoising_loss(x)) == pytest.approx(SIGMA**2, rel=0.02)


def test_sigma_must_be_positive():
    with pytest.raises(ValueError, match="sigma"):
        DenoisingAutoencoder(linear_net(np.eye(2), np.zeros(2)), sigma=0.0)
