"""tf.data pipelines."""
import gin
import tensorflow as tf


@gin.configurable
def sampler_dataset(target, batch_size, seed=0, start=0):
    """An endless ``tf.data`` stream of exact batches [batch_size, dim] from ``target.sample``.

    Batch i = start, start + 1, ... uses the stateless seed (seed, i): the stream
    is reproducible, and a run resumed at step t passes ``start=t`` to continue it.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    indices = tf.data.Dataset.counter(start)
    batches = indices.map(
        lambda i: target.sample(batch_size, seed=tf.stack([tf.constant(seed, tf.int64), i])),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)
