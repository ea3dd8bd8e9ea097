"""Annealing schedules lambda_t and the maps between lambda and beta.

A likelihood term of weight lambda makes the generator flow to p_data^beta with
beta = 1 + lambda; an entropy term of weight lambda flows to p_data^beta with
beta = 1 / (1 + lambda) (Tao et al. 2019, Sec. 3). Every schedule maps the
training step t (a tensor, so it runs inside ``tf.function``) to a float32
lambda_t, and is a small object selected in gin, e.g.
``likelihood.schedule = @linear()``.
"""
import math

import gin
import tensorflow as tf


def likelihood_beta(lam):
    """beta = 1 + lambda for a likelihood term lambda * E_q[-log p_data].

    Args:
        lam: lambda, a float or float tensor.

    Returns:
        beta, of ``lam``'s type and shape.
    """
    return 1.0 + lam


def likelihood_lambda(beta):
    """Inverse of ``likelihood_beta``: lambda = beta - 1.

    Args:
        beta: beta, a float or float tensor.

    Returns:
        lambda, of ``beta``'s type and shape.
    """
    return beta - 1.0


def entropy_beta(lam):
    """beta = 1 / (1 + lambda) for an entropy term lambda * E_q[log q].

    Args:
        lam: lambda (> -1), a float or float tensor.

    Returns:
        beta, of ``lam``'s type and shape.
    """
    return 1.0 / (1.0 + lam)


def entropy_lambda(beta):
    """Inverse of ``entropy_beta``: lambda = 1 / beta - 1.

    Args:
        beta: beta (> 0), a float or float tensor.

    Returns:
        lambda, of ``beta``'s type and shape.
    """
    return 1.0 / beta - 1.0


# The two annealed forms, by name, and the beta each gives: one concept for both models
# (an AnnealedGAN's term declares its ``form``; an UnnormalizedGAN is given one).
FORMS = {"likelihood": likelihood_beta, "entropy": entropy_beta}


def check_form(form, owner):
    """Raises ValueError naming ``owner`` unless ``form`` is one of ``FORMS``.

    Args:
        form: the form to check, 'likelihood' or 'entropy'.
        owner: the name of what holds ``form`` (a class or binding), for the message.

    Raises:
        ValueError: ``form`` is not a key of ``FORMS``.
    """
    if form not in FORMS:
        raise ValueError(f"{owner}.form must be one of {tuple(FORMS)}, got {form!r}")


def beta(form, lam):
    """beta_t for weight lambda of an annealing term of ``form``: 1 + lambda (likelihood)
    or 1 / (1 + lambda) (entropy).

    Args:
        form: 'likelihood' or 'entropy' (a key of ``FORMS``).
        lam: lambda_t, a float or float tensor.

    Returns:
        beta_t, of ``lam``'s type and shape.

    Raises:
        KeyError: ``form`` is not a key of ``FORMS``.
    """
    return FORMS[form](lam)


class Schedule:
    """lambda_t as a function of the step t (int or tensor) -> float32 tensor."""

    def __call__(self, step):
        return self.value(tf.cast(step, tf.float32))

    def value(self, t):
        """lambda_t at step t; each schedule defines it.

        Args:
            t: the step, a float32 tensor.
        """
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


@gin.configurable("constant_schedule")  # gin itself owns the name `constant`
class Constant(Schedule):
    """lambda_t = lambda_0. With a likelihood term this is DFM (lambda_0 = 0.06).

    Args:
        initial: lambda_0.
    """

    def __init__(self, initial=gin.REQUIRED):
        self.initial = float(initial)

    def value(self, t):
        """lambda_0 at every step.

        Args:
            t: the step, a float32 tensor.

        Returns:
            A float32 tensor of ``t``'s shape filled with lambda_0.
        """
        return tf.fill(tf.shape(t), self.initial)


class _Decaying(Schedule):
    """A schedule that starts at ``initial`` and is defined over ``total_steps``."""

    def __init__(self, initial, total_steps):
        if total_steps <= 0:
            raise ValueError(f"total_steps must be positive, got {total_steps}")
        self.initial = float(initial)
        self.total_steps = int(total_steps)


@gin.configurable("linear")
class Linear(_Decaying):
    """lambda_t = sign(lambda_0) * max(|lambda_0| (1 - t / T_max), 0),  T_max = f * T.

    The authors' code stops the decay at T_max = 0.8 T, leaving the last fifth of
    training at beta = 1.

    Args:
        initial: lambda_0 (its sign picks the direction of the anneal).
        total_steps: T, the run's generator steps.
        decay_fraction: f, the fraction of the run over which lambda decays to 0.

    Raises:
        ValueError: ``total_steps`` <= 0, or ``decay_fraction`` outside (0, 1].
    """

    def __init__(self, initial=gin.REQUIRED, total_steps=gin.REQUIRED, decay_fraction=0.8):
        super().__init__(initial, total_steps)
        if not 0.0 < decay_fraction <= 1.0:
            raise ValueError(f"decay_fraction must lie in (0, 1], got {decay_fraction}")
        self.decay_fraction = float(decay_fraction)

    def value(self, t):
        """lambda_t of the linear decay.

        Args:
            t: the step, a float32 tensor.

        Returns:
            lambda_t, a float32 tensor of ``t``'s shape.
        """
        t_max = self.decay_fraction * self.total_steps
        magnitude = tf.maximum(abs(self.initial) * (1.0 - t / t_max), 0.0)
        return math.copysign(1.0, self.initial) * magnitude


@gin.configurable("exponential")
class Exponential(_Decaying):
    """lambda_t = lambda_0 exp(-tau t),  tau = -log(final_ratio) / T, so lambda_T = final_ratio * lambda_0.

    Args:
        initial: lambda_0.
        total_steps: T, the run's generator steps.
        final_ratio: lambda_T / lambda_0, in (0, 1).

    Raises:
        ValueError: ``total_steps`` <= 0, or ``final_ratio`` outside (0, 1).
    """

    def __init__(self, initial=gin.REQUIRED, total_steps=gin.REQUIRED, final_ratio=1e-3):
        super().__init__(initial, total_steps)
        if not 0.0 < final_ratio < 1.0:
            raise ValueError(f"final_ratio must lie in (0, 1), got {final_ratio}")
        self.final_ratio = float(final_ratio)

    @property
    def tau(self):
        """tau = -log(final_ratio) / T, the decay rate per step."""
        return -math.log(self.final_ratio) / self.total_steps

    def value(self, t):
        """lambda_t of the exponential decay.

        Args:
            t: the step, a float32 tensor.

        Returns:
            lambda_t, a float32 tensor of ``t``'s shape.
        """
        return self.initial * tf.exp(-self.tau * t)


class _Oscillating(_Decaying):
    """lambda_t = lambda_0 a(t) w(K t / T) for a wave w of period 1 over K cycles.

    The envelope a(t) is 1 (``decay=False``) or max(1 - t / T, 0) (``decay=True``).
    """

    def __init__(self, initial, total_steps, cycles, decay):
        super().__init__(initial, total_steps)
        if cycles <= 0:
            raise ValueError(f"cycles must be positive, got {cycles}")
        self.cycles = float(cycles)
        self.decay = bool(decay)

    def envelope(self, t):
        if self.decay:
            return tf.maximum(1.0 - t / self.total_steps, 0.0)
        return tf.ones_like(t)

    def wave(self, phase):
        """The wave w(phase) with period 1 and values in [-1, 1].

        Args:
            phase: K t / T, a float32 tensor.
        """
        raise NotImplementedError

    def value(self, t):
        phase = self.cycles * t / self.total_steps
        return self.initial * self.envelope(t) * self.wave(phase)


@gin.configurable("sinusoidal")
class Sinusoidal(_Oscillating):
    """lambda_t = lambda_0 a(t) cos(2 pi K t / T).

    Args:
        initial: lambda_0.
        total_steps: T, the run's generator steps.
        cycles: K, the number of periods over T.
        decay: the envelope a(t): max(1 - t / T, 0) if true, else 1.

    Raises:
        ValueError: ``total_steps`` <= 0 or ``cycles`` <= 0.
    """

    def __init__(self, initial=gin.REQUIRED, total_steps=gin.REQUIRED, cycles=5, decay=False):
        super().__init__(initial, total_steps, cycles, decay)

    def wave(self, phase):
        """w(phase) = cos(2 pi phase).

        Args:
            phase: K t / T, a float32 tensor.

        Returns:
            w, a float32 tensor of ``phase``'s shape.
        """
        return tf.cos(2.0 * math.pi * phase)


@gin.configurable("stepwise")
class Stepwise(_Oscillating):
    """The square wave of ``Sinusoidal``: lambda_t = lambda_0 a(t) sign(cos(2 pi K t / T)).

    At the zeros of the cosine the wave takes +1, so it is never 0.

    Args:
        initial: lambda_0.
        total_steps: T, the run's generator steps.
        cycles: K, the number of periods over T.
        decay: the envelope a(t): max(1 - t / T, 0) if true, else 1.

    Raises:
        ValueError: ``total_steps`` <= 0 or ``cycles`` <= 0.
    """

    def __init__(self, initial=gin.REQUIRED, total_steps=gin.REQUIRED, cycles=5, decay=False):
        super().__init__(initial, total_steps, cycles, decay)

    def wave(self, phase):
        """w(phase) = sign(cos(2 pi phase)), +1 at the zeros.

        Args:
            phase: K t / T, a float32 tensor.

        Returns:
            w in {-1, 1}, a float32 tensor of ``phase``'s shape.
        """
        return tf.where(tf.cos(2.0 * math.pi * phase) >= 0.0, 1.0, -1.0)


@gin.configurable("triangle")
class Triangle(_Oscillating):
    """Triangle wave w(phase) = 4 |frac(phase) - 1/2| - 1 under the envelope a(t).

    w is 1 at whole cycles, -1 at half cycles and linear in between. With the
    decaying envelope (the default) this is the schedule the authors' code ran.

    Args:
        initial: lambda_0.
        total_steps: T, the run's generator steps.
        cycles: K, the number of periods over T.
        decay: the envelope a(t): max(1 - t / T, 0) if true, else 1.

    Raises:
        ValueError: ``total_steps`` <= 0 or ``cycles`` <= 0.
    """

    def __init__(self, initial=gin.REQUIRED, total_steps=gin.REQUIRED, cycles=5, decay=True):
        super().__init__(initial, total_steps, cycles, decay)

    def wave(self, phase):
        """w(phase) = 4 |frac(phase) - 1/2| - 1.

        Args:
            phase: K t / T, a float32 tensor.

        Returns:
            w in [-1, 1], a float32 tensor of ``phase``'s shape.
        """
        frac = phase - tf.floor(phase)
        return 4.0 * tf.abs(frac - 0.5) - 1.0
