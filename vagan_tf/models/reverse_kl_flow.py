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

from vagan_tf.configurable import keras_configurable


@keras_configurable()
class ReverseKLFlow(keras.Model):
    """A flow q trained to minimise KL(q || u / Z) from log u alone.

    Args:
      flow: a ``flows.MAF`` or ``flows.IAF`` over R^d.
      target: an object with ``log_prob(x) -> [n]`` and ``dim``.
      inverse: train ``flow.inverse_autoregressive()`` (the IAF view of a MAF) instead.
      seed: seed of the model's samples.
    """

    def __init__(self, flow=gin.REQUIRED, target=gin.REQUIRED, inverse=False, seed=None,
                 name="reverse_kl_flow"):
        super().__init__(name=name)
        self.flow = flow.inverse_autoregressive() if inverse else flow
        self.target = target
        if self.flow.event_dim != int(target.dim):
            raise ValueError(f"ReverseKLFlow: the flow has dimension {self.flow.event_dim} but "
                             f"the target {int(target.dim)}")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("kl_up_to_log_z",
                                                                   "target_log_prob")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def sample(self, n, seed=None):
        """n samples [n, d] of the flow."""
        return self.flow.sample(n, seed=seed)

    def loss_terms(self, n):
        """(mean[log q - log u], mean log u) over n reparameterised samples."""
        seed = keras.random.randint([2], 0, 2**30, seed=self.seed_generator)
        x, log_q = self.flow.distribution().experimental_sample_and_log_prob(n, seed=seed)
        log_u = self.target.log_prob(x)
        return tf.reduce_mean(log_q - log_u), tf.reduce_mean(log_u)

    def train_step(self, data):
        batch = tf.shape(tf.convert_to_tensor(data))[0]
        with tf.GradientTape() as tape:
            loss, log_u = self.loss_terms(batch)
        variables = self.flow.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        self.step.assign_add(1)
        self.trackers["kl_up_to_log_z"].update_state(loss)
        self.trackers["target_log_prob"].update_state(log_u)
        return {m.name: m.result() for m in self.metrics}
