"""What a train step needs under a ``tf.distribute`` strategy (``vagan_tf.run.strategies``
builds the run under one), and in mixed precision. With R replicas and a global batch of G
examples, replica r holds the rows [r b, (r + 1) b), b = G / R.

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
import keras
import tensorflow as tf


def num_replicas():
    """R, the number of replicas that share each global batch (1 without a strategy).

    Returns:
        R, a Python int.
    """
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """r in [0, R): this replica's index across all workers (0 outside a replica context).

    Returns:
        r, an int32 scalar tensor.
    """
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def replica_rows(draw, rows):
    """This replica's rows of a draw for the global batch: ``draw(R b)[r b : (r + 1) b]``.

    ``draw(n)`` returns n random rows from a seed that is the same on every replica;
    ``rows`` = b, this replica's share. On one device this is ``draw(b)``.

    Args:
        draw: ``draw(n)`` -> n random rows [n, ...].
        rows: b, an int or int32 scalar tensor.

    Returns:
        This replica's rows [b, ...].
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

    Args:
        step: ``step(i)``, run for its effects; i a Python int or an int32 scalar tensor.
        times: the number of steps, a Python int.
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

    Args:
        optimizer: a keras optimizer (a ``LossScaleOptimizer`` under 'mixed_float16').
        tape: the ``tf.GradientTape`` that recorded ``loss``.
        loss: L_r, this replica's mean loss, a scalar tensor.
        variables: the variables to update.
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

    Args:
        gradients: this replica's gradients, a list with None for variables without one.

    Returns:
        The list of ``gradients``, each multiplied by NaN where any replica overflowed.
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

    Args:
        logs: {name: scalar tensor}.

    Returns:
        ``logs``, or under a multi-worker strategy {name: tensor [1]}.
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

    Args:
        optimizer: a keras optimizer, or None.
        dtype_policy: the model's ``keras.DTypePolicy``.

    Returns:
        ``optimizer`` wrapped under 'mixed_float16' (unless it is a ``LossScaleOptimizer``
        already), else ``optimizer`` itself (None stays None).
    """
    if optimizer is None or dtype_policy.name != "mixed_float16":
        return optimizer
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
