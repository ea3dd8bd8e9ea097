"""The U-GAN baselines: a flow fitted to u(x) directly by reverse KL.

    L = mean_i [ log q(x_i) - log u(x_i) ],   x_i ~ q  (reparameterised),

an estimate of KL(q || u / Z) - log Z. ``experimental_sample_and_log_prob`` gives
log q(x_i) from the sampling pass itself, so the cost of a step is the cost of
sampling with gradients: K d MADE passes for a MAF (the costly direction, which
U-GAN avoids), K passes for its inverse, the IAF (``flows.MAF.inverse_autoregressive``).
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.config.configurable import keras_configurable
from vagan_tf.evaluation import importance
from vagan_tf.models.contract import TrainableSampler
from vagan_tf.training import distribute
from vagan_tf.training.latents import NormalLatent


class FlowGenerator(keras.layers.Layer):
    """x = T(z), the flow's bijector applied to base noise z ~ N(0, I_d): the flow as a generator.

    Draws of ``latents.NormalLatent`` through it are draws of the flow, so the export's
    ``serve(z)`` and ``sample(n)`` sample it.

    Args:
      flow: a ``flows.MAF`` or ``flows.IAF``.
      name: the layer's name.
    """

    def __init__(self, flow, name="flow_generator"):
        super().__init__(name=name)
        self.flow = flow

    def call(self, z, training=False):
        """x = T(z), float32 [B, d], for base noise z [B, d]."""
        del training
        return self.flow.bijector().forward(tf.cast(z, tf.float32))

    def compute_output_shape(self, input_shape):
        """z's shape: x has it too."""
        return input_shape


@keras_configurable()
class ReverseKLFlow(TrainableSampler):
    """A flow q trained to minimise KL(q || u / Z) from log u alone (docs/design.md §4.4).

    It is a ``TrainableSampler`` (``models/contract.py``), so ``vagan train`` runs it from gin
    (``gin/ugan/maf_rkl.gin``, ``iaf_rkl.gin``): its generator is the flow's map of
    z ~ N(0, I_d) (``FlowGenerator``), so the export samples the flow and its
    ``log_prob(x)`` is the sampler's own density.

    Args:
      flow: a ``flows.MAF`` or ``flows.IAF`` over R^d.
      target: an object with ``log_prob(x) -> [n]`` and ``dim``.
      inverse: train ``flow.inverse_autoregressive()`` (the IAF view of a MAF) instead.
      seed: seed of the model's samples.
      name: the model's name.

    Raises:
      ValueError: the flow's dimension is not the target's.
    """

    def __init__(self, flow=gin.REQUIRED, target=gin.REQUIRED, inverse=False, seed=None,
                 name="reverse_kl_flow"):
        super().__init__(name=name)
        self.flow = flow.inverse_autoregressive() if inverse else flow
        self.target = target
        if self.flow.event_dim != int(target.dim):
            raise ValueError(f"ReverseKLFlow: the flow has dimension {self.flow.event_dim} but "
                             f"the target {int(target.dim)}")
        self.generator = FlowGenerator(self.flow)
        self.latent = NormalLatent()
        self.latent_dim = self.flow.event_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.track(["kl_up_to_log_z", "target_log_prob"])

    def compile(self, generator_optimizer, **kwargs):
        """The flow's optimizer (the flow is the generator; ``compile_optimizers``).

        Args:
          generator_optimizer: the keras optimizer of the flow.
          **kwargs: passed to ``keras.Model.compile``.

        Raises:
          ValueError: ``generator_optimizer`` is None.
        """
        self.compile_optimizers({"generator_optimizer": generator_optimizer}, **kwargs)

    def optimizer_needs(self):
        """The optimizers ``compile`` needs: the flow's.

        Returns:
          {``compile`` argument name: why the model needs that optimizer}.
        """
        return {"generator_optimizer": "ReverseKLFlow trains its flow"}

    def build_all(self):
        """Create every variable (the flow, the optimizer's slots) without training."""
        self.generator(tf.zeros((1, self.latent_dim)))
        self.generator_optimizer.build(self.flow.trainable_variables)
        self.built = True

    def sample(self, n, seed=None):
        """n samples [n, d] of the flow.

        Args:
          n: the number of samples.
          seed: a stateless seed pair, an int, or None (``flows.MAF.sample``).

        Returns:
          float32 [n, d].
        """
        return self.flow.sample(n, seed=seed)

    def log_normaliser_estimate(self, n, seed=(0, 0)):
        """{log_z_hat, ess_fraction} of n importance weights u / q, x ~ q (the flow's own
        density; ``importance.log_weight_estimates``); ``seed``: a stateless seed pair.

        Args:
          n: the number of draws.
          seed: a stateless seed pair for the flow's draws.

        Returns:
          {'log_z_hat': float, 'ess_fraction': float}.

        Raises:
          ValueError: a NaN among the log weights.
        """
        log_weights, _ = importance.proposal_log_weights(self.target, self.flow.distribution(),
                                                         n, seed)
        return importance.log_weight_estimates(log_weights)

    def loss_terms(self, n):
        """(mean[log q - log u], mean log u) over n reparameterised samples.

        Args:
          n: the number of samples (an int or int32 scalar tensor).

        Returns:
          (the loss, mean log u), float32 scalar tensors.
        """
        seed = keras.random.randint([2], 0, 2**30, seed=self.seed_generator)
        x, log_q = self.flow.distribution().experimental_sample_and_log_prob(n, seed=seed)
        log_u = self.target.log_prob(x)
        return tf.reduce_mean(log_q - log_u), tf.reduce_mean(log_u)

    def train_step(self, data):
        """One flow update on as many samples as ``data`` (a ``step_counter`` batch) has rows;
        returns the logs: kl_up_to_log_z and target_log_prob, means since the epoch began."""
        batch = tf.shape(tf.convert_to_tensor(data))[0]
        with tf.GradientTape() as tape:
            loss, log_u = self.loss_terms(batch)
        distribute.descend(self.generator_optimizer, tape, loss, self.flow.trainable_variables)
        self.step.assign_add(1)
        self.trackers["kl_up_to_log_z"].update_state(loss)
        self.trackers["target_log_prob"].update_state(log_u)
        return distribute.fit_logs({m.name: m.result() for m in self.metrics})
