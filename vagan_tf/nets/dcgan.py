"""DCGAN networks of the paper's image experiments (Tao et al. 2019, supplement Table 1).

The table is read together with the DFM code it was run with (Warde-Farley & Bengio
2017), which fixes the two places where the table alone is ambiguous:

* generator, 32x32: z -> dense 4*4*512, BN, ReLU -> 4x4 stride-2 transposed convs
  256, 128, 64 (BN, ReLU) -> 3x3 stride-1 conv to C channels, tanh. (The table's
  first layer of "2048" units would start at 2x2 and end at 16x16.)
* discriminator, 32x32: 3x3 conv 32 stride 1, lReLU -> 4x4 stride-2 convs 64, 128,
  256, 512, each with BN (the last BN without scale) -> the features f are that
  BN's output, 2x2x512 = 2048 numbers -> lReLU -> dense 1 (the logit).

Each doubling of the resolution (64, 128) adds one stride-2 layer to both networks
(widths capped at 8 * ``width``), so the generator always starts at 4x4 and the
features always have 2x2x512 entries. Every kernel starts as N(0, 0.02^2); lReLU
has slope 0.2.
"""
import math

import gin
import keras

RESOLUTIONS = (32, 64, 128)


def _initializer():
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _doublings(resolution, start):
    if resolution not in RESOLUTIONS:
        raise ValueError(f"DCGAN resolution must be one of {RESOLUTIONS}, got {resolution}")
    return int(math.log2(resolution // start))


def _batch_norm(name, scale=True):
    # momentum 0.9: the moving statistics used at sampling time follow training closely.
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, scale=scale, name=name)


@gin.configurable
def dcgan_generator(latent_dim=128, resolution=32, channels=3, width=64, name="generator"):
    """G(z): [B, latent_dim] -> images [B, resolution, resolution, channels] in [-1, 1].

    Upsampling widths, last layer first: width, 2 width, 4 width, ... capped at 8 width
    (64, 128, 256 at 32x32); the dense layer has 4 * 4 * 8 width units.

    Args:
        latent_dim: size of z (128 in the paper's Table 1).
        resolution: image side, one of 32, 64, 128.
        channels: 1 (grey) or 3 (colour).
        width: the base number of filters (64 in the paper's Table 1).
        name: the model's name.

    Returns:
        A ``keras.Model`` z [B, latent_dim] -> x [B, resolution, resolution, channels].

    Raises:
        ValueError: ``resolution`` is not one of the supported sizes.
    """
    doublings = _doublings(resolution, 4)
    top = 8 * width
    z = keras.Input((latent_dim,), name="z")
    h = keras.layers.Dense(4 * 4 * top, kernel_initializer=_initializer(), name="g_dense")(z)
    h = keras.layers.Reshape((4, 4, top))(h)
    h = keras.layers.ReLU()(_batch_norm("g_bn_dense")(h))
    for i in range(doublings):
        filters = min(top, width * 2 ** (doublings - 1 - i))
        h = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=_initializer(), name=f"g_deconv_{i}")(h)
        h = keras.layers.ReLU()(_batch_norm(f"g_bn_{i}")(h))
    x = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh",
                            kernel_initializer=_initializer(), name="g_output")(h)
    return keras.Model(z, x, name=name)


@gin.configurable
def dcgan_discriminator(resolution=32, channels=3, width=64, name="discriminator"):
    """D(x) -> (logit [B, 1], features f [B, 2, 2, 8 width]); f is the last BN's output.

    Downsampling widths: width, 2 width, 4 width, ... capped at 8 width (64, 128, 256, 512
    at 32x32), after a first 3x3 stride-1 conv of width / 2 filters.

    Args:
        resolution: image side, one of 32, 64, 128.
        channels: 1 (grey) or 3 (colour).
        width: the base number of filters (64 in the paper's Table 1).
        name: the model's name.

    Returns:
        A ``keras.Model`` x [B, resolution, resolution, channels] -> [logit [B, 1],
        features [B, 2, 2, 8 width]].

    Raises:
        ValueError: ``resolution`` is not one of the supported sizes.
    """
    doublings = _doublings(resolution, 2)
    top = 8 * width
    x = keras.Input((resolution, resolution, channels), name="x")
    h = keras.layers.Conv2D(width // 2, 3, padding="same", kernel_initializer=_initializer(),
                            name="d_conv_in")(x)
    h = keras.layers.LeakyReLU(0.2)(h)
    for i in range(doublings):
        filters = min(top, width * 2**i)
        h = keras.layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False,
                                kernel_initializer=_initializer(), name=f"d_conv_{i}")(h)
        last = i == doublings - 1
        h = _batch_norm(f"d_bn_{i}", scale=not last)(h)
        if not last:
            h = keras.layers.LeakyReLU(0.2)(h)
    features = h
    h = keras.layers.Flatten()(keras.layers.LeakyReLU(0.2)(features))
    logit = keras.layers.Dense(1, kernel_initializer=_initializer(), name="d_logit")(h)
    return keras.Model(x, [logit, features], name=name)
