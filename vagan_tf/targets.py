"""Target densities on R^d: Gaussian mixtures (ring, grid), banana, kidney, the
Bayesian logistic regression posterior on a UCI split (with its non-centred coordinates,
``NonCentredPrecision``), and ``LogDensity``, any log density given as a function.

Every target is a ``Target``: ``log_prob(x)`` of points x [n, dim] (a normalised or
unnormalised log density, as each class states), ``score(x)`` = grad_x log_prob(x),
and, where one exists, an exact ``sample(n, seed)`` with a stateless seed pair.
Mixtures also expose their ``centers`` and ``std`` for the mode metrics.
"""
import itertools
import math

import gin
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from vagan_tf.checks import ConfigurationError, positive_int
from vagan_tf.uci import Split, load_uci


class Target:
    """Base of the targets: checks the points, and differentiates ``log_prob`` into ``score``.

    Subclasses set ``name`` and ``dim`` and implement ``_log_prob(x)`` on checked
    float32 points x [n, dim], returning [n].
    """

    name = "target"
    dim = 2

    def _checked_points(self, x):
        """x as float32 [n, dim]; a wrong shape or a NaN/inf coordinate raises a clear error.

        A wrong shape raises ``ValueError``. Non-finite values raise ``ValueError``
        eagerly and ``tf.errors.InvalidArgumentError`` inside a ``tf.function``.
        """
        x = tf.cast(tf.convert_to_tensor(x), tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.dim:
            raise ValueError(f"{self.name} takes points of shape (n, {self.dim}); "
                             f"got {tuple(x.shape)}")
        message = f"{self.name} got non-finite points (NaN or inf)"
        if tf.executing_eagerly():
            bad = int(np.sum(~np.all(np.isfinite(x.numpy()), axis=1)))
            if bad:
                raise ValueError(f"{message} in {bad} of {x.shape[0]} rows")
            return x
        return tf.debugging.assert_all_finite(x, message)

    def log_prob(self, x):
        """log density at points x [n, dim] -> [n]."""
        return self._log_prob(self._checked_points(x))

    def score(self, x):
        """grad_x log_prob(x) at points x [n, dim] -> [n, dim] (by automatic differentiation)."""
        x = self._checked_points(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            log_density = self._log_prob(x)
        return tape.gradient(log_density, x)

    def _log_prob(self, x):
        raise NotImplementedError


@gin.configurable("log_density")
class LogDensity(Target):
    """A target given by a function: log u(x) = ``fn(x)``, known up to its normaliser.

    ``fn`` maps float32 points x [n, dim] to [n] with TensorFlow ops (so that it can be
    differentiated and traced); the points it gets are checked first (shape, NaN, inf).
    In gin, ``TARGET = @log_density()`` with ``log_density.fn = @my_log_u`` for a function
    registered by ``@gin.register`` in a module the gin file imports (``import my_module``).

    Args:
        fn: the log density, [n, dim] -> [n].
        dim: d, the points' dimension.
        name: the name errors give the target.

    Raises:
        ConfigurationError: ``fn`` is not callable, or ``dim`` is not a positive integer.
    """

    def __init__(self, fn=gin.REQUIRED, dim=gin.REQUIRED, name="log_density"):
        if not callable(fn):
            raise ConfigurationError(f"log_density.fn must be a function; got {fn!r}")
        self.fn = fn
        self.dim = positive_int("log_density.dim", dim)
        self.name = name

    def _log_prob(self, x):
        return self.fn(x)

    def __repr__(self):
        return f"LogDensity({getattr(self.fn, '__name__', self.fn)}, dim={self.dim})"


class GaussianMixture(Target):
    """Mixture of isotropic Gaussians N(c_k, std^2 I) with weights w_k (equal by default).

    log p(x) = logsumexp_k( log w_k - ||x - c_k||^2 / (2 std^2) ) - (d/2) log(2 pi std^2).
    """

    def __init__(self, centers, std, weights=None, name="mixture"):
        centers = np.asarray(centers, dtype=np.float32)
        if centers.ndim != 2:
            raise ValueError(f"centers must have shape (modes, dim); got {centers.shape}")
        if std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        self.centers = centers
        self.std = float(std)
        self.name = name
        self.equal_weights = weights is None
        self.weights = (np.full(self.num_modes, 1.0 / self.num_modes) if weights is None
                        else _checked_weights(weights, self.num_modes, name))

    @property
    def dim(self):
        return self.centers.shape[1]

    @property
    def num_modes(self):
        return self.centers.shape[0]

    def _log_prob(self, x):
        sq = tf.reduce_sum(tf.square(x[:, None, :] - self.centers[None]), axis=-1)
        # log w_k = log(K w_k) - log K: equal weights add exactly 0 to each component
        log_relative_weights = tf.constant(np.log(self.num_modes * self.weights), tf.float32)
        log_norm = math.log(self.num_modes) + 0.5 * self.dim * math.log(2 * math.pi * self.std**2)
        return tf.reduce_logsumexp(log_relative_weights - sq / (2 * self.std**2), axis=1) - log_norm

    def sample(self, n, seed=(0, 0)):
        """n exact samples; ``seed`` is a stateless seed pair (tuple or int tensor of shape [2])."""
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        if self.equal_weights:
            modes = tf.random.stateless_uniform([n], seeds[0], 0, self.num_modes, dtype=tf.int32)
        else:
            log_weights = tf.constant(np.log(self.weights)[None], tf.float32)
            modes = tf.random.stateless_categorical(log_weights, n, seeds[0])[0]
        noise = tf.random.stateless_normal([n, self.dim], seeds[1])
        return tf.gather(tf.constant(self.centers), modes) + self.std * noise

    def __repr__(self):
        weights = "" if self.equal_weights else f", weights={self.weights.round(4).tolist()}"
        return (f"GaussianMixture(name={self.name!r}, modes={self.num_modes}, "
                f"std={self.std}{weights})")


def _checked_weights(weights, num_modes, name):
    """``weights`` as float64 [K]: positive and summing to 1, or a one-line error naming them."""
    weights = np.asarray(weights, np.float64)
    if weights.shape != (num_modes,) or not np.all(weights > 0) or abs(weights.sum() - 1) > 1e-6:
        raise ValueError(f"{name}: weights must be {num_modes} positive numbers summing to 1; "
                         f"got {weights.tolist()}")
    return weights


@gin.configurable
def ring(num_modes=8, radius=2.0, std=0.02):
    """The 8-Gaussian ring: centres radius * (cos 2 pi k / K, sin 2 pi k / K), std 0.02."""
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centers, std, name="ring")


@gin.configurable
def grid(values=(-4.0, -2.0, 0.0, 2.0, 4.0), std=0.05):
    """The 25-Gaussian grid: centres {-4, -2, 0, 2, 4}^2, std 0.05."""
    centers = np.array(list(itertools.product(values, values)))
    return GaussianMixture(centers, std, name="grid")


@gin.configurable
def separated_mixture(dim=10, num_modes=2, separation=6.0, std=1.0, weights=None):
    """K well-separated Gaussians in d dimensions: centres (separation / sqrt 2) e_k, k < K.

    Every pair of centres is ``separation`` apart (in units where std = 1 it is the number
    of standard deviations between modes); the density between them is exp(-separation^2 / 8)
    of a peak's, so a sampler fit by reverse KL tends to settle in one mode. Exact samples:
    ``sample``; K <= d. ``weights``: the modes' weights (equal by default).
    """
    if not 2 <= num_modes <= dim:
        raise ValueError(f"separated_mixture needs 2 <= num_modes <= dim; got {num_modes} "
                         f"modes in {dim} dimensions")
    centers = separation / math.sqrt(2.0) * np.eye(dim)[:num_modes]
    return GaussianMixture(centers, std, weights, name=f"mixture{num_modes}_d{dim}")


@gin.configurable("banana")
class Banana(Target):
    """The banana of docs/design.md §6.1, unnormalised:
    log u(x) = -(x2^2 / 4 + (x1 - x2^2 / 4)^2) / 2.

    u is the product of N(x2; 0, 4) and N(x1; x2^2 / 4, 1) without their constants,
    so its normaliser is Z = 2 pi * 2 * 1 = 4 pi, and ``sample`` is exact:
    x2 ~ N(0, 4), then x1 | x2 ~ N(x2^2 / 4, 1).
    """

    name = "banana"
    dim = 2

    def _log_prob(self, x):
        x1, x2 = x[:, 0], x[:, 1]
        bend = tf.square(x2) / 4.0
        return -0.5 * (bend + tf.square(x1 - bend))

    def standardize(self, x):
        """The sampler's map inverted: z = (x1 - x2^2 / 4, x2 / 2), N(0, I) when x ~ banana.

        Its spread shows how a sample set sits across (z1) and along (z2) the curve.
        """
        x = self._checked_points(x)
        return tf.stack([x[:, 0] - tf.square(x[:, 1]) / 4.0, x[:, 1] / 2.0], axis=1)

    def sample(self, n, seed=(0, 0)):
        """n exact samples [n, 2]; ``seed`` is a stateless seed pair (tuple or int tensor [2]).

        The seed is split before use, so the normals are not those that a stateless
        op (or ``keras.random.SeedGenerator(seed[0])``, whose draws use the seeds
        (seed[0], k)) would draw from the same pair: a denoiser trained on
        ``sampler_dataset(banana, seed=0)`` with such a generator would otherwise
        see noise that is a function of its data.
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        x2 = 2.0 * tf.random.stateless_normal([n], seeds[0])
        x1 = tf.square(x2) / 4.0 + tf.random.stateless_normal([n], seeds[1])
        return tf.stack([x1, x2], axis=1)

    def __repr__(self):
        return "Banana()"


@gin.configurable("kidney")
class Kidney(Target):
    """The kidney of docs/design.md §6.2 (the density; the supplement prints its energy -log u):

    log u(x) = -((||x|| - radius) / radial_scale)^2 / 2
               + log( exp(-((x1 - offset) / lobe_scale)^2 / 2)
                      + exp(-((x1 + offset) / lobe_scale)^2 / 2) )

    with radius 2, radial_scale 0.4, offset 2 and lobe_scale 0.6 by default: a ring
    of radius 2 whose mass sits in two lobes at (+-2, 0). Unnormalised. ``sample`` is
    exact, by rejection (``rejection_sample``) from the uniform law on the box
    |x_i| <= radius + 6 radial_scale (outside it u < e^-18) under log u <= log 2.
    ||x|| is sqrt(max(||x||^2, 1e-30)), so the score at the origin (a cone point) is 0, not NaN.
    """

    name = "kidney"
    dim = 2

    def __init__(self, radius=2.0, radial_scale=0.4, offset=2.0, lobe_scale=0.6):
        if radial_scale <= 0 or lobe_scale <= 0:
            raise ValueError(f"kidney scales must be positive; got radial_scale={radial_scale}, "
                             f"lobe_scale={lobe_scale}")
        self.radius = float(radius)
        self.radial_scale = float(radial_scale)
        self.offset = float(offset)
        self.lobe_scale = float(lobe_scale)

    def _log_prob(self, x):
        norm = tf.sqrt(tf.maximum(tf.reduce_sum(tf.square(x), axis=1), 1e-30))
        ring = -0.5 * tf.square((norm - self.radius) / self.radial_scale)
        lobes = tf.stack([x[:, 0] - self.offset, x[:, 0] + self.offset], axis=1) / self.lobe_scale
        return ring + tf.reduce_logsumexp(-0.5 * tf.square(lobes), axis=1)

    def sample(self, n, seed=(0, 0)):
        """n samples [n, 2] by rejection; ``seed`` is a stateless seed pair."""
        half_width = self.radius + 6.0 * self.radial_scale
        return rejection_sample(self, n, [-half_width] * 2, [half_width] * 2, math.log(2.0), seed)

    def __repr__(self):
        return (f"Kidney(radius={self.radius}, radial_scale={self.radial_scale}, "
                f"offset={self.offset}, lobe_scale={self.lobe_scale})")


def rejection_sample(target, n, low, high, log_bound, seed=(0, 0), batch=10_000):
    """n exact draws of exp(target.log_prob) restricted to the box [low, high] by rejection.

    Proposals x ~ U[low, high] are kept with probability exp(log u(x) - log_bound), in
    rounds of ``batch`` with the stateless seeds split from ``seed``. ``log_bound`` must
    bound log u on the box: a proposal above it raises, since the draws would then not
    follow u.
    """
    low = tf.constant(low, tf.float32)
    high = tf.constant(high, tf.float32)
    kept, count, round_index = [], 0, 0
    while count < n:
        seeds = tf.random.experimental.stateless_split(
            tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), round_index), 2)
        x = low + (high - low) * tf.random.stateless_uniform([batch, target.dim], seeds[0])
        log_u = target.log_prob(x)
        if float(tf.reduce_max(log_u)) > log_bound:
            raise ValueError(f"rejection_sample: log u reaches {float(tf.reduce_max(log_u)):.4f} "
                             f"on the box, above log_bound {log_bound:.4f}")
        accept = tf.math.log(tf.random.stateless_uniform([batch], seeds[1])) < log_u - log_bound
        kept.append(tf.boolean_mask(x, accept))
        count += int(kept[-1].shape[0])
        round_index += 1
    return tf.concat(kept, axis=0)[:n]


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

        Returns [m].
        """
        log_p, _ = self._log_predictive(theta_samples, x)
        return tf.exp(log_p)

    def test_metrics(self, theta_samples):
        """The posterior predictive on the test rows of the split, from draws theta [S, d + 2]:

        test_accuracy = mean_i [(p_i > 0.5) == y_i],
        test_log_likelihood = mean_i [y_i log p_i + (1 - y_i) log(1 - p_i)].
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
    """
    split = dataset if isinstance(dataset, Split) else load_uci(dataset)
    return BayesianLogisticRegression(split, prior_shape=prior_shape, prior_rate=prior_rate)
