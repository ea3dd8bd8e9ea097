"""Stein variational gradient descent (Liu & Wang 2016), the particle baseline of U-GAN.

For particles x_1..x_n and the score s = grad log u, each step moves every particle by

    phi(x_i) = (1/n) sum_j [ k(x_j, x_i) s(x_j) + grad_{x_j} k(x_j, x_i) ],
    k(a, b) = exp(-||a - b||^2 / h),   h = med^2 / log(n + 1),

med the median pairwise distance (the median heuristic of the SVGD paper), with the
paper's AdaGrad-style step: G <- alpha G + (1 - alpha) phi^2 (G = phi^2 at the first
step), x <- x + eta phi / (fudge + sqrt(G)), alpha = 0.9, fudge = 1e-6.
"""
import tensorflow as tf


def svgd_bandwidth(squared_distances, num_points):
    """SVGD's RBF bandwidth h = median(||a_j - a_i||^2) / log(n + 1) (at least 1e-8).

    The median is over the last two axes of the *squared* distances [..., J, I] (in
    TensorFlow, per leading index); ``num_points`` is n, a float tensor. Not
    ``metrics.median_bandwidth``, the median plain distance of pooled samples for MMD.

    Args:
        squared_distances: ||a_j - a_i||^2 [..., J, I].
        num_points: n, a float tensor.

    Returns:
        h [...].
    """
    leading = tf.shape(squared_distances)[:-2]
    flat = tf.sort(tf.reshape(squared_distances, tf.concat([leading, [-1]], 0)), axis=-1)
    median = flat[..., tf.shape(flat)[-1] // 2]
    return tf.maximum(median / tf.math.log(num_points + 1.0), 1e-8)


def rbf_kernel(x):
    """(K [n, n], sum_j grad_{x_j} k(x_j, x_i) [n, d]) for the median-heuristic RBF kernel.

    Args:
        x: the particles [n, d].

    Returns:
        (K [n, n], the repulsion [n, d]).
    """
    n = tf.cast(tf.shape(x)[0], x.dtype)
    sq = tf.reduce_sum(tf.square(x[:, None, :] - x[None, :, :]), axis=-1)
    h = svgd_bandwidth(sq, n)
    kernel = tf.exp(-sq / h)
    # grad_{x_j} k(x_j, x_i) = -2 / h (x_j - x_i) k(x_j, x_i); summed over j
    repulsion = (2.0 / h) * (x * tf.reduce_sum(kernel, axis=1, keepdims=True) - kernel @ x)
    return kernel, repulsion


def svgd_direction(x, score):
    """phi(x_i) for every particle, given the scores s(x_j) [n, d].

    Args:
        x: the particles [n, d].
        score: s(x_j) [n, d].

    Returns:
        phi [n, d].
    """
    kernel, repulsion = rbf_kernel(x)
    n = tf.cast(tf.shape(x)[0], x.dtype)
    return (kernel @ score + repulsion) / n


@tf.function
def svgd(score_fn, initial, num_steps, step_size=1e-2, alpha=0.9, fudge=1e-6, history=None):
    """Runs ``num_steps`` (>= 1) SVGD steps from particles ``initial`` [n, d].

    Args:
        score_fn: particles [n, d] -> grad log u [n, d].
        initial: the particles [n, d].
        num_steps: steps to run (>= 1).
        step_size: eta.
        alpha: the AdaGrad accumulator's decay.
        fudge: added to sqrt(G) in the step's denominator.
        history: G from a previous call, to continue a run in chunks; None starts one
            (G = phi^2 at the first step).

    Returns:
        (particles [n, d], history G [n, d]).

    Raises:
        tf.errors.InvalidArgumentError: ``num_steps`` < 1.
    """
    tf.debugging.assert_positive(num_steps, "svgd needs num_steps >= 1")
    x = tf.convert_to_tensor(initial, tf.float32)
    phi = svgd_direction(x, score_fn(x))
    if history is None:
        history = tf.square(phi)
    else:
        history = alpha * history + (1.0 - alpha) * tf.square(phi)
    x = x + step_size * phi / (fudge + tf.sqrt(history))
    for _ in tf.range(num_steps - 1):
        phi = svgd_direction(x, score_fn(x))
        history = alpha * history + (1.0 - alpha) * tf.square(phi)
        x = x + step_size * phi / (fudge + tf.sqrt(history))
    return x, history
