"""Objectives against closed forms at the optimal critic of two unit Gaussians."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from vagan_tf.training.objectives import JensenShannon, ReverseKL, WassersteinGP, safe_norm

MU = 1.5  # p = N(0, 1) (data), q = N(MU, 1) (generator)
N = 200_000


def quantiles(loc):
    """Deterministic stand-in for N samples of N(loc, 1): the midpoint quantiles."""
    return loc + stats.norm.ppf((np.arange(N) + 0.5) / N)


def optimal_logit(x):
    """y*(x) = log p(x) / q(x) = -MU x + MU^2 / 2."""
    return -MU * x + MU**2 / 2


def expectation_under_q(f):
    x = np.linspace(MU - 12, MU + 12, 400_001)
    return np.trapezoid(f(x) * stats.norm.pdf(x, MU), x)


def jsd_of_p_and_q():
    x = np.linspace(-12, 12 + MU, 400_001)
    p, q = stats.norm.pdf(x), stats.norm.pdf(x, MU)
    m = (p + q) / 2
    return 0.5 * np.trapezoid(p * np.log(p / m), x) + 0.5 * np.trapezoid(q * np.log(q / m), x)


@pytest.mark.parametrize("objective", [JensenShannon(), ReverseKL()])
def test_logistic_critic_loss_at_optimum_is_2log2_minus_2jsd(objective):
    real = tf.constant(optimal_logit(quantiles(0.0)), tf.float64)
    fake = tf.constant(optimal_logit(quantiles(MU)), tf.float64)
    loss = float(objective.critic_loss(real, fake))
    assert loss == pytest.approx(2 * np.log(2) - 2 * jsd_of_p_and_q(), abs=1e-3)


def test_rkl_generator_loss_at_optimum_is_kl_q_p():
    fake = tf.constant(optimal_logit(quantiles(MU)), tf.float64)
    assert float(ReverseKL().generator_loss(fake)) == pytest.approx(MU**2 / 2, abs=1e-4)


def test_jsd_generator_loss_at_optimum_is_expected_log_1_plus_q_over_p():
    fake = tf.constant(optimal_logit(quantiles(MU)), tf.float64)
    expected = expectation_under_q(lambda x: np.log1p(np.exp(-optimal_logit(x))))
    assert float(JensenShannon().generator_loss(fake)) == pytest.approx(expected, abs=1e-3)


def linear_critic(weights):
    critic = keras.Sequential([keras.Input((len(weights),)), keras.layers.Dense(1)])
    critic.layers[0].set_weights([np.asarray(weights, np.float32)[:, None], np.zeros(1, np.float32)])
    return critic


def test_wgan_critic_and_generator_losses_are_mean_differences():
    real, fake = tf.constant([1.0, 2.0, 3.0]), tf.constant([-1.0, 0.5])
    wgan = WassersteinGP()
    assert float(wgan.critic_loss(real, fake)) == pytest.approx(-0.25 - 2.0)
    assert float(wgan.generator_loss(fake)) == pytest.approx(0.25)


def test_gradient_penalty_of_linear_critic_and_its_weight_gradient():
    """y = w.x has |grad y| = |w| everywhere: penalty = gamma (|w| - 1)^2 and
    d penalty / d w = 2 gamma (|w| - 1) w / |w|."""
    w = np.array([2.4, 1.8])  # |w| = 3
    critic = linear_critic(w)
    real = tf.random.normal((64, 2))
    fake = tf.random.normal((64, 2)) + 3.0
    wgan = WassersteinGP(gp_weight=10.0)
    with tf.GradientTape() as tape:
        penalty = wgan.penalty(critic, real, fake, seed=keras.random.SeedGenerator(0))
    assert float(penalty) == pytest.approx(10.0 * (3.0 - 1.0) ** 2, rel=1e-5)
    grad_kernel = tape.gradient(penalty, critic.layers[0].kernel)
    np.testing.assert_allclose(np.ravel(grad_kernel), 2 * 10.0 * 2.0 * w / 3.0, rtol=1e-4)


def test_penalty_is_finite_where_the_critic_gradient_is_zero():
    critic = linear_critic([0.0, 0.0])
    real, fake = tf.ones((8, 2)), tf.zeros((8, 2))
    with tf.GradientTape() as tape:
        penalty = WassersteinGP(gp_weight=10.0).penalty(critic, real, fake, seed=0)
    grad_kernel = tape.gradient(penalty, critic.layers[0].kernel)
    assert float(penalty) == pytest.approx(10.0 * (np.sqrt(1e-12) - 1.0) ** 2)
    assert np.all(np.isfinite(grad_kernel))


def test_safe_norm_value_and_zero_gradient():
    x = tf.Variable([[3.0, 4.0], [0.0, 0.0]])
    with tf.GradientTape() as tape:
        norms = safe_norm(x)
    np.testing.assert_allclose(norms, [5.0, 1e-6], rtol=1e-5)
    grad = tape.gradient(norms, x).numpy()
    np.testing.assert_allclose(grad[0], [0.6, 0.8], rtol=1e-5)
    np.testing.assert_array_equal(grad[1], [0.0, 0.0])


def test_penalty_interpolates_lie_between_real_and_fake():
    seen = []

    def critic(x):
        seen.append(x)
        return tf.reduce_sum(x, axis=1, keepdims=True)

    real, fake = tf.zeros((1000, 3)), tf.ones((1000, 3))
    WassersteinGP().penalty(critic, real, fake, seed=keras.random.SeedGenerator(3))
    x = seen[0].numpy()
    assert np.all((x >= 0) & (x <= 1))
    np.testing.assert_allclose(x[:, 0], x[:, 2])  # one eps per example, shared by coordinates
    assert 0.45 < x.mean() < 0.55  # eps ~ U(0, 1)


def packed_linear_critic(weights, packing):
    """y = w . (x_(i m), ..., x_(i m + m - 1)): one logit per pack of ``packing`` rows."""
    inner = linear_critic(weights)
    width = len(weights) // packing
    return lambda x: inner(tf.reshape(x, (-1, packing * width)))


def test_a_packed_critics_penalty_takes_the_slope_over_the_whole_pack():
    """With m = 2 and w = (2.4, 1.8, 0, 0) the pack's slope is |w| = 3 everywhere, so the
    penalty is gamma (3 - 1)^2; per row the slopes would be 3 and 0, gamma ((2^2 + 1) / 2)."""
    critic = packed_linear_critic([2.4, 1.8, 0.0, 0.0], packing=2)
    real, fake = tf.random.normal((64, 2), seed=2), tf.random.normal((64, 2), seed=3) + 3.0
    penalty = WassersteinGP(gp_weight=10.0).penalty(critic, real, fake, seed=0, packing=2)
    assert float(penalty) == pytest.approx(10.0 * (3.0 - 1.0) ** 2, rel=1e-5)


def test_a_packs_rows_share_one_interpolation_weight():
    seen = []

    def critic(x):
        seen.append(x)
        return tf.reduce_sum(tf.reshape(x, (-1, 6)), axis=1, keepdims=True)

    real, fake = tf.zeros((1000, 3)), tf.ones((1000, 3))
    WassersteinGP().penalty(critic, real, fake, seed=keras.random.SeedGenerator(3), packing=2)
    x = seen[0].numpy()
    np.testing.assert_allclose(x[0::2], x[1::2])  # rows 2j and 2j + 1: one eps
    assert len(np.unique(x[0::2, 0])) > 400  # and a new eps for each pack
