"""U-GAN baselines: reverse-KL flows (MAF and IAF) and SVGD."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import data, targets
from vagan_tf.flows import MAF
from vagan_tf.models import ReverseKLFlow
from vagan_tf.svgd import rbf_kernel, svgd, svgd_direction

from test_unnormalized_gan import StandardNormalEnergy


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


@pytest.mark.parametrize("inverse", [False, True])
def test_reverse_kl_training_moves_the_flow_to_a_shifted_target(inverse):
    keras.utils.set_random_seed(0)
    target = ShiftedNormalEnergy([1.5, -1.0])
    model = ReverseKLFlow(MAF(2, num_blocks=2, hidden_units=(16, 16)), target, inverse=inverse,
                          seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(data.step_counter(128), steps_per_epoch=150, epochs=1, verbose=0).history
    mean = model.sample(4000, seed=(1, 2)).numpy().mean(0)
    np.testing.assert_allclose(mean, [1.5, -1.0], atol=0.15)
    assert history["kl_up_to_log_z"][-1] < -math.log(2 * math.pi) + 0.3


def test_reverse_kl_flow_refuses_a_target_of_another_dimension():
    with pytest.raises(ValueError, match="dimension 3 but the target 2"):
        ReverseKLFlow(MAF(3, 1, (4,)), targets.Banana())


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
