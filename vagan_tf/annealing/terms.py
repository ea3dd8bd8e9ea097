"""Annealing regularisers: the scheduled term added to the generator loss.

Both terms use a denoiser r working on a chosen space h (the discriminator's
feature vector f for images, as in DFM, or the data x itself for toy data) and
differentiate only through h; B is the batch size and F the size of h.

* ``likelihood`` (beta = 1 + lambda_t): r is trained on noisy real points and
      term = lambda_t * mean_{b,i}( sg[h - r(h)] * h ),
  whose gradient in h is lambda_t (h - r(h)) / (B F) = -lambda_t sigma^2 s_p(h) / (B F):
  descending it moves h up the data density for lambda > 0. A constant
  lambda = 0.06 has exactly the gradient of DFM's 0.03 * MSE(h, sg[r(h)]).
* ``entropy`` (beta = 1 / (1 + lambda_t)): r_q is trained on noisy *generated*
  points and term = lambda_t * mean( sg[r_q(h) - h] * h ), a surrogate of
  lambda_t E_q[log q] whose gradient is lambda_t sigma^2 s_q(h) / (B F).
  ``center=True`` subtracts the batch mean of r_q(h) - h first. The true score has
  E_q[s_q] = 0 (the integral of grad q is 0), so the mean is the denoiser's error, and it is
  where a lagging r_q errs: trained on where the moving q was, r_q(h) - h points back
  there for every point, and the uncentred term pushes the whole batch away from its own
  past, a drift rather than a spread.
* ``no_annealing``: no term, lambda = 0, beta = 1.

The terms are computed in float32 whatever the compute dtype of h (mixed precision).
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.annealing import schedules
from vagan_tf.config.configurable import keras_configurable

SPACES = ("features", "data")


class AnnealingTerm(keras.layers.Layer):
    """A scheduled generator-loss term and the denoiser that estimates its score.

    Args:
        schedule: the schedule of lambda_t (a ``schedules.Schedule``), or None.
        denoiser: the denoiser r (a ``score.DenoisingAutoencoder``), or None.
        space: 'features' (h = the critic's features) or 'data' (h = the points).
        name: the layer's name.

    Raises:
        ValueError: ``space`` is not one of ``SPACES``.
    """

    def __init__(self, schedule=None, denoiser=None, space="features", name=None):
        super().__init__(name=name)
        if space not in SPACES:
            raise ValueError(f"annealing space must be one of {SPACES}, got {space!r}")
        self.schedule = schedule
        self.denoiser = denoiser
        self.space = space
        self.built = True  # no variables of its own; the denoiser builds itself

    def lam(self, step):
        """lambda_t, a float32 scalar tensor.

        Args:
            step: the training step t, an int or integer scalar tensor.

        Returns:
            The schedule's lambda_t, a float32 scalar tensor.
        """
        return self.schedule(step)

    form = None  # "likelihood" or "entropy": the annealing.FORMS entry of the term

    def beta(self, lam):
        """The inverse temperature this term anneals to for weight lambda.

        Args:
            lam: lambda_t, a float or float32 tensor.

        Returns:
            beta_t (``schedules.beta`` of the term's ``form``), of ``lam``'s shape.
        """
        return schedules.beta(self.form, lam)

    def select(self, x, features):
        """The points h the denoiser works on: features f or data x.

        Args:
            x: the points [B, d].
            features: the critic's features f of those points [B, F].

        Returns:
            ``x`` if the term's space is 'data', else ``features``.
        """
        return x if self.space == "data" else features

    def denoiser_points(self, real, fake):
        """Which points the denoiser learns: real for likelihood, fake for entropy.

        Args:
            real: h of a real batch [B, F].
            fake: h of a generated batch [B, F].
        """
        raise NotImplementedError

    def generator_term(self, h, lam):
        """The term added to the generator loss at the generated points h; each term defines it.

        Args:
            h: h of a generated batch [B, F], differentiable in the generator.
            lam: lambda_t, a float32 scalar tensor.
        """
        raise NotImplementedError


@keras_configurable("no_annealing")
class NoAnnealing(AnnealingTerm):
    """The plain GAN: lambda = 0, beta = 1, no denoiser.

    Args:
        name: the layer's name.
    """

    def __init__(self, name="no_annealing"):
        super().__init__(name=name)

    def lam(self, step):
        """lambda = 0 at every step.

        Args:
            step: the training step t (unused).

        Returns:
            A float32 scalar tensor 0.
        """
        del step
        return tf.constant(0.0)

    def beta(self, lam):
        """beta = 1 + lambda (1 at lambda = 0).

        Args:
            lam: lambda_t, a float or float32 tensor.

        Returns:
            1 + ``lam``.
        """
        return 1.0 + lam

    def generator_term(self, h, lam):
        """No term: zero.

        Args:
            h: h of a generated batch [B, F] (unused).
            lam: lambda_t, a float32 scalar tensor.

        Returns:
            Zeros of ``lam``'s shape.
        """
        del h
        return tf.zeros_like(lam)


@keras_configurable("likelihood")
class LikelihoodAnnealing(AnnealingTerm):
    """term = lambda_t * mean( sg[h - r(h)] * h ) with r a denoiser of real points.

    Args:
        schedule: the schedule of lambda_t (``annealing.Linear``, ...).
        denoiser: a ``score.DenoisingAutoencoder``, trained on real h alongside the GAN.
        space: 'features' (h = the critic's features) or 'data' (h = the points).
        name: the term's name.

    Raises:
        ValueError: an unknown ``space``.
    """

    form = "likelihood"

    def __init__(self, schedule=gin.REQUIRED, denoiser=gin.REQUIRED, space="features",
                 name="likelihood"):
        super().__init__(schedule, denoiser, space, name)

    def denoiser_points(self, real, fake):
        """The real points: r learns the data's score.

        Args:
            real: h of a real batch [B, F].
            fake: h of a generated batch [B, F] (unused).

        Returns:
            ``real``.
        """
        del fake
        return real

    def generator_term(self, h, lam):
        """lambda_t * mean( sg[h - r(h)] * h ), in float32.

        Args:
            h: h of a generated batch [B, F], differentiable in the generator.
            lam: lambda_t, a float32 scalar tensor.

        Returns:
            The term, a float32 scalar tensor.
        """
        h = tf.cast(h, tf.float32)
        residual = tf.stop_gradient(h - tf.cast(self.denoiser(h, training=False), tf.float32))
        return lam * tf.reduce_mean(residual * h)


@keras_configurable("entropy")
class EntropyAnnealing(AnnealingTerm):
    """term = lambda_t * mean( sg[c(r_q(h) - h)] * h ) with r_q a denoiser of generated points;
    c is the identity, or with ``center`` the removal of the batch mean (under a strategy,
    of this replica's rows).

    Args:
        schedule: the schedule of lambda_t (``annealing.Linear``, ...).
        denoiser: a ``score.DenoisingAutoencoder``, trained on generated h alongside the GAN.
        space: 'features' (h = the critic's features) or 'data' (h = the points).
        center: subtract the batch mean of r_q(h) - h before the product.
        name: the term's name.

    Raises:
        ValueError: an unknown ``space``.
    """

    form = "entropy"

    def __init__(self, schedule=gin.REQUIRED, denoiser=gin.REQUIRED, space="features",
                 center=False, name="entropy"):
        super().__init__(schedule, denoiser, space, name)
        self.center = bool(center)

    def denoiser_points(self, real, fake):
        """The generated points: r_q learns the generator's score.

        Args:
            real: h of a real batch [B, F] (unused).
            fake: h of a generated batch [B, F].

        Returns:
            ``fake``.
        """
        del real
        return fake

    def generator_term(self, h, lam):
        """lambda_t * mean( sg[c(r_q(h) - h)] * h ), in float32.

        Args:
            h: h of a generated batch [B, F], differentiable in the generator.
            lam: lambda_t, a float32 scalar tensor.

        Returns:
            The term, a float32 scalar tensor.
        """
        h = tf.cast(h, tf.float32)
        residual = tf.stop_gradient(tf.cast(self.denoiser(h, training=False), tf.float32) - h)
        if self.center:
            residual -= tf.reduce_mean(residual, axis=0, keepdims=True)
        return lam * tf.reduce_mean(residual * h)
