"""The sampler benchmarks that FAB, DDS, PIS and "Beyond ELBOs" share, with their log Z.

* ``gmm40``: FAB's 40 equal-weight Gaussians in 2-D, std softplus(1) = 1.3133, means shipped
  in ``assets/gmm40`` (sha256 checked at load); normalised, log Z = 0; exact samples.
* ``ManyWell``: 16 independent copies of the double well
      log u(x1, x2) = -(x1^4 - 6 x1^2 - 0.5 x1) - x2^2 / 2,
  d = 32, 2^16 modes; log Z = 16 (log Z_1 + (1/2) log 2 pi), Z_1 = int exp(-(x^4 - 6 x^2 - 0.5 x))
  dx
  = 11784.50927 (``double_well_normaliser``, by quadrature); exact samples (x2 ~ N(0, 1), x1
  by the inverse CDF of the 1-D density on a fine grid). The deeper well is x1 > 0.
* ``Funnel``: Neal's funnel in d = 10, x0 ~ N(0, 3^2), x1..x9 | x0 ~ N(0, e^{x0}); normalised,
  log Z = 0; exact samples.
* ``SonarLogisticRegression``: the Bayesian logistic regression of DDS (Vargas et al. 2023) and
  "Beyond ELBOs" (Blessing et al. 2024): all 208 rows of UCI sonar, the 60 features
  standardised (mean 0, std 1 over the rows, ddof 0), an intercept column of ones, w ~ N(0, I_61):
      log u(w) = sum_i [y_i a_i - softplus(a_i)] + log N(w; 0, I),   a_i = [x_i, 1] . w,
  so Z = p(y | x), the evidence. No exact samples; ``log_z`` is None (the reference is a long
  tempered SMC run, ``benchmarks/sampler_benchmarks.py --reference``).
* ``Rescaled``: any target seen in coordinates y = x / scale (log Z unchanged), the same
  preconditioning for every learned sampler on GMM-40, whose modes lie in [-40, 40]^2.

Every target is a ``targets.Target`` with ``log_z`` (None when unknown).
"""
import math
import os

import gin
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from scipy import integrate

from vagan_tf.data.pipelines import verify_sha256
from vagan_tf.targets.base import Target
from vagan_tf.targets.mixtures import GaussianMixture
from vagan_tf.targets.uci import raw_table

tfd = tfp.distributions

GMM40_MEANS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "assets", "gmm40",
                           "means.csv")
GMM40_SHA256 = "c2d2148fc4e5e57dcf9374b7877ed793a3a2e75515ab93b133c8a998b3d2fb95"
GMM40_STD = math.log1p(math.e)  # softplus(1) = 1.3133


def gmm40_means(path=GMM40_MEANS):
    """The 40 means [40, 2] (float64) of FAB's GMM-40, read from ``path`` after its sha256 check.

    Args:
      path: the CSV of the means (one header row); the default is the package's copy.

    Returns:
      The means, float64 [40, 2].

    Raises:
      ValueError: the file's sha256 is not FAB's means' (names the file).
    """
    with open(path, "rb") as f:
        data = f.read()
    verify_sha256(path, data, GMM40_SHA256)
    return np.loadtxt(path, delimiter=",", skiprows=1)


@gin.configurable
def gmm40():
    """FAB's GMM-40: 40 equal-weight N(mu_k, 1.3133^2 I_2), mu_k the shipped means; log Z = 0.

    Returns:
      A ``GaussianMixture`` named 'gmm40' with ``log_z`` = 0.

    Raises:
      ValueError: the shipped means fail their sha256 check.
    """
    mixture = GaussianMixture(gmm40_means(), GMM40_STD, name="gmm40")
    mixture.log_z = 0.0
    return mixture


def double_well_log_density(x):
    """The 1-D well's log density up to a constant: -(x^4 - 6 x^2 - 0.5 x) (numpy or tf).

    Args:
      x: points, a NumPy array or tensor of any shape.

    Returns:
      The log density, elementwise, of x's type and shape.
    """
    return -(x**4 - 6.0 * x**2 - 0.5 * x)


def double_well_normaliser():
    """Z_1 = int exp(-(x^4 - 6 x^2 - 0.5 x)) dx by adaptive quadrature (scipy.integrate.quad).

    Returns:
      Z_1, a Python float.
    """
    value, _ = integrate.quad(lambda x: np.exp(double_well_log_density(x)), -np.inf, np.inf,
                              points=None, epsabs=0.0, epsrel=1e-12)
    return value


def double_well_deep_mass():
    """The 1-D well's mass on x > 0 (the deeper well): int_0^inf exp(...) dx / Z_1.

    Returns:
      The mass, a Python float.
    """
    value, _ = integrate.quad(lambda x: np.exp(double_well_log_density(x)), 0.0, np.inf,
                              epsabs=0.0, epsrel=1e-12)
    return value / double_well_normaliser()


@gin.configurable("many_well")
class ManyWell(Target):
    """Many-Well: ``num_pairs`` independent (x1, x2) pairs, coordinates (x1, x2, x1, x2, ...).

    log u(x) = sum_pairs [-(x1^4 - 6 x1^2 - 0.5 x1) - x2^2 / 2];
    log Z = num_pairs (log Z_1 + (1/2) log 2 pi) (164.6957 for 16 pairs).

    Args:
      num_pairs: the number of pairs (d = 2 num_pairs).
      grid_size: points of the grid on [-grid_bound, grid_bound] whose CDF the exact sampler
        inverts (by linear interpolation, ``numpy.interp``).
      grid_bound: the half-width of that grid.

    Raises:
      ValueError: ``num_pairs`` < 1.
    """

    def __init__(self, num_pairs=16, grid_size=200_001, grid_bound=5.0):
        if num_pairs < 1:
            raise ValueError(f"many_well.num_pairs must be >= 1; got {num_pairs}")
        self.num_pairs = int(num_pairs)
        self.dim = 2 * self.num_pairs
        self.name = f"many_well{self.dim}"
        self.log_z = self.num_pairs * (math.log(double_well_normaliser())
                                       + 0.5 * math.log(2 * math.pi))
        grid = np.linspace(-grid_bound, grid_bound, grid_size)
        cdf = integrate.cumulative_trapezoid(np.exp(double_well_log_density(grid)), grid,
                                             initial=0.0)
        self._grid, self._cdf = grid, cdf / cdf[-1]

    def _log_prob(self, x):
        pairs = tf.reshape(x, [-1, self.num_pairs, 2])
        return tf.reduce_sum(double_well_log_density(pairs[..., 0]) - 0.5 * tf.square(pairs[..., 1]),
                             axis=1)

    def sample(self, n, seed=(0, 0)):
        """n exact samples [n, d]: x1 by the inverse CDF on the grid, x2 ~ N(0, 1).

        Args:
          n: the number of samples.
          seed: a stateless seed pair.

        Returns:
          float32 [n, d].
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        uniform = tf.random.stateless_uniform([n, self.num_pairs], seeds[0], dtype=tf.float64)
        x1 = np.interp(uniform.numpy(), self._cdf, self._grid)
        x2 = tf.random.stateless_normal([n, self.num_pairs], seeds[1], dtype=tf.float64).numpy()
        return tf.constant(np.stack([x1, x2], axis=2).reshape(n, self.dim), tf.float32)

    def deep_well_masses(self, x):
        """The share of points x [n, d] with x1 > 0, per pair: [num_pairs].

        Args:
          x: points [n, d].

        Returns:
          The shares, float64 [num_pairs].
        """
        return np.mean(np.asarray(x)[:, 0::2] > 0, axis=0)

    def __repr__(self):
        return f"ManyWell(num_pairs={self.num_pairs})"


@gin.configurable("funnel")
class Funnel(Target):
    """Neal's funnel: x0 ~ N(0, scale^2), x_i | x0 ~ N(0, e^{x0}) for i = 1..d-1; log Z = 0.

    Args:
      dim: d.
      scale: the standard deviation of x0.

    Raises:
      ValueError: ``dim`` < 2 or ``scale`` <= 0.
    """

    def __init__(self, dim=10, scale=3.0):
        if dim < 2 or scale <= 0:
            raise ValueError(f"funnel needs dim >= 2 and scale > 0; got dim={dim}, scale={scale}")
        self.dim = int(dim)
        self.scale = float(scale)
        self.name = f"funnel{self.dim}"
        self.log_z = 0.0

    def _log_prob(self, x):
        x0 = x[:, 0]
        neck = tfd.Normal(0.0, tf.exp(0.5 * x0)[:, None]).log_prob(x[:, 1:])
        return tfd.Normal(0.0, self.scale).log_prob(x0) + tf.reduce_sum(neck, axis=1)

    def sample(self, n, seed=(0, 0)):
        """n exact samples [n, d].

        Args:
          n: the number of samples.
          seed: a stateless seed pair.

        Returns:
          float32 [n, d].
        """
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        x0 = self.scale * tf.random.stateless_normal([n, 1], seeds[0])
        rest = tf.exp(0.5 * x0) * tf.random.stateless_normal([n, self.dim - 1], seeds[1])
        return tf.concat([x0, rest], axis=1)

    def __repr__(self):
        return f"Funnel(dim={self.dim}, scale={self.scale})"


@gin.configurable("sonar_dds")
class SonarLogisticRegression(Target):
    """BLR on all of UCI sonar in the DDS form (module docstring); d = 61, log Z unknown (None).

    Args:
      data_home: where ``uci.raw_table`` looks for sonar when the package's copy is missing.
    """

    log_z = None

    def __init__(self, data_home=None):
        x, y = raw_table("sonar", data_home)
        std = x.std(axis=0)
        std[std == 0] = 1.0
        x = (x - x.mean(axis=0)) / std
        self.features = np.concatenate([x, np.ones((len(x), 1))], axis=1).astype(np.float32)
        self.labels = y.astype(np.float32)
        self.dim = self.features.shape[1]
        self.name = "sonar_dds"

    def _log_prob(self, w):
        logits = tf.matmul(w, self.features, transpose_b=True)
        log_likelihood = tf.reduce_sum(self.labels * logits - tf.nn.softplus(logits), axis=1)
        log_prior = -0.5 * tf.reduce_sum(tf.square(w), axis=1) - 0.5 * self.dim * math.log(2 * math.pi)
        return log_likelihood + log_prior

    def __repr__(self):
        return "SonarLogisticRegression()"


@gin.configurable("rescaled")
class Rescaled(Target):
    """``target`` in coordinates y = x / scale: log p_y(y) = log u(scale y) + d log scale.

    The normaliser is u's, so log Z carries over; a sampler of p_y gives x = scale y
    (``to_target``). Exact samples are u's divided by ``scale``.

    Args:
      target: the ``Target`` u.
      scale: the factor, > 0.

    Raises:
      ValueError: ``scale`` <= 0.
    """

    def __init__(self, target=gin.REQUIRED, scale=1.0):
        if scale <= 0:
            raise ValueError(f"rescaled.scale must be positive; got {scale}")
        self.target = target
        self.scale = float(scale)
        self.dim = target.dim
        self.name = f"{target.name}_over_{self.scale:g}"
        self.log_z = getattr(target, "log_z", None)

    def _log_prob(self, y):
        return self.target.log_prob(self.scale * y) + self.dim * math.log(self.scale)

    def to_target(self, y):
        """Points y [n, d] of this target as points x = scale y of the original one.

        Args:
          y: points [n, d].

        Returns:
          x = scale y, a NumPy array [n, d].
        """
        return self.scale * np.asarray(y)

    def sample(self, n, seed=(0, 0)):
        """n exact samples [n, d]: the original target's divided by ``scale``.

        Args:
          n: the number of samples.
          seed: a stateless seed pair, passed to the original target's ``sample``.

        Returns:
          [n, d], of the original ``sample``'s dtype.
        """
        return self.target.sample(n, seed) / self.scale

    def __repr__(self):
        return f"Rescaled(target={self.target!r}, scale={self.scale})"
