"""The base of the target densities, a target given by a function, and exact sampling by
rejection on a box.

Every target is a ``Target``: ``log_prob(x)`` of points x [n, dim] (a normalised or
unnormalised log density, as each class states), ``score(x)`` = grad_x log_prob(x),
and, where one exists, an exact ``sample(n, seed)`` with a stateless seed pair.
"""
import gin
import numpy as np
import tensorflow as tf

from vagan_tf.config.checks import ConfigurationError, positive_int


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
        """log density at points x [n, dim] -> [n].

        Args:
            x: points [n, dim] (any real dtype; cast to float32).

        Returns:
            float32 [n].

        Raises:
            ValueError: x is not [n, dim], or (eagerly) holds NaN or inf.
            tf.errors.InvalidArgumentError: x holds NaN or inf inside a ``tf.function``.
        """
        return self._log_prob(self._checked_points(x))

    def score(self, x):
        """grad_x log_prob(x) at points x [n, dim] -> [n, dim] (by automatic differentiation).

        Args:
            x: points [n, dim].

        Returns:
            float32 [n, dim].

        Raises:
            ValueError: x is not [n, dim], or (eagerly) holds NaN or inf.
            tf.errors.InvalidArgumentError: x holds NaN or inf inside a ``tf.function``.
        """
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


def rejection_sample(target, n, low, high, log_bound, seed=(0, 0), batch=10_000):
    """n exact draws of exp(target.log_prob) restricted to the box [low, high] by rejection.

    Proposals x ~ U[low, high] are kept with probability exp(log u(x) - log_bound), in
    rounds of ``batch`` with the stateless seeds split from ``seed``. ``log_bound`` must
    bound log u on the box: a proposal above it raises, since the draws would then not
    follow u.

    Args:
        target: a ``Target``.
        n: the number of draws.
        low: the box's lower corner [dim] (or a scalar).
        high: the box's upper corner [dim] (or a scalar).
        log_bound: an upper bound of log u on the box.
        seed: a stateless seed pair.
        batch: proposals per round.

    Returns:
        float32 [n, dim].

    Raises:
        ValueError: a proposal has log u above ``log_bound``.
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
