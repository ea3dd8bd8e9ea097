"""gin plumbing: Keras classes made configurable, binding checks, configuration errors."""
from vagan_tf.config import checks, configurable
from vagan_tf.config.checks import ConfigurationError, NonFiniteLossError, RunDirectoryError
from vagan_tf.config.configurable import keras_configurable

__all__ = ["ConfigurationError", "NonFiniteLossError", "RunDirectoryError", "checks",
           "configurable", "keras_configurable"]
