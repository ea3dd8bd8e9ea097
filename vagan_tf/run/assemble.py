"""Assembling a run from gin: the package's config files, parsing, and the run's factory.

    parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"], ["TOTAL_STEPS = 2000"])
    run = experiment(model_dir="runs/ring")     # a GANExperiment (or RLExperiment)
    run.train()

A gin file is looked up in the working directory, then in ``config_dir()``: the
repository's top-level ``gin/`` folder (``toy/``, ``images/``, ``blr/``, ...), which a
wheel installs as ``vagan_tf/configs/``.
"""
import contextlib
import logging
import os
import sys
import tokenize

import gin

from vagan_tf.config.checks import ConfigurationError

_SEARCH_PATHS = set()  # the folders this process has added to gin's search path


def config_dir(package_dir=None):
    """The folder of the shipped gin files for the package at ``package_dir``.

    A wheel holds them inside the package (``vagan_tf/configs/``); a source checkout, on
    ``PYTHONPATH`` or installed in editable mode, keeps them in ``gin/`` beside the package,
    next to ``setup.py`` (checked, so that an installed package never takes the ``gin``
    library's folder beside it in site-packages for its configs).

    Args:
        package_dir: the directory of the ``vagan_tf`` package; None: the imported one's.

    Returns:
        The absolute path of the folder holding ``toy/``, ``images/``, ``blr/``, ...

    Raises:
        ConfigurationError: neither folder exists (a broken install).
    """
    if package_dir is None:
        package_dir = os.path.dirname(os.path.abspath(sys.modules["vagan_tf"].__file__))
    shipped = os.path.join(package_dir, "configs")
    checkout = os.path.dirname(package_dir)
    source = os.path.join(checkout, "gin")
    if os.path.isdir(shipped):
        return shipped
    if os.path.isfile(os.path.join(checkout, "setup.py")) and os.path.isdir(source):
        return source
    raise ConfigurationError(f"no gin configs found: neither {shipped} nor {source}")


@gin.configurable
def experiment(model_dir, factory=gin.REQUIRED, seed=0):
    """The run in ``model_dir``: ``factory(model_dir=...)``, e.g. ``experiment.factory =
    @GANExperiment``.

    ``seed`` seeds Python, NumPy and Keras before anything is built, so the
    initial weights of a run are a function of its config; the run keeps it as
    ``run_seed`` (a GAN run's evaluation noise at step t is seeded by (seed, t)).

    Args:
        model_dir: the run's directory.
        factory: the experiment class (``GANExperiment``, ``RLExperiment``, ...).
        seed: the run's seed.

    Returns:
        The run, ``factory(model_dir=model_dir)``.
    """
    import keras

    keras.utils.set_random_seed(seed)
    run = factory(model_dir=model_dir)
    run.run_seed = seed
    return run


def parse_gin(files, params):
    """Parses gin files and bindings; gin's errors become one ``ConfigurationError`` line.

    The config is finalized (locked) after parsing.

    Args:
        files: gin files, looked up in the working directory and then in ``config_dir()``.
        params: gin bindings, parsed after the files.

    Raises:
        ConfigurationError: a file or binding gin cannot parse or resolve, a file that
            includes itself, or no shipped configs.
    """
    # importing the subpackages registers their configurables (the rl files import vagan_tf.rl)
    from vagan_tf import models, nets, samplers, targets  # noqa: F401
    from vagan_tf.annealing import schedules  # noqa: F401
    from vagan_tf.data import pipelines  # noqa: F401
    from vagan_tf.evaluation import image_quality  # noqa: F401
    from vagan_tf.run import callbacks, model_run, strategies  # noqa: F401

    # gin resolves a relative path against the working directory of the moment first,
    # then against its search paths: the shipped configs, added once per process
    if config_dir() not in _SEARCH_PATHS:
        gin.add_config_file_search_path(config_dir())
        _SEARCH_PATHS.add(config_dir())
        _drop_package_resource_reader()
    try:
        with _quiet_root_logger():  # gin logs every search-path miss before it finds a file
            gin.parse_config_files_and_bindings(files, params, finalize_config=True)
    except tokenize.TokenError as error:  # an unclosed bracket or string
        culprit = next((repr(p) for p in params if not _tokenizes(p)), "one of the gin files")
        raise ConfigurationError(f"bad gin configuration: {error.args[0]} in {culprit}") from None
    except RecursionError:
        raise ConfigurationError(f"bad gin configuration: {', '.join(files)} include a gin file "
                                 "that includes itself (directly or through others)") from None
    except (ValueError, KeyError, IOError, SyntaxError) as error:
        message = " ".join(str(error).split(" in config string:")[0].split())
        raise ConfigurationError(f"bad gin configuration: {message}") from None


def _drop_package_resource_reader():
    """Removes gin's package-resource reader (``gin.resource_reader``: "pkg.sub/file.gin" read
    from an importable package) from the readers gin tries.

    Its existence check takes the folder part of a relative path for a package name and
    raises TypeError, instead of answering "no such file", when that name is a namespace
    package: a plain folder ``rl/`` in the working directory under ``python -m`` made
    ``include 'rl/swimmer.gin'`` fail before gin tried the shipped configs. vagan's gin
    files are plain paths, so gin's built-in ``open`` reader is the only one they need.
    """
    from gin import resource_reader

    gin.config._FILE_READERS[:] = [entry for entry in gin.config._FILE_READERS
                                   if entry[0] is not resource_reader.system_path_reader]


def _tokenizes(text):
    try:
        list(tokenize.generate_tokens(iter([text]).__next__))
    except tokenize.TokenError:
        return False
    return True


@contextlib.contextmanager
def _quiet_root_logger():
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
