"""Networks of soft Q-learning: Q(s, a), the policy sampler a = g(s, eps), the critic w(s, a).

Every network is ``nets.mlp.mlp``: a ``depth``-hidden-layer ReLU MLP of ``width`` units
on a concatenation of its inputs, then a linear output layer; ``depth = 2``, ``width = 128``
(three weight layers) is the soft Q-learning set-up of Haarnoja et al. (2017).

Actions live in the box (-1, 1)^m. The sampler is tanh-squashed,

    a = tanh(x),   x = g_pre(s, eps) = MLP([s, eps]),   eps ~ N(0, I_k),

and exposes the pre-squash point x too: densities of the flow proposal and of the
target are taken in x-space (see ``policy_update``).
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.config.configurable import keras_configurable
from vagan_tf.nets.mlp import mlp


def _state_action_scalar(observation_dim, action_dim, width, depth, prefix, name):
    """An MLP ([B, obs_dim], [B, m]) -> [B, 1] on the concatenation [s, a]."""
    s = keras.Input((observation_dim,), name="observations")
    a = keras.Input((action_dim,), name="actions")
    return keras.Model([s, a], mlp([s, a], 1, width, depth, prefix=prefix), name=name)


@gin.configurable
def q_network(observation_dim, action_dim, width=128, depth=2, name="q_network"):
    """Q(s, a): ([B, obs_dim], [B, m]) -> [B, 1].

    Args:
        observation_dim: size of s.
        action_dim: m, size of a.
        width: units of each hidden layer.
        depth: number of hidden layers.
        name: the model's name.

    Returns:
        A ``keras.Model`` taking ``[s, a]``.
    """
    return _state_action_scalar(observation_dim, action_dim, width, depth, "q", name)


@gin.configurable
def pair_critic(observation_dim, action_dim, width=128, depth=2, name="critic"):
    """The U-GAN critic w(s, a): ([B, obs_dim], [B, m]) -> logit [B, 1].

    Args:
        observation_dim: size of s.
        action_dim: m, size of a.
        width: units of each hidden layer.
        depth: number of hidden layers.
        name: the model's name.

    Returns:
        A ``keras.Model`` taking ``[s, a]``.
    """
    return _state_action_scalar(observation_dim, action_dim, width, depth, "critic", name)


@keras_configurable()
class PolicySampler(keras.Model):
    """The amortised sampler a = tanh(g_pre(s, eps)), eps ~ N(0, I_noise_dim).

    ``call([s, eps])`` returns the pre-squash x [B, m]; ``sample`` draws eps and squashes.

    Args:
      observation_dim: size of s.
      action_dim: size of a.
      noise_dim: size of eps (the action size when None, as in Haarnoja et al. 2017).
      width: units of each of the MLP's hidden layers.
      depth: the number of hidden layers.
      name: the model's name.
    """

    def __init__(self, observation_dim, action_dim, noise_dim=None, width=128, depth=2,
                 name="policy_sampler"):
        s = keras.Input((observation_dim,), name="observations")
        eps = keras.Input((noise_dim or action_dim,), name="noise")
        super().__init__([s, eps], mlp([s, eps], action_dim, width, depth, prefix="sampler"),
                         name=name)
        self.observation_dim = int(observation_dim)
        self.action_dim = int(action_dim)
        self.noise_dim = int(noise_dim or action_dim)

    def noise(self, batch, rng):
        """eps [batch, noise_dim] ~ N(0, I) from ``rng``, a ``tf.random.Generator``.

        Args:
          batch: the number of rows (an int or integer scalar tensor).
          rng: a ``tf.random.Generator``.

        Returns:
          float32 eps [batch, noise_dim].
        """
        return rng.normal([batch, self.noise_dim])

    def pre_squash(self, observations, rng):
        """x = g_pre(s, eps) [B, m] for one fresh eps per row of ``observations``.

        Args:
          observations: s [B, observation_dim].
          rng: a ``tf.random.Generator`` for eps.

        Returns:
          x [B, m].
        """
        return self([observations, self.noise(tf.shape(observations)[0], rng)])

    def sample(self, observations, rng):
        """a = tanh(g_pre(s, eps)) [B, m], one action per row of ``observations``.

        Args:
          observations: s [B, observation_dim].
          rng: a ``tf.random.Generator`` for eps.

        Returns:
          a [B, m] in (-1, 1).
        """
        return tf.tanh(self.pre_squash(observations, rng))
