"""Training on several devices or workers with ``tf.distribute``, and in mixed precision.

A run selects its strategy in gin (``gin/distribute/*.gin``):

    experiment.factory = @distributed_experiment
    distributed_experiment.factory = @GANExperiment
    distributed_experiment.strategy = @mirrored()   # @multi_worker_mirrored(), @tpu()

``distributed_experiment`` builds the experiment (models, optimizers, metrics) inside
``strategy.scope()``, so ``model.fit`` runs each ``train_step`` once per replica under
``strategy.run``, on that replica's share of every global batch. With R replicas and a
global batch of G examples, replica r holds the rows [r b, (r + 1) b), b = G / R.

Global-batch means. Replica r computes L_r, the mean of a loss over its b examples; the
optimizers sum the replicas' gradients (an all-reduce), so each replica differentiates
L_r / R (``descend``):

    sum_r grad(L_r / R) = grad((1 / R) sum_r L_r) = grad(mean of the loss over the G examples),

the gradient one device computes on the whole global batch. Per-example terms (the
gradient penalty, the denoiser loss) are such means too and are computed per replica.

Noise per replica. Every random draw of a train step (latents, interpolation weights,
denoiser noise, flow samples) is made for the global batch from the model's seed, whose
state is the same on every replica, and replica r keeps its rows [r b, (r + 1) b)
(``replica_rows``). The replicas thus use, between them, exactly the draw one device makes
for the global batch: a run on R replicas follows the one-device run of the same seeds,
and a checkpoint of either resumes on the other.

Mixed precision (``dtype_policy``): 'mixed_bfloat16' or 'mixed_float16' computes the
networks in 16 bits with float32 variables; the losses, the gradient penalty and the
flow's log-densities stay in float32. Under 'mixed_float16' the models wrap their
optimizers in a ``keras.optimizers.LossScaleOptimizer`` (dynamic loss scaling).
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
    """Synchronous data parallelism over the devices of one machine (all its GPUs by default)."""
    return _mirrored(None if devices is None else tuple(devices))


@functools.cache
def _mirrored(devices):
    return tf.distribute.MirroredStrategy(devices)


@gin.configurable("multi_worker_mirrored")
def multi_worker_mirrored(communication="auto"):
    """Synchronous data parallelism over the devices of several workers.

    The cluster and this process's task come from the ``TF_CONFIG`` environment variable;
    every worker runs the same command. ``communication``: 'auto', 'ring' or 'nccl'.
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
    """The cores of a TPU (``address``: its name or grpc:// address; '' for a local TPU VM)."""
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
    """
    if strategy.extended.should_checkpoint:
        return model_dir
    resolver = strategy.cluster_resolver
    return os.path.join(model_dir, "workers", f"{resolver.task_type}_{resolver.task_id}")


@contextlib.contextmanager
def keras_dtype_policy(name):
    """Layers created inside get the Keras dtype policy ``name``; the old policy is restored."""
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
    """
    for layer in model._flatten_layers(include_self=False):  # pylint: disable=protected-access
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True


# ---------------------------------------------------------------------------- in a train step
def num_replicas():
    """R, the number of replicas that share each global batch (1 without a strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """r in [0, R): this replica's index across all workers (0 outside a replica context)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def replica_rows(draw, rows):
    """This replica's rows of a draw for the global batch: ``draw(R b)[r b : (r + 1) b]``.

    ``draw(n)`` returns n random rows from a seed that is the same on every replica;
    ``rows`` = b, this replica's share. On one device this is ``draw(b)``.
    """
    start = replica_id() * rows
    return draw(num_replicas() * rows)[start:start + rows]


def repeat(step, times):
    """Runs ``step(i)`` for i = 0, ..., times - 1 (``times`` a Python int).

    In a graph the steps are one traced copy of ``step`` in a ``tf.while_loop``, so k
    steps trace and compile like one (k unrolled copies of a flow or W-GAN-GP step cost
    k times the tracing); ``i`` is then a tensor. Unrolled in Python when ``times`` is 1
    or under a ``tf.distribute`` strategy, whose gradient all-reduce may not sit in graph
    control flow.
    """
    if times == 1 or tf.distribute.has_strategy():
        for i in range(times):
            step(i)
        return

    def body(i):
        step(i)
        return i + 1

    tf.while_loop(lambda i: i < times, body, [tf.constant(0)])


def descend(optimizer, tape, loss, variables):
    """One step of ``optimizer`` on the global-batch mean of ``loss`` (this replica's mean L_r).

    Backpropagation starts from d(output) = s / R instead of 1: with R replicas the summed
    gradients are those of (1 / R) sum_r L_r, the global-batch mean; s is the dynamic loss
    scale of a ``LossScaleOptimizer`` (divided out again by its ``apply_gradients``), 1 for
    any other optimizer.
    """
    upstream = optimizer.scale_loss(tf.constant(1.0 / num_replicas(), tf.float32))
    gradients = tape.gradient(loss, variables, output_gradients=tf.cast(upstream, loss.dtype))
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        gradients = agree_on_finiteness(gradients)
    optimizer.apply_gradients(zip(gradients, variables))


def agree_on_finiteness(gradients):
    """The replicas' gradients, made all NaN on every replica when any replica's are not finite.

    A LossScaleOptimizer skips a step (and halves its scale) when the gradients it gets are
    not all finite. Keras 3.15 decides this before the replicas' gradients are summed, from
    the first replica's own under a MirroredStrategy and from each replica's own under a
    MultiWorkerMirroredStrategy: an overflow on another replica would reach the weights
    through the sum, or split the replicas' decisions. One all-reduced count of the
    replicas that overflowed lets all of them skip the step together.
    """
    present = [g for g in gradients if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in present])
    overflowed = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, tf.cast(tf.logical_not(finite), tf.float32)) > 0
    return [g if g is None else tf.where(overflowed, g * float("nan"), g) for g in gradients]


def fit_logs(logs):
    """``train_step``'s logs, shaped for Keras 3's ``fit`` under the current strategy.

    Keras averages the logs of a multi-worker MultiWorkerMirroredStrategy with
    ``strategy.reduce(MEAN, value, axis=0)``, which fails on scalars (Keras 3.15;
    tensorflow/tensorflow#72388). There each log gets a leading axis of length 1, which
    that mean over the replicas removes again; anywhere else the logs are unchanged.
    """
    strategy = tf.distribute.get_strategy()
    multi_worker = (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
                    and strategy.extended._in_multi_worker_mode())  # Keras' own test, as of 3.15
    if not multi_worker:
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def loss_scaled(optimizer, dtype_policy):
    """``optimizer`` wrapped in a dynamic ``LossScaleOptimizer`` under 'mixed_float16'.

    float16 gradients underflow; bfloat16 has float32's exponent range and needs no scaling.
    """
    if optimizer is None or dtype_policy.name != "mixed_float16":
        return optimizer
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
