"""gin registration for Keras classes.

``gin.configurable`` replaces a class's ``__init__`` by a ``(*args, **kwargs)``
wrapper; Keras 3 reads the ``__init__`` argument spec when it creates a layer
(to record its config) and fails on that wrapper. ``keras_configurable`` keeps
the original signature visible on the wrapper.
"""
import inspect

import gin


def keras_configurable(name=None):
    """Like ``gin.configurable(name)`` for a ``keras.layers.Layer`` / ``keras.Model`` subclass.

    Args:
        name: the class's gin name; None: the class's own name.

    Returns:
        A class decorator: it registers the class with gin and returns the registered class,
        whose ``__init__`` shows the original signature.
    """

    def decorate(cls):
        signature = inspect.signature(cls.__init__)
        cls = gin.configurable(name or cls.__name__)(cls)
        cls.__init__.__signature__ = signature
        return cls

    return decorate
