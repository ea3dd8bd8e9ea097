"""The Bayesian logistic regression posterior on a UCI split, and its non-centred coordinates
(``NonCentredPrecision``).
"""
import math

import gin
import tensorflow as tf
import tensorflow_probability as tfp

from vagan_tf.targets.base import Target
from vagan_tf.targets.uci import Split, load_uci


class BayesianLogisticRegression(Target):
    """The posterior of Bayesian logistic regression on the train part of a ``Split``
    (docs/design.md §6.3).

    Model: logit_i = x_i . w + b, y_i ~ Bernoulli(sigmoid(logit_i)); w_j, b ~ N(0, 1/alpha);
    alpha ~ Gamma(shape a = 1, rate r = 0.01). The sampled point is
    theta = (w_1 .. w_d, b, log alpha), dim = d + 2, and

    log_prob(theta) = sum_i [y_i logit_i - softplus(logit_i)]
                      + sum_{j=1}^{d+1} log N(theta_j; 0, 1/alpha)
                      + log Gamma(alpha; a, r) + log alpha,

    the last term being the log-Jacobian of alpha = exp(log alpha). The normal and gamma
    densities keep all their constants; only the evidence log p(y | x) is left out.

    Args:
        split: the ``uci.Split`` whose train rows condition the posterior.
        prior_shape: a, the Gamma prior's shape.
        prior_rate: r, the Gamma prior's rate.

    Raises:
        ValueError: ``prior_shape`` or ``prior_rate`` <= 0.
    """

    def __init__(self, split, prior_shape=1.0, prior_rate=0.01):
        if prior_shape <= 0 or prior_rate <= 0:
            raise ValueError(f"the Gamma prior needs a positive shape and rate; got "
                             f"shape={prior_shape}, rate={prior_rate}")
        self.split = split
        self.prior_shape = float(prior_shape)
        self.prior_rate = float(prior_rate)
        self.name = f"blr_{split.name}"
        self.dim = split.num_features + 2
        self._x_train = tf.constant(split.x_train, tf.float32)
        self._y_train = tf.constant(split.y_train, tf.float32)

    def non_centred(self):
        """The non-centred parametrisation of theta, as a bijector for ``mcmc.nuts``.

        ``NonCentredPrecision()``, k = d + 1: u = (z_1 .. z_k, s) -> theta = (z e^{-s/2}, s),
        so z = sqrt(alpha) (w, b) is N(0, I) under the prior whatever alpha is. The
        posterior's funnel between log alpha and the scale of (w, b) (wide w at small alpha,
        narrow at large) becomes a funnel only as strong as the data make it.

        Returns:
            A ``NonCentredPrecision`` bijector u -> theta.
        """
        return NonCentredPrecision()

    def _logits(self, theta, x):
        """logit[s, i] = x_i . w_s + b_s for draws theta [S, d + 2] and rows x [m, d] -> [S, m]."""
        d = self.dim - 2
        return tf.matmul(theta[:, :d], x, transpose_b=True) + theta[:, d:d + 1]

    def _log_prob(self, theta):
        logits = self._logits(theta, self._x_train)
        log_likelihood = tf.reduce_sum(self._y_train * logits - tf.nn.softplus(logits), axis=1)
        # sum_{j <= k} log N(theta_j; 0, 1/alpha)
        #     = (k/2) (log alpha - log 2 pi) - (alpha/2) sum_j theta_j^2,  k = d + 1
        k = self.dim - 1
        log_alpha = theta[:, -1]
        alpha = tf.exp(log_alpha)
        log_normal = (0.5 * k * (log_alpha - math.log(2 * math.pi))
                      - 0.5 * alpha * tf.reduce_sum(tf.square(theta[:, :k]), axis=1))
        # log Gamma(alpha; a, r) + log alpha = a log r - lgamma(a) + a log alpha - r alpha
        a, r = self.prior_shape, self.prior_rate
        log_hyperprior = a * math.log(r) - math.lgamma(a) + a * log_alpha - r * alpha
        return log_likelihood + log_normal + log_hyperprior

    def _log_predictive(self, theta_samples, x):
        """(log p, log(1 - p)) [m] of the predictive p(x) = mean_s sigmoid(logit_s(x)), S draws.

        log p = logsumexp_s log sigmoid(logit_s) - log S, and log(1 - p) likewise with -logit_s,
        so neither underflows when p rounds to 0 or 1.
        """
        theta = self._checked_points(theta_samples)
        x = tf.cast(tf.convert_to_tensor(x), tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.dim - 2:
            raise ValueError(f"{self.name} predicts rows of shape (m, {self.dim - 2}); "
                             f"got {tuple(x.shape)}")
        logits = self._logits(theta, x)
        log_count = tf.math.log(tf.cast(tf.shape(theta)[0], tf.float32))
        return (tf.reduce_logsumexp(tf.math.log_sigmoid(logits), axis=0) - log_count,
                tf.reduce_logsumexp(tf.math.log_sigmoid(-logits), axis=0) - log_count)

    def predictive_probability(self, theta_samples, x):
        """p(y = 1 | x) = mean_s sigmoid(x . w_s + b_s) for draws theta [S, d + 2], rows x [m, d].

        Args:
            theta_samples: posterior draws theta [S, d + 2].
            x: feature rows [m, d].

        Returns:
            p, float32 [m].

        Raises:
            ValueError: theta or x has the wrong shape, or theta holds NaN or inf.
        """
        log_p, _ = self._log_predictive(theta_samples, x)
        return tf.exp(log_p)

    def test_metrics(self, theta_samples):
        """The posterior predictive on the test rows of the split, from draws theta [S, d + 2]:

        test_accuracy = mean_i [(p_i > 0.5) == y_i],
        test_log_likelihood = mean_i [y_i log p_i + (1 - y_i) log(1 - p_i)].

        Args:
            theta_samples: posterior draws theta [S, d + 2].

        Returns:
            {'test_accuracy': float, 'test_log_likelihood': float}.

        Raises:
            ValueError: theta has the wrong shape or holds NaN or inf.
        """
        log_p, log_not_p = self._log_predictive(theta_samples, self.split.x_test)
        y = tf.constant(self.split.y_test, tf.float32)
        predicted = tf.cast(tf.exp(log_p) > 0.5, tf.float32)
        accuracy = tf.reduce_mean(tf.cast(predicted == y, tf.float32))
        log_likelihood = tf.reduce_mean(y * log_p + (1.0 - y) * log_not_p)
        return {"test_accuracy": float(accuracy), "test_log_likelihood": float(log_likelihood)}

    def __repr__(self):
        return (f"BayesianLogisticRegression(name={self.name!r}, dim={self.dim}, "
                f"prior_shape={self.prior_shape}, prior_rate={self.prior_rate})")


@gin.register
class NonCentredPrecision(tfp.bijectors.Bijector):
    """u = (z_1 .. z_k, s) -> x = (z_1 e^{-s/2} .. z_k e^{-s/2}, s) on vectors of k + 1 >= 2.

    For x = (coefficients, log precision): z is the coefficients in units of the prior's
    scale alpha^{-1/2} = e^{-s/2}. log |det dx/du| = -(k/2) s, the k coefficients each
    scaled by e^{-s/2} (s's own row is the identity); k is read from the vectors' length.
    As a generator's output layer (``mlp_generator.output_bijector``) it lets the network
    produce the funnel between s and the coefficients' scale by a product, not fit it.

    Args:
        name: the bijector's name.
    """

    def __init__(self, name="non_centred_precision"):
        super().__init__(forward_min_event_ndims=1, name=name)

    def _checked(self, v):
        if v.shape[-1] is not None and v.shape[-1] < 2:
            raise ValueError(f"{self.name} maps vectors of coefficients and a log precision "
                             f"(length >= 2); got shape {tuple(v.shape)}")
        return v

    def _scaled(self, v, power):
        """(v_1 .. v_k) e^{power s} next to s = v_{k+1}: power -1/2 forward, +1/2 inverse."""
        v = self._checked(v)
        log_precision = v[..., -1:]
        return tf.concat([v[..., :-1] * tf.exp(power * log_precision), log_precision], axis=-1)

    def _forward(self, u):
        return self._scaled(u, -0.5)

    def _inverse(self, x):
        return self._scaled(x, 0.5)

    def _forward_log_det_jacobian(self, u):
        num_scaled = tf.cast(tf.shape(self._checked(u))[-1] - 1, u.dtype)
        return -0.5 * num_scaled * u[..., -1]


@gin.configurable
def blr_posterior(dataset=gin.REQUIRED, prior_shape=1.0, prior_rate=0.01):
    """The BLR posterior on ``dataset``: a ``Split``, or a UCI name loaded by ``load_uci(name)``.

    With a name, ``load_uci``'s own bindings (split_seed, data_home) apply:
    ``blr_posterior.dataset = 'heart'`` and ``load_uci.split_seed = 3``, say.

    Args:
        dataset: a ``uci.Split``, or a UCI name (a key of ``uci.DATASETS``).
        prior_shape: a, the Gamma prior's shape.
        prior_rate: r, the Gamma prior's rate.

    Returns:
        The ``BayesianLogisticRegression`` posterior.

    Raises:
        ValueError: a Gamma prior parameter <= 0.
    """
    split = dataset if isinstance(dataset, Split) else load_uci(dataset)
    return BayesianLogisticRegression(split, prior_shape=prior_shape, prior_rate=prior_rate)
