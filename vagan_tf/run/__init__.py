"""A run in a model directory: assembled from gin, callbacks, export, scoring."""
from vagan_tf.run import assemble, callbacks, model_run

__all__ = ["assemble", "callbacks", "model_run"]
