"""Assembling a run from gin: the package's config files, parsing, and the run's factory.

    parse_gin(["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"], ["TOTAL_STEPS = 2000"])
    run = experiment(model_dir="runs/ring")     # a GANExperiment (or RLExperiment)
    run.train()

A gin file is looked up in the working directory, then in ``CONFIG_DIR``, the
``configs/`` folder installed with the package (``toy/``, ``images/``, ``blr/``, ...).
"""
import contextlib
import logging
import os
import tokenize

import gin

from vagan_tf.checks import ConfigurationError

CONFIG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")


@gin.configurable
def experiment(model_dir, factory=gin.REQUIRED, seed=0):
    """The run in ``model_dir``: ``factory(model_dir=...)``, e.g. ``experiment.factory = @GANExperiment``.

    ``seed`` seeds Python, NumPy and Keras before anything is built, so the
    initial weights of a run are a function of its config; the run keeps it as
    ``run_seed`` (a GAN run's evaluation noise at step t is seeded by (seed, t)).
    """
    import keras

    keras.utils.set_random_seed(seed)
    run = factory(model_dir=model_dir)
    run.run_seed = seed
    return run


def parse_gin(files, params):
    """Parses gin files and bindings; gin's errors become one ``ConfigurationError`` line."""
    import vagan_tf

    vagan_tf.register_configurables()
    for path in (os.getcwd(), CONFIG_DIR):
        gin.add_config_file_search_path(path)
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
