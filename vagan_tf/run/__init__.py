"""A run in a model directory: assembled from gin, callbacks, export, strategies, scoring."""
from vagan_tf.run import assemble, callbacks, directory, export, model_run, scoring, strategies
from vagan_tf.run.assemble import parse_gin
from vagan_tf.run.directory import RunDirectory
from vagan_tf.run.export import export_generator
from vagan_tf.run.model_run import GANExperiment
from vagan_tf.run.scoring import evaluate_run
from vagan_tf.run.strategies import distributed_experiment

__all__ = ["GANExperiment", "RunDirectory", "assemble", "callbacks", "directory",
           "distributed_experiment", "evaluate_run", "export", "export_generator", "model_run",
           "parse_gin", "scoring", "strategies"]
