"""Training on several devices or workers with ``tf.distribute``, and in mixed precision.

A run selects its strategy in gin (``configs/distribute/*.gin``):

    experiment.factory = @distributed_experiment
    distributed_experiment.factory = @GANExperiment
    distributed_experiment.strategy = @mirrored()   # @multi_worker_mirrored(), @tpu()

``distributed_experiment`` builds the experiment (models, optimizers, metrics) inside
``strategy.scope()``, so ``model.fit`` runs each ``train_step`` once per replica under
``strategy.run``, on that replica's share of every global batch. With R replicas and a
global batch of G examples, replica r holds the rows [r b, (r + 1) b), b = G / R.

What each train step does under a strategy (global-batch means, noise per replica, loss
scaling) is in ``vagan_tf.training.distribute``.
"""
import contextlib
import functools
import os

import gin
import keras
import tensorflow as tf

DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
COMMUNICATIONS = {"auto": tf.distribute.experimental.CommunicationImplementation.AUTO,
                  "ring": tf.distribute.experimental.CommunicationImplementation.RING,
                  "nccl": tf.distribute.experimental.CommunicationImplementation.NCCL}


# ---------------------------------------------------------------------------- strategies
# A process builds one strategy per configuration and reuses it: a second strategy over
# the same devices would hand out the collective runtime's (group, instance) keys of the
# first again, for all-reduces of other shapes.
@gin.configurable("mirrored")
def mirrored(devices=None):
    """Synchronous data parallelism over the devices of one machine (all its GPUs by default).

    Args:
      devices: the device names, e.g. ['/gpu:0', '/gpu:1']; None: TensorFlow's default.

    Returns:
      The ``tf.distribute.MirroredStrategy`` (one per device list and process).
    """
    return _mirrored(None if devices is None else tuple(devices))


@functools.cache
def _mirrored(devices):
    return tf.distribute.MirroredStrategy(devices)


@gin.configurable("multi_worker_mirrored")
def multi_worker_mirrored(communication="auto"):
    """Synchronous data parallelism over the devices of several workers.

    The cluster and this process's task come from the ``TF_CONFIG`` environment variable;
    every worker runs the same command. ``communication``: 'auto', 'ring' or 'nccl'.

    Args:
      communication: the collectives' implementation: 'auto', 'ring' or 'nccl'.

    Returns:
      The ``tf.distribute.MultiWorkerMirroredStrategy`` (one per setting and process).

    Raises:
      ValueError: an unknown ``communication``.
    """
    if communication not in COMMUNICATIONS:
        raise ValueError(f"multi_worker_mirrored.communication must be one of "
                         f"{sorted(COMMUNICATIONS)}, got {communication!r}")
    return _multi_worker_mirrored(communication)


@functools.cache
def _multi_worker_mirrored(communication):
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=COMMUNICATIONS[communication])
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


@gin.configurable("tpu")
def tpu(address=""):
    """The cores of a TPU (``address``: its name or grpc:// address; '' for a local TPU VM).

    Args:
      address: the TPU's name or grpc:// address; '': a local TPU VM.

    Returns:
      The ``tf.distribute.TPUStrategy`` (one per address and process), its TPU system
      initialised.
    """
    return _tpu(address)


@functools.cache
def _tpu(address):
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


# ---------------------------------------------------------------------------- the run
@gin.configurable
def distributed_experiment(model_dir, factory=gin.REQUIRED, strategy=None,
                           dtype_policy="float32", sync_batch_norm=False):
    """``factory(model_dir=...)`` built under ``strategy.scope()`` and the dtype policy.

    Args:
      model_dir: the run's directory. The chief worker writes it; any other worker of a
        multi-worker run writes an identical run directory of its own,
        ``model_dir/workers/<task type>_<task id>`` (``worker_model_dir``).
      factory: the experiment, e.g. ``@GANExperiment``; its model, optimizers and metrics
        are created inside the strategy's scope.
      strategy: a ``tf.distribute.Strategy`` (``@mirrored()`` ...); None: one device.
      dtype_policy: 'float32', 'mixed_bfloat16' or 'mixed_float16'.
      sync_batch_norm: batch normalisation over the global batch (the moments are
        all-reduced across replicas) instead of each replica's share.

    Returns:
      The run, ``factory(model_dir=...)``.

    Raises:
      ValueError: an unknown ``dtype_policy``.
    """
    if dtype_policy not in DTYPE_POLICIES:
        raise ValueError(f"distributed_experiment.dtype_policy must be one of {DTYPE_POLICIES}, "
                         f"got {dtype_policy!r}")
    strategy = strategy or tf.distribute.get_strategy()
    with keras_dtype_policy(dtype_policy), strategy.scope():
        run = factory(model_dir=worker_model_dir(model_dir, strategy))
    if sync_batch_norm:
        synchronise_batch_norm(run.model)
    return run


def worker_model_dir(model_dir, strategy):
    """``model_dir`` for the chief; ``model_dir/workers/<task type>_<task id>`` for other workers.

    Every worker trains the same replicated model, so each can checkpoint, evaluate and
    export it; a directory of its own keeps the workers from writing the same files, and
    lets each resume from its own checkpoints.

    Args:
      model_dir: the run's directory.
      strategy: the ``tf.distribute.Strategy`` of the run.

    Returns:
      This worker's directory.
    """
    if strategy.extended.should_checkpoint:
        return model_dir
    resolver = strategy.cluster_resolver
    return os.path.join(model_dir, "workers", f"{resolver.task_type}_{resolver.task_id}")


@contextlib.contextmanager
def keras_dtype_policy(name):
    """Layers created inside get the Keras dtype policy ``name``; the old policy is restored.

    Args:
      name: a Keras dtype policy name ('float32', 'mixed_bfloat16', ...).
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def synchronise_batch_norm(model):
    """Makes every BatchNormalization layer of ``model`` use the global batch's moments.

    Keras reads ``synchronized`` when a layer is called, so this works on built layers
    (before ``fit`` traces the train step).

    Args:
      model: a keras model.
    """
    for layer in model._flatten_layers(include_self=False):  # pylint: disable=protected-access
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True
