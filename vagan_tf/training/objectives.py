"""Adversarial objectives: critic loss, generator loss and critic penalty.

The critic returns a logit y. At the optimum of the logistic critic loss
y*(x) = log p_data(x) / q(x), which is what lets the reverse-KL generator loss
-E_q[y] minimise KL(q || p_data).

Every objective is a small object selected in gin, e.g.
``AnnealedGAN.objective = @rkl()``. Losses are computed in float32 whatever the
critic's compute dtype (mixed precision), and are means over the examples at hand:
one replica's share of the global batch under a ``tf.distribute`` strategy (see
``vagan_tf.training.distribute``).
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.training import distribute


def _mean(x):
    return tf.reduce_mean(tf.cast(x, tf.float32))


def _mean_softplus(x):
    return tf.reduce_mean(tf.math.softplus(tf.cast(x, tf.float32)))


class Objective:
    """Interface of an adversarial objective.

    ``critic_loss`` and ``generator_loss`` take logits; ``penalty`` takes the
    critic itself, because a gradient penalty differentiates through it.
    """

    has_penalty = False

    def critic_loss(self, real_logits, fake_logits):
        """The critic's loss; each objective defines it.

        Args:
            real_logits: the critic's logits at real points [B, 1].
            fake_logits: the critic's logits at generated points [B, 1].
        """
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        """The generator's adversarial loss; each objective defines it.

        Args:
            fake_logits: the critic's logits at generated points [B, 1].
        """
        raise NotImplementedError

    def penalty(self, critic, real, fake, seed, packing=1):
        """Extra critic loss; zero unless the objective regularises the critic.

        Args:
            critic: ``critic(x)`` -> the logit (or a tuple whose first entry is it).
            real: real points [B, ...].
            fake: generated points [B, ...].
            seed: a ``keras.random.SeedGenerator`` or an int.
            packing: m, the rows the critic judges as one input.

        Returns:
            A float32 scalar tensor (0 here).
        """
        del critic, real, fake, seed, packing
        return tf.constant(0.0)

    def __repr__(self):
        return f"{type(self).__name__}()"


def logistic_critic_loss(positive_logits, negative_logits):
    """L = mean softplus(-y(x_P)) + mean softplus(y(x_N)) (docs/design.md §2.1), in float32.

    The binary cross-entropy of logits y with the points of P labelled 1 and those of N
    labelled 0, minimised by y*(x) = log p_P(x) / p_N(x). The GAN critic uses it with
    P = data, N = generated; U-GAN's critic with P = generated, N = flow samples.

    Args:
        positive_logits: y at the points of P, [B, 1] (any shape).
        negative_logits: y at the points of N, [B, 1] (any shape).

    Returns:
        L, a float32 scalar tensor.
    """
    return _mean_softplus(-positive_logits) + _mean_softplus(negative_logits)


class _LogisticCritic(Objective):
    """Critic loss  L_D = mean softplus(-y_real) + mean softplus(y_fake).

    ``logistic_critic_loss`` with real labelled 1 and fake labelled 0, minimised by
    y*(x) = log p_data(x) / q(x).
    """

    def critic_loss(self, real_logits, fake_logits):
        """L_D = mean softplus(-y_real) + mean softplus(y_fake).

        Args:
            real_logits: y_real [B, 1].
            fake_logits: y_fake [B, 1].

        Returns:
            L_D, a float32 scalar tensor.
        """
        return logistic_critic_loss(real_logits, fake_logits)


@gin.configurable("jsd")
class JensenShannon(_LogisticCritic):
    """Non-saturating GAN (Goodfellow et al. 2014): L_G = mean softplus(-y_fake)."""

    def generator_loss(self, fake_logits):
        """L_G = mean softplus(-y_fake).

        Args:
            fake_logits: y_fake [B, 1].

        Returns:
            L_G, a float32 scalar tensor.
        """
        return _mean_softplus(-fake_logits)


@gin.configurable("rkl")
class ReverseKL(_LogisticCritic):
    """Reverse KL, KL(q || p_data):  L_G = -mean y_fake.

    With the optimal critic, -E_q[y*] = E_q[log q / p_data] = KL(q || p_data).
    """

    def generator_loss(self, fake_logits):
        """L_G = -mean y_fake.

        Args:
            fake_logits: y_fake [B, 1].

        Returns:
            L_G, a float32 scalar tensor.
        """
        return -_mean(fake_logits)


def safe_norm(x, epsilon=1e-12):
    """Euclidean norm over all but the first axis, sqrt(sum x^2 + epsilon).

    The epsilon keeps the value and its gradient finite where x = 0, where the
    plain norm has an undefined (NaN) gradient.

    Args:
        x: a tensor [B, ...].
        epsilon: the term added under the square root.

    Returns:
        The norms [B].
    """
    axes = list(range(1, len(x.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(x), axis=axes) + epsilon)


@gin.configurable("wgan_gp")
class WassersteinGP(Objective):
    """W-GAN with gradient penalty (Gulrajani et al. 2017).

    L_D = mean y_fake - mean y_real + gamma * mean (||grad_x y(x_hat)||_2 - 1)^2,
    x_hat = eps * x_real + (1 - eps) * x_fake,  eps ~ U(0, 1) per example;
    L_G = -mean y_fake.

    A packed critic (PacGAN, m rows judged as one input) is a function of the pack's
    concatenated rows, so there the example is the pack: one eps per pack, and the slope is
    the norm of y's gradient with respect to all m rows together.

    Args:
        gp_weight: gamma.
        epsilon: the epsilon of ``safe_norm`` in the slopes.
    """

    has_penalty = True

    def __init__(self, gp_weight=10.0, epsilon=1e-12):
        self.gp_weight = float(gp_weight)
        self.epsilon = float(epsilon)

    def critic_loss(self, real_logits, fake_logits):
        """L_D without the penalty: mean y_fake - mean y_real.

        Args:
            real_logits: y_real [B, 1].
            fake_logits: y_fake [B, 1].

        Returns:
            A float32 scalar tensor.
        """
        return _mean(fake_logits) - _mean(real_logits)

    def generator_loss(self, fake_logits):
        """L_G = -mean y_fake.

        Args:
            fake_logits: y_fake [B, 1].

        Returns:
            L_G, a float32 scalar tensor.
        """
        return -_mean(fake_logits)

    def penalty(self, critic, real, fake, seed, packing=1):
        """gamma * mean (||grad y(x_hat)|| - 1)^2 at random interpolates x_hat.

        ``critic(x)`` must return the logit (or a tuple whose first entry is it), one per
        ``packing`` rows of x; ``seed`` is a ``keras.random.SeedGenerator`` or an int. The
        interpolates and their gradients are float32 (the critic casts its input to its
        compute dtype); under a strategy eps is this replica's rows of the global batch's draw.

        Args:
            critic: ``critic(x)`` -> the logit [B / m, 1] (or a tuple whose first entry is it).
            real: real points [B, ...].
            fake: generated points [B, ...] (no gradient flows to them).
            seed: a ``keras.random.SeedGenerator`` or an int, for eps.
            packing: m, the rows the critic judges as one input; B a multiple of m.

        Returns:
            The penalty, a float32 scalar tensor.
        """
        real = tf.cast(real, tf.float32)
        fake = tf.cast(tf.stop_gradient(fake), tf.float32)
        ones = tf.ones([len(real.shape) - 1], tf.int32)
        eps = distribute.replica_rows(
            lambda n: keras.random.uniform(tf.concat([[n], ones], 0), seed=seed),
            tf.shape(real)[0] // packing)
        eps = tf.repeat(eps, packing, axis=0)  # one eps per pack
        interpolates = eps * real + (1.0 - eps) * fake
        with tf.GradientTape() as tape:
            tape.watch(interpolates)
            logits = critic(interpolates)
            if isinstance(logits, (tuple, list)):
                logits = logits[0]
            logits = tf.cast(logits, tf.float32)
        grads = tape.gradient(logits, interpolates)
        packs = tf.reshape(grads, tf.concat([[-1, packing], tf.shape(grads)[1:]], 0))
        slopes = safe_norm(packs, self.epsilon)  # over each pack's m rows
        return self.gp_weight * tf.reduce_mean(tf.square(slopes - 1.0))

    def __repr__(self):
        return f"WassersteinGP(gp_weight={self.gp_weight})"
