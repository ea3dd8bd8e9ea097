"""SavedModel export of trained generators, written atomically.

The SavedModel needs TensorFlow only (no ``vagan_tf``, no Keras):

    sampler = tf.saved_model.load(path)
    x = sampler.sample(1000)            # float32 [1000, *data_shape]
    x = sampler.serve(z)                # z [n, latent_dim] -> x; also "serving_default"
    log_q = sampler.log_prob(x)         # U-GAN exports: the flow's log density [n]
"""
import os
import shutil
import tempfile

import keras
import tensorflow as tf


def write_atomically(write, path):
    """Runs ``write(tmp)`` into a sibling temporary directory, then swaps it in at ``path``.

    A failure inside ``write`` leaves ``path`` as it was (old export or nothing); the
    swap is two renames within one directory, so readers never see a half-written tree.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
    try:
        write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if os.path.exists(path):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.old-", dir=parent)
        os.rename(path, os.path.join(old, "export"))
    os.rename(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


def export_generator(model, path):
    """Writes the model's generator as a SavedModel with ``serve(z)`` and ``sample(n)`` endpoints.

    The generator is ``model.sampling_generator`` where the model has one (an
    ``AnnealedGAN``'s moving-average weights when its ``generator_ema`` is on), else
    ``model.generator``. A model with a ``flow`` (``UnnormalizedGAN``) also gets
    ``log_prob(x)``, the flow's log density at points x [n, d].
    """
    generator = getattr(model, "sampling_generator", model.generator)
    latent, latent_dim = model.latent, model.latent_dim
    archive = keras.export.ExportArchive()
    archive.track(generator)
    flow = getattr(model, "flow", None)
    if flow is not None:
        archive.track(flow)
        archive.add_endpoint(
            "log_prob", lambda x: tf.cast(flow.log_prob(x), tf.float32),
            input_signature=[tf.TensorSpec((None, flow.event_dim), tf.float32, name="x")])

    def serve(z):
        return tf.cast(generator(z, training=False), tf.float32)

    def sample(n):
        return serve(latent.sample(tf.stack([n, latent_dim])))

    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec((None, latent_dim), tf.float32, name="z")])
    archive.add_endpoint("sample", sample, input_signature=[tf.TensorSpec((), tf.int32, name="n")])
    return write_atomically(lambda tmp: archive.write_out(tmp, verbose=False), path)
