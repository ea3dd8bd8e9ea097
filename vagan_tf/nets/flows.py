"""Masked autoregressive flows as Keras 3 layers on ``tfp.bijectors``.

``tfp.bijectors.AutoregressiveNetwork`` is a Keras 2 (tf-keras) layer, whose variables
a Keras 3 model does not see. ``MADE`` is a Keras 3 replacement, passed as
``shift_and_log_scale_fn`` to ``tfp.bijectors.MaskedAutoregressiveFlow``; the flows
below own their MADEs as sub-layers, so ``fit``, ``save_weights`` and
``keras.export.ExportArchive`` see every variable.

MAF (Papamakarios et al. 2017), one block, tfp's convention, z -> x:

    x_i = z_i exp(a_i(x_<i)) + mu_i(x_<i),        (mu, a) = MADE(x)
    z_i = (x_i - mu_i(x_<i)) exp(-a_i(x_<i))      (inverse: one MADE pass)

The stack is z -> [block_1, reverse] -> ... -> [block_K, reverse] -> x over
z ~ N(0, I_d), so with y_k the input of block k's inverse (data side),

    log q(x) = log N(z; 0, I) - sum_k sum_i a_i^(k)(y_k).

Density (``log_prob``) costs K MADE passes; sampling costs K d passes (a while loop
over coordinates). The IAF (Kingma et al. 2016) is the same chain inverted: its
sampling is the cheap direction and its density the d-pass one.

Flows compute in float32 under any Keras dtype policy (mixed precision included): a
log-density sums d K log-scales, which 16-bit floats would round away.
"""
import functools
import itertools

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vagan_tf.config.configurable import keras_configurable

tfb = tfp.bijectors
tfd = tfp.distributions

INPUT_ORDERS = ("left-to-right", "right-to-left", "random")


def made_degrees(event_dim, hidden_units, input_order="left-to-right", seed=None):
    """Degrees of the inputs and of each hidden layer (Germain et al. 2015, Sec. 4).

    Input i gets its position m(i) in the autoregressive order, a permutation of
    1..d. Hidden unit k gets m(k) in [1, d - 1], assigned cyclically (1, 2, ..., d-1,
    1, 2, ...), so every degree is present when a layer has at least d - 1 units.
    For d = 1 the hidden degrees are 0: no input may reach any output, and the
    hidden units carry only biases and the context.

    Args:
        event_dim: d, the number of inputs.
        hidden_units: the sizes of the hidden layers.
        input_order: 'left-to-right', 'right-to-left' or 'random'.
        seed: the seed of the 'random' order's permutation (NumPy's ``RandomState``).

    Returns:
        (input degrees int [d], [hidden degrees int [units] per hidden layer]).

    Raises:
        ValueError: an unknown ``input_order``.
    """
    if input_order == "left-to-right":
        input_degrees = np.arange(1, event_dim + 1)
    elif input_order == "right-to-left":
        input_degrees = np.arange(event_dim, 0, -1)
    elif input_order == "random":
        input_degrees = np.random.RandomState(seed).permutation(event_dim) + 1
    else:
        raise ValueError(f"input_order must be one of {INPUT_ORDERS}, got {input_order!r}")
    hidden_degrees = [np.arange(units) % max(event_dim - 1, 1) + min(event_dim - 1, 1)
                      for units in hidden_units]
    return input_degrees, hidden_degrees


def made_masks(input_degrees, hidden_degrees):
    """Kernel masks [n_in, n_out]: hidden M[j, k] = m(k) >= m(j); output M[j, i] = m(i) > m(j).

    The output mask is tiled twice (shift, log_scale). Output i then depends only
    on inputs j with m(j) < m(i).

    Args:
        input_degrees: the inputs' degrees [d] (``made_degrees``).
        hidden_degrees: the hidden layers' degrees, a list of [units] arrays.

    Returns:
        The float32 masks of 0s and 1s: one [n_in, units] per hidden layer, then the output
        mask [units_last, 2 d].
    """
    masks, previous = [], input_degrees
    for degrees in hidden_degrees:
        masks.append((degrees[None, :] >= previous[:, None]).astype(np.float32))
        previous = degrees
    output_mask = (input_degrees[None, :] > previous[:, None]).astype(np.float32)
    masks.append(np.tile(output_mask, (1, 2)))
    return masks


class MADE(keras.layers.Layer):
    """Masked autoencoder for distribution estimation: x [..., d] -> (shift, log_scale).

    Each layer is h' = act(h (W * M) + c V + b), with M from ``made_masks`` and V an
    unmasked context kernel present when ``context_dim`` is set (the context enters
    every layer, the output layer included). Output i of shift and log_scale depends
    only on the inputs earlier in ``input_order`` (and on the context).

    The output layer (W, V, b) starts at zero, so a flow built from MADEs starts as
    the identity. The raw log-scale r is clamped smoothly,
    log_scale = B tanh(r / B) with B = ``log_scale_bound`` (slope 1 at 0, |log_scale| < B),
    so one block scales a coordinate by at most e^B either way; None disables it.

    ``call(x, context=None)`` is the ``shift_and_log_scale_fn(x, **kwargs)`` that
    ``tfb.MaskedAutoregressiveFlow`` expects. The masks are constants derived from
    (d, hidden_units, input_order, seed), not variables: a "random" order needs a
    fixed ``seed`` for saved weights to load into the same connectivity.

    Args:
        hidden_units: the sizes of the hidden layers.
        activation: the hidden layers' activation (a name or a function).
        context_dim: None, or the size of the context.
        input_order: 'left-to-right', 'right-to-left' or 'random'.
        log_scale_bound: B of the log-scale clamp; None: unclamped.
        kernel_initializer: the initializer of the hidden kernels.
        seed: the seed of a 'random' order.
        name: the layer's name.

    Raises:
        ValueError: an unknown ``input_order``.
    """

    def __init__(self, hidden_units=(512, 512), activation="relu", context_dim=None,
                 input_order="left-to-right", log_scale_bound=3.0,
                 kernel_initializer="glorot_uniform", seed=None, name=None):
        super().__init__(name=name, dtype="float32")
        if input_order not in INPUT_ORDERS:
            raise ValueError(f"input_order must be one of {INPUT_ORDERS}, got {input_order!r}")
        self.hidden_units = tuple(int(units) for units in hidden_units)
        self.activation = keras.activations.get(activation)
        self.context_dim = None if context_dim is None else int(context_dim)
        self.input_order = input_order
        self.log_scale_bound = log_scale_bound
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed

    def build(self, input_shape):
        """Makes the masks and the weights for inputs of ``input_shape`` [..., d]."""
        self.event_dim = int(input_shape[-1])
        input_degrees, hidden_degrees = made_degrees(
            self.event_dim, self.hidden_units, self.input_order, self.seed)
        self.masks = made_masks(input_degrees, hidden_degrees)
        self.kernels, self.context_kernels, self.biases = [], [], []
        sizes = (self.event_dim,) + self.hidden_units + (2 * self.event_dim,)
        for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            is_output = layer == len(self.hidden_units)
            prefix = "output" if is_output else f"hidden_{layer}"
            initializer = "zeros" if is_output else self.kernel_initializer
            self.kernels.append(self.add_weight(
                shape=(n_in, n_out), initializer=initializer, name=f"{prefix}_kernel"))
            if self.context_dim is not None:
                self.context_kernels.append(self.add_weight(
                    shape=(self.context_dim, n_out), initializer=initializer,
                    name=f"{prefix}_context_kernel"))
            self.biases.append(self.add_weight(
                shape=(n_out,), initializer="zeros", name=f"{prefix}_bias"))

    def call(self, x, context=None):
        """(shift, log_scale), each [..., d], for x [..., d] and context [..., context_dim].

        Raises:
            ValueError: a context is given without ``context_dim``, or missing with it.
        """
        if (context is None) != (self.context_dim is None):
            raise ValueError(f"{self.name}: context_dim={self.context_dim} but context is "
                             f"{'missing' if context is None else 'given'}")
        h = x
        for layer, (kernel, mask, bias) in enumerate(zip(self.kernels, self.masks, self.biases)):
            h = tf.matmul(h, kernel * mask) + bias
            if context is not None:
                h += tf.matmul(tf.cast(context, h.dtype), self.context_kernels[layer])
            if layer < len(self.hidden_units):
                h = self.activation(h)
        shift, log_scale = tf.split(h, 2, axis=-1)
        if self.log_scale_bound is not None:
            log_scale = self.log_scale_bound * tf.tanh(log_scale / self.log_scale_bound)
        return shift, log_scale


class _Flow(keras.layers.Layer):
    """A density over R^d: ``bijector(context)`` (z -> x) over a standard normal base.

    ``call(x, context=None)`` is ``log_prob``, so ``keras.Model(x, flow(x))`` trained
    with the loss ``-y_pred`` is maximum likelihood. Bijectors and distributions are
    built per call (cheap, no variables of their own); the context is bound into the
    MADE calls when the chain is built, never routed through ``bijector_kwargs``.
    """

    def bijector(self, context=None):
        """The map z -> x; each flow defines it.

        Args:
            context: None, or the context [..., context_dim] of a conditional flow.
        """
        raise NotImplementedError

    def distribution(self, context=None):
        """TransformedDistribution of N(0, I_d) through ``bijector(context)``.

        Args:
            context: None, or the context [..., context_dim] of a conditional flow.

        Returns:
            A ``tfd.TransformedDistribution`` over R^d.
        """
        base = tfd.MultivariateNormalDiag(loc=tf.zeros([self.event_dim], self.dtype))
        return tfd.TransformedDistribution(base, self.bijector(context))

    def log_prob(self, x, context=None):
        """log q(x | context), shape x.shape[:-1], in float32.

        Args:
            x: points [..., d].
            context: None, or the context [..., context_dim] of a conditional flow.

        Returns:
            float32 [...].
        """
        return self.distribution(context).log_prob(tf.cast(x, tf.float32))

    def sample(self, n, seed=None, context=None):
        """n samples [n, d]; reparameterised, so gradients reach the variables.

        ``seed``: a stateless seed (two ints) gives the same draws on every call; an
        int seeds a stateful op (tfp's convention), so repeated calls differ. A
        context of shape [n, context_dim] gives one sample per context row.

        Args:
            n: the number of samples.
            seed: a stateless seed pair, an int, or None.
            context: None, or the context of a conditional flow.

        Returns:
            float32 [n, d].
        """
        return self.distribution(context).sample(n, seed=seed)

    def call(self, x, context=None):
        """``log_prob(x, context)``: float32 [...] for x [..., d]."""
        return self.log_prob(x, context)

    def compute_output_shape(self, input_shape):
        """x's shape without its last axis."""
        return tuple(input_shape[:-1])


@keras_configurable("maf")
class MAF(_Flow):
    """K blocks of ``tfb.MaskedAutoregressiveFlow`` with a ``MADE``, each followed by a
    ``tfb.Permute`` that reverses the coordinates (see the module docstring).

    Variables exist right after construction (the MADEs are built for ``event_dim``).
    With ``context_dim`` set the flow is conditional: pass ``context`` [..., context_dim]
    to every method; it must broadcast against the batch of x (or the n samples).

    Args:
        event_dim: d, the size of x.
        num_blocks: K, the autoregressive blocks (8 in the paper).
        hidden_units: the MADE's hidden layers ((512, 512) in the paper).
        activation: the MADE's hidden activation.
        context_dim: None, or the size of the context of a conditional flow.
        log_scale_bound: B, each block's log scale is B tanh(r / B); None: unbounded.
        name: the layer's name.
    """

    def __init__(self, event_dim, num_blocks=8, hidden_units=(512, 512), activation="relu",
                 context_dim=None, log_scale_bound=3.0, name="maf"):
        super().__init__(name=name, dtype="float32")
        self.event_dim = int(event_dim)
        self.num_blocks = int(num_blocks)
        self.context_dim = context_dim
        self.mades = [MADE(hidden_units, activation, context_dim=context_dim,
                           log_scale_bound=log_scale_bound, name=f"made_{k}")
                      for k in range(self.num_blocks)]
        for made in self.mades:
            made.build((None, self.event_dim))
        self.reverse = list(range(self.event_dim))[::-1]
        self.built = True

    def bijector(self, context=None):
        """tfb.Chain mapping z -> x: [block_1, reverse, ..., block_K, reverse] in that order.

        Args:
            context: None, or the context [..., context_dim] of a conditional flow.

        Returns:
            The ``tfb.Chain``.
        """
        steps = []  # in the order they act on z
        for k, made in enumerate(self.mades):
            shift_and_log_scale = functools.partial(made, context=context)
            steps += [tfb.MaskedAutoregressiveFlow(shift_and_log_scale, name=f"maf_block_{k}"),
                      tfb.Permute(self.reverse, name=f"reverse_{k}")]
        return tfb.Chain(steps[::-1], name="maf_chain")  # tfb.Chain applies its last first

    def inverse_autoregressive(self):
        """An ``IAF`` layer sharing this flow's MADEs (the same variables).

        Returns:
            ``IAF(self)``.
        """
        return IAF(self)


class IAF(_Flow):
    """``tfb.Invert`` of a ``MAF``'s chain over the same base and variables.

    x = maf.bijector.inverse(z): sampling is K MADE passes and reparameterised;
    log q(x) = log N(z) + sum_k sum_i a_i^(k), z = maf.bijector.forward(x), costs K d passes.

    Args:
        maf: the ``MAF`` whose chain is inverted.
        name: the layer's name; None: '<maf's name>_inverted'.
    """

    def __init__(self, maf, name=None):
        super().__init__(name=name or f"{maf.name}_inverted", dtype="float32")
        self.maf = maf
        self.event_dim = maf.event_dim
        self.context_dim = maf.context_dim
        self.built = True

    def bijector(self, context=None):
        """The inverted chain of the ``MAF``, z -> x.

        Args:
            context: None, or the context [..., context_dim] of a conditional flow.

        Returns:
            ``tfb.Invert(maf.bijector(context))``.
        """
        return tfb.Invert(self.maf.bijector(context), name="iaf_chain")
