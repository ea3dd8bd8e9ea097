"""The errors a user of a run can cause, and the checks that raise them before anything is written.

Each error's message is one line that names what is wrong: the gin binding, the file or
the directory. The ``vagan`` command prints it without a traceback (``--debug`` shows one).
"""
import numbers

NON_FINITE_REAL = "non_finite_real"  # a model's log: the share of the epoch's real batches with NaN or inf


class ConfigurationError(ValueError):
    """A gin binding holds a value the run cannot use."""


class RunDirectoryError(RuntimeError):
    """A run directory cannot be used as asked: in use, damaged, or configured otherwise."""


class NonFiniteLossError(RuntimeError):
    """Training produced, or was fed, NaN or inf: a loss, a real batch or a weight."""


class TrainingStoppedError(RuntimeError):
    """An operation failed during training (a full disk, a file size limit, a failing op)."""


def error_line(error):
    """The line of ``error``'s message that says what happened: the first, or for TensorFlow's
    "Graph execution error" the op's own message after the stack of where the op was made.

    Args:
        error: an exception.

    Returns:
        That line with its runs of whitespace made single spaces, or the error's type name if
        its message is empty.
    """
    lines = [" ".join(line.split()) for line in str(error).strip().splitlines()]
    lines = [line for line in lines if line]
    if lines and lines[0].startswith("Graph execution error"):
        said = [line for line in lines[1:] if not line.startswith(
            ("[[", "File ", "Detected at node", "Stack trace", "Traceback", "^"))]
        lines = said[-1:] or lines
    return lines[0] if lines else type(error).__name__


def positive_int(binding, value):
    """``value`` as an int, or ``ConfigurationError`` naming ``binding`` unless it is an integer >= 1.

    Args:
        binding: the gin binding that holds ``value`` (e.g. 'SoftQAgent.n_step').
        value: the bound value.

    Returns:
        ``int(value)``.

    Raises:
        ConfigurationError: ``value`` is not an integer (a bool is not) or is below 1.
    """
    return _integer(binding, value, minimum=1, what="a positive integer")


def non_negative_int(binding, value):
    """``value`` as an int, or ``ConfigurationError`` naming ``binding`` unless it is an integer >= 0.

    Args:
        binding: the gin binding that holds ``value``.
        value: the bound value.

    Returns:
        ``int(value)``.

    Raises:
        ConfigurationError: ``value`` is not an integer (a bool is not) or is negative.
    """
    return _integer(binding, value, minimum=0, what="an integer >= 0")


def _integer(binding, value, minimum, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigurationError(f"{binding} must be {what}; got {value!r}")
    return int(value)


def multiple_of(binding, value, unit_binding, unit):
    """Raises ``ConfigurationError`` unless ``value`` is a multiple of ``unit``.

    Args:
        binding: the gin binding that holds ``value``.
        value: the bound integer.
        unit_binding: the name of what sets ``unit``, for the message.
        unit: the integer ``value`` must be a multiple of.

    Raises:
        ConfigurationError: ``value % unit`` is not 0.
    """
    if value % unit:
        raise ConfigurationError(f"{binding} ({value}) must be a multiple of {unit_binding} ({unit})")
