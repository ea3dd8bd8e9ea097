"""The MLP networks: PacGAN's packed critic judges m rows as one input; an output bijector."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import targets
from vagan_tf.config import checks
from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import mlp_critic, mlp_generator
from vagan_tf.run import assemble
from vagan_tf.training.objectives import JensenShannon


def test_a_packed_critic_is_the_plain_critic_on_concatenated_rows():
    packed = mlp_critic(2, width=8, depth=2, packing=3)
    plain = mlp_critic(6, width=8, depth=2)
    plain.set_weights(packed.get_weights())  # the same layers: first kernel [6, 8]
    x = tf.random.normal((12, 2), seed=1)
    by_hand = np.concatenate([x.numpy()[i::3] for i in range(3)], axis=1)  # rows 3j, 3j+1, 3j+2
    for ours, theirs in zip(packed(x), plain(tf.constant(by_hand))):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert packed(x)[0].shape == (4, 1) and packed(x)[1].shape == (4, 8)


@pytest.mark.parametrize("packing", [0, -2])
def test_a_packing_below_one_is_refused_by_name(packing):
    with pytest.raises(ValueError, match="mlp_critic.packing must be a positive integer"):
        mlp_critic(2, packing=packing)


def test_an_annealed_gan_trains_with_a_packed_critic():
    gan = AnnealedGAN(mlp_generator(4, 2, width=16, depth=2), mlp_critic(2, 16, 2, packing=2),
                      latent_dim=4, objective=JensenShannon(), seed=0)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-3),
                critic_optimizer=keras.optimizers.Adam(1e-3))
    gan.build_all()  # on one pack of two rows
    before = [w.numpy().copy() for w in gan.discriminator.weights + gan.generator.weights]
    logs = tf.function(gan.train_step)(targets.ring().sample(32, seed=(0, 1)))
    after = [w.numpy() for w in gan.discriminator.weights + gan.generator.weights]
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert all(not np.allclose(b, a) for b, a in zip(before, after))


def test_a_batch_the_packed_critic_cannot_split_is_refused_before_the_run_starts(tmp_path):
    assemble.parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/none.gin", "toy/packing.gin"],
                       ["GANExperiment.batch_size = 511"])
    with pytest.raises(checks.ConfigurationError, match=r"batch_size \(511\).*multiple of 2.*"
                                                        r"mlp_critic.packing"):
        assemble.experiment(model_dir=str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_a_generator_with_an_output_bijector_maps_its_linear_output_through_it():
    generator = mlp_generator(latent_dim=3, output_dim=5, width=8, depth=2,
                              output_bijector=targets.NonCentredPrecision())
    z = tf.random.normal((4, 3), seed=2)
    h = z
    for i in range(2):
        h = generator.get_layer(f"generator_dense_{i}")(h)
    u = generator.get_layer("generator_output")(h).numpy()
    by_hand = np.c_[u[:, :4] * np.exp(-0.5 * u[:, 4:]), u[:, 4]]
    np.testing.assert_allclose(generator(z).numpy(), by_hand, rtol=1e-5)
    assert generator.output_shape == (None, 5)


def test_a_residual_generator_starts_as_the_identity_and_then_learns():
    generator = mlp_generator(latent_dim=4, output_dim=4, width=8, depth=2, residual=True)
    z = tf.random.normal((16, 4), seed=3)
    np.testing.assert_array_equal(generator(z).numpy(), z.numpy())
    # x = z + W h + c: the zero-initialised output layer gets gradient, so G leaves the identity
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(generator(z) - 1.0))
    grads = tape.gradient(loss, generator.get_layer("generator_output").trainable_variables)
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)
    keras.optimizers.SGD(0.1).apply_gradients(
        zip(grads, generator.get_layer("generator_output").trainable_variables))
    h = z
    for i in range(2):
        h = generator.get_layer(f"generator_dense_{i}")(h)
    by_hand = z.numpy() + generator.get_layer("generator_output")(h).numpy()
    np.testing.assert_allclose(generator(z).numpy(), by_hand, rtol=1e-6)
    assert not np.allclose(by_hand, z.numpy())


def test_a_residual_generator_passes_its_sum_through_the_output_bijector():
    generator = mlp_generator(latent_dim=5, output_dim=5, width=8, depth=1, residual=True,
                              output_bijector=targets.NonCentredPrecision())
    z = tf.random.normal((4, 5), seed=4).numpy()
    by_hand = np.c_[z[:, :4] * np.exp(-0.5 * z[:, 4:]), z[:, 4]]
    np.testing.assert_allclose(generator(z).numpy(), by_hand, rtol=1e-5)


def test_a_residual_generator_needs_the_latent_and_output_sizes_to_agree():
    with pytest.raises(checks.ConfigurationError, match="mlp_generator.residual"):
        mlp_generator(latent_dim=3, output_dim=5, residual=True)
