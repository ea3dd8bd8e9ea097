"""A run in a model directory: assembled from gin, callbacks, export, strategies, scoring."""
from vagan_tf.run import assemble, callbacks, directory, export, model_run, scoring, strategies

__all__ = ["assemble", "callbacks", "directory", "export", "model_run", "scoring", "strategies"]
