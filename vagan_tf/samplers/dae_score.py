"""Denoising autoencoders and the score estimators built from them.

A denoiser r trained to minimise E ||r(x + sigma xi) - x||^2, xi ~ N(0, I), is
optimal at r*(x~) = E[x | x~] = x~ + sigma^2 grad log p_sigma(x~) (Tweedie),
where p_sigma = p * N(0, sigma^2 I). Hence the two estimators of docs/design.md §5:

* DAE-score     s(x)   = (r(x) - x) / sigma^2                 (-> grad log p_sigma)
* DAE-residual  s_r(x) = -grad_x ||r(x) - x||^2

The paper (Tao et al. 2019, Fig. 2) finds the first recovers the density and the
second collapses Langevin chains.
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.config.configurable import keras_configurable
from vagan_tf.training import distribute


@keras_configurable()
class DenoisingAutoencoder(keras.Model):
    """r(x) = network(x), trained on inputs corrupted by N(0, sigma^2 I) noise.

    ``fit`` trains it on a dataset of clean points; inside a GAN step the owner
    calls ``denoising_loss`` under its own tape and optimizer.

    Args:
        network: a keras model h -> r(h) of the same shape (``nets.MLPDenoiser``).
        sigma: the corruption's standard deviation.
        seed: seed of the corruption noise.
        name: the model's name.

    Raises:
        ValueError: ``sigma`` <= 0.
    """

    def __init__(self, network=gin.REQUIRED, sigma=1.0, seed=None, name="denoiser"):
        super().__init__(name=name)
        if sigma <= 0:
            raise ValueError(f"DenoisingAutoencoder.sigma must be positive, got {sigma}")
        self.network = network
        self.sigma = float(sigma)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="denoiser_loss")

    def call(self, x, training=False):
        """r(x), of x's shape [B, ...]."""
        return self.network(x, training=training)

    def denoising_loss(self, x, training=True):
        """mean over batch and coordinates of (r(x + sigma xi) - x)^2, in float32.

        Under a ``tf.distribute`` strategy xi is this replica's rows of the global
        batch's draw and the mean is over this replica's share of the batch.

        Args:
            x: clean points [B, ...] (no gradient flows to them).
            training: run the network in training mode (batch normalisation).

        Returns:
            The loss, a float32 scalar tensor.
        """
        x = tf.cast(tf.stop_gradient(x), tf.float32)
        event_shape = tf.shape(x)[1:]
        noise = distribute.replica_rows(
            lambda n: keras.random.normal(tf.concat([[n], event_shape], 0),
                                          seed=self.seed_generator),
            tf.shape(x)[0])
        restored = tf.cast(self(x + self.sigma * noise, training=training), tf.float32)
        return tf.reduce_mean(tf.square(restored - x))

    def score(self, x):
        """DAE-score s(x) = (r(x) - x) / sigma^2, with r in inference mode.

        Args:
            x: points [B, ...].

        Returns:
            s(x), of x's shape.
        """
        return (self(x, training=False) - x) / self.sigma**2

    def residual_score(self, x):
        """DAE-residual s_r(x) = -grad_x ||r(x) - x||^2 (per example).

        Args:
            x: points [B, ...], a tensor.

        Returns:
            s_r(x), of x's shape.
        """
        with tf.GradientTape() as tape:
            tape.watch(x)
            axes = list(range(1, len(x.shape)))
            energy = tf.reduce_sum(tf.square(self(x, training=False) - x), axis=axes)
        return -tape.gradient(energy, x)

    @property
    def metrics(self):
        """The loss tracker, which Keras resets at each epoch."""
        return [self.loss_tracker]

    def train_step(self, data):
        """One step on ``denoising_loss`` of a batch of clean points (or a tuple whose first
        element is it); returns the logs: denoiser_loss, its mean since the epoch began."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            loss = self.denoising_loss(x)
        distribute.descend(self.optimizer, tape, loss, self.network.trainable_variables)
        self.loss_tracker.update_state(loss)
        return distribute.fit_logs({"denoiser_loss": self.loss_tracker.result()})
