"""DCGAN networks (Table 1): shapes at every resolution, features of 2x2x8w, init, mismatches."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import MLPDenoiser, dcgan_discriminator, dcgan_generator


@pytest.mark.parametrize("resolution", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_and_discriminator_shapes(resolution, channels):
    g = dcgan_generator(latent_dim=16, resolution=resolution, channels=channels, width=4)
    d = dcgan_discriminator(resolution=resolution, channels=channels, width=4)
    x = g(tf.random.uniform((3, 16), -1, 1))
    assert x.shape == (3, resolution, resolution, channels)
    assert np.all(np.abs(x.numpy()) <= 1.0)  # tanh output
    logit, features = d(x)
    assert logit.shape == (3, 1)
    assert features.shape == (3, 2, 2, 32)  # 2 x 2 x 8 width at every resolution
    # each doubling of the resolution adds one stride-2 layer to both networks
    extra = int(np.log2(resolution // 32))
    assert sum(isinstance(l, keras.layers.Conv2DTranspose) for l in g.layers) == 3 + extra
    assert sum(isinstance(l, keras.layers.Conv2D) and l.strides == (2, 2)
               for l in d.layers) == 4 + extra


def test_paper_sizes_at_32x32_and_the_unscaled_last_batch_norm():
    g = dcgan_generator()
    d = dcgan_discriminator()
    assert g.get_layer("g_dense").units == 4 * 4 * 512
    assert [g.get_layer(f"g_deconv_{i}").filters for i in range(3)] == [256, 128, 64]
    assert g.get_layer("g_output").kernel_size == (3, 3)
    assert d.get_layer("d_conv_in").filters == 32
    assert [d.get_layer(f"d_conv_{i}").filters for i in range(4)] == [64, 128, 256, 512]
    assert int(np.prod(d.output[1].shape[1:])) == 2048
    assert not d.get_layer("d_bn_3").scale and d.get_layer("d_bn_2").scale


def test_kernels_start_as_normal_with_std_0_02():
    kernel = dcgan_discriminator().get_layer("d_conv_3").kernel.numpy()
    assert abs(kernel.mean()) < 1e-3
    assert abs(kernel.std() - 0.02) < 1e-3


def test_unknown_resolution_is_refused():
    with pytest.raises(ValueError, match="resolution must be one of"):
        dcgan_generator(resolution=48)


def test_batch_normalised_denoiser_keeps_the_feature_shape():
    denoiser = MLPDenoiser(width=32, depth=2, batch_norm=True, activation="leaky_relu")
    features = tf.random.normal((5, 2, 2, 8))
    assert denoiser(features, training=True).shape == (5, 2, 2, 8)
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in denoiser.hidden) == 2


def test_generator_and_discriminator_of_other_shapes_are_refused_naming_both():
    g = dcgan_generator(latent_dim=8, channels=1, width=4)
    d = dcgan_discriminator(channels=3, width=4)
    with pytest.raises(ValueError, match=r"\(32, 32, 1\).*\(32, 32, 3\)"):
        AnnealedGAN(g, d, latent_dim=8)


def test_real_images_of_the_wrong_shape_name_the_expected_one():
    gan = AnnealedGAN(dcgan_generator(latent_dim=8, channels=1, width=4),
                      dcgan_discriminator(channels=1, width=4), latent_dim=8)
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"\(batch, 32, 32, 1\).*\(4, 32, 32, 3\)"):
        gan.train_step(tf.zeros((4, 32, 32, 3)))
