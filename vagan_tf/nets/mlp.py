"""Fully connected networks for low-dimensional data (toys, densities)."""
import gin
import keras
import numpy as np

from vagan_tf.config import checks
from vagan_tf.config.configurable import keras_configurable


def _hidden_stack(x, width, depth, activation, prefix):
    for i in range(depth):
        x = keras.layers.Dense(width, activation=activation, name=f"{prefix}_dense_{i}")(x)
    return x


def mlp(inputs, output_dim, width, depth, activation="relu", prefix="mlp"):
    """The package's MLP on keras tensors: y = W h_depth + b, h_i = act(W_i h_(i-1) + b_i).

    h_0 is the concatenation of ``inputs`` (a list of keras tensors [B, *]); the
    ``depth`` hidden layers have ``width`` units, the output layer is linear of size
    ``output_dim``. Layers are named ``{prefix}_inputs``, ``{prefix}_dense_{i}`` and
    ``{prefix}_output``.

    Args:
        inputs: a list of keras tensors [B, *].
        output_dim: the size of y.
        width: units of each hidden layer.
        depth: number of hidden layers.
        activation: the hidden layers' Keras activation.
        prefix: the prefix of the layers' names.

    Returns:
        The keras tensor y [B, output_dim].
    """
    h = (keras.layers.Concatenate(name=f"{prefix}_inputs")(inputs) if len(inputs) > 1
         else inputs[0])
    h = _hidden_stack(h, width, depth, activation, prefix)
    return keras.layers.Dense(output_dim, name=f"{prefix}_output")(h)


class BijectorOutput(keras.layers.Layer):
    """x = bijector.forward(u): a fixed change of coordinates after a network's last layer.

    Args:
        bijector: a tfp bijector on vectors, without variables.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ...).
    """

    def __init__(self, bijector, **kwargs):
        super().__init__(**kwargs)
        self.bijector = bijector

    def call(self, u):
        """x = bijector.forward(u), of u's shape [B, d]."""
        return self.bijector.forward(u)

    def compute_output_shape(self, input_shape):
        """u's shape: the bijector keeps it."""
        return input_shape


@gin.configurable
def mlp_generator(latent_dim=gin.REQUIRED, output_dim=gin.REQUIRED, width=256, depth=3,
                  activation="relu", residual=False, output_bijector=None, name="generator"):
    """G(z): `depth` hidden layers of `width` units, linear output of size `output_dim`,
    then, given an ``output_bijector`` (a tfp bijector on vectors of that size), its
    forward map: G(z) = b(W h + c), e.g. the BLR posterior's non-centred coordinates
    (``targets.NonCentredPrecision``).

    ``residual``: G(z) = b(z + W h + c) with W, c initialised to 0, so the generator starts
    as the identity and q as the latent law N(0, I) (as a flow starts at its base), not as
    the narrow cloud (std ~0.2 per coordinate at width 128, depth 3) a Glorot-initialised
    ReLU stack maps N(0, I) to. Needs ``latent_dim == output_dim``.

    Args:
        latent_dim: size of z.
        output_dim: size of x.
        width: units of each hidden layer.
        depth: number of hidden layers.
        activation: the hidden layers' Keras activation.
        residual: start as the identity, G(z) = b(z + W h + c) (see above).
        output_bijector: a tfp bijector applied to the linear output, or None.
        name: the model's name.

    Returns:
        A ``keras.Model`` z [B, latent_dim] -> x [B, output_dim].

    Raises:
        ConfigurationError: ``residual`` with ``latent_dim != output_dim``.
    """
    if residual and latent_dim != output_dim:
        raise checks.ConfigurationError(
            f"mlp_generator.residual needs latent_dim == output_dim; got {latent_dim} "
            f"and {output_dim}")
    z = keras.Input((latent_dim,), name="z")
    if residual:
        h = _hidden_stack(z, width, depth, activation, "generator")
        step = keras.layers.Dense(output_dim, kernel_initializer="zeros",
                                  name="generator_output")(h)
        x = keras.layers.Add(name="generator_residual")([z, step])
    else:
        x = mlp([z], output_dim, width, depth, activation, "generator")
    if output_bijector is not None:
        x = BijectorOutput(output_bijector, name="generator_bijector")(x)
    return keras.Model(z, x, name=name)


@gin.configurable
def mlp_critic(input_dim=gin.REQUIRED, width=256, depth=3, activation="relu", packing=1,
               name="critic"):
    """D(x) -> (logit [B / m, 1], features [B / m, width]); features: the last hidden layer.

    ``packing`` m > 1 is PacGAN's critic (Lin et al. 2018): rows i m, ..., i m + m - 1 of x
    are concatenated into one input of size m input_dim and judged together, so that the
    critic sees the diversity of m samples at once; B must be a multiple of m. The
    objectives average over the B / m packs.

    Args:
        input_dim: size of x.
        width: units of each hidden layer (and of the features).
        depth: number of hidden layers.
        activation: the hidden layers' Keras activation.
        packing: m, the rows judged together (1: an ordinary critic).
        name: the model's name.

    Returns:
        A ``keras.Model`` x [B, input_dim] -> [logit [B / m, 1], features [B / m, width]],
        with the attribute ``packing`` = m.

    Raises:
        ValueError: ``packing`` is below 1.
    """
    packing = int(packing)
    if packing < 1:
        raise ValueError(f"mlp_critic.packing must be a positive integer; got {packing}")
    x = keras.Input((input_dim,), name="x")
    h = x if packing == 1 else keras.layers.Lambda(
        lambda rows: keras.ops.reshape(rows, (-1, packing * input_dim)),
        output_shape=(packing * input_dim,), name="critic_packing")(x)
    features = _hidden_stack(h, width, depth, activation, "critic")
    logit = keras.layers.Dense(1, name="critic_logit")(features)
    critic = keras.Model(x, [logit, features], name=name)
    critic.packing = packing  # rows per judged input; AnnealedGAN.build_all reads it
    return critic


@keras_configurable("mlp_denoiser")
class MLPDenoiser(keras.Model):
    """r(h): flatten -> `depth` x [dense `width`, (BN), activation] -> linear -> reshape to h.

    Works on any input shape (2-D points or image feature maps); the output layer is
    sized when the input shape is first seen. The image runs use width 2048, BN and
    leaky ReLU on the 2048 discriminator features (DFM's denoiser).

    Args:
        width: units of each hidden layer.
        depth: number of hidden layers.
        activation: the hidden layers' Keras activation.
        batch_norm: batch normalisation (momentum 0.9) before each activation.
        name: the model's name.

    Calling it on h [B, ...] returns r(h) of the same shape; it raises nothing of its own.
    """

    def __init__(self, width=256, depth=3, activation="relu", batch_norm=False,
                 name="mlp_denoiser"):
        super().__init__(name=name)
        self.hidden = []
        for i in range(depth):
            self.hidden.append(keras.layers.Dense(width, name=f"denoiser_dense_{i}"))
            if batch_norm:
                self.hidden.append(keras.layers.BatchNormalization(
                    momentum=0.9, epsilon=1e-5, name=f"denoiser_bn_{i}"))
            self.hidden.append(keras.layers.Activation(activation, name=f"denoiser_act_{i}"))
        self.flatten = keras.layers.Flatten()
        self.output_layer = None
        self.reshape = None

    def build(self, input_shape):
        """Sizes the output layer for inputs h of ``input_shape`` [B, ...]."""
        event_shape = tuple(input_shape[1:])
        self.output_layer = keras.layers.Dense(int(np.prod(event_shape)), name="denoiser_output")
        self.reshape = keras.layers.Reshape(event_shape)

    def call(self, h, training=False):
        """r(h), of h's shape [B, ...]."""
        x = self.flatten(h)
        for layer in self.hidden:
            x = layer(x, training=training)
        return self.reshape(self.output_layer(x))
