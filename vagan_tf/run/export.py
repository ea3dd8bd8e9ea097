"""SavedModel export of trained generators, written atomically.

The SavedModel needs TensorFlow only (no ``vagan_tf``, no Keras):

    sampler = tf.saved_model.load(path)
    x = sampler.sample(1000)            # float32 [1000, *data_shape]
    x = sampler.serve(z)                # z [n, latent_dim] -> x; also "serving_default"
    log_q = sampler.log_prob(x)         # U-GAN exports: the flow's log density [n]
    l_nu = sampler.flow_log_weights(n)  # U-GAN exports: log u - log nu at n draws of nu
    l_q = sampler.generator_log_weights(n)  # ... log u - (w + log nu) at n draws of q (estimate)

The log weights give log Z_hat and ESS / n (``vagan_tf.evaluation.importance``); the
generator's rest on the critic's estimate w of log q / nu.
"""
import os
import shutil
import time
import uuid

import keras
import tensorflow as tf

from vagan_tf.models.unnormalized_gan import UnnormalizedGAN


def write_atomically(write, path):
    """Runs ``write(version)`` into a new directory, then points the link ``path`` at it in one
    rename.

    The versions live next to the link, in ``<path>s/`` (``D/export`` -> ``D/exports/<version>``);
    the link is relative, so the run directory can be moved. A reader opening ``path``
    always finds a complete export: the old one until the rename, the new one after it.
    A failure inside ``write`` leaves ``path`` as it was. The version just replaced is
    kept (a reader may still be loading it); older versions and leftovers are removed.
    Directories and files get the modes of the rest of the run (0777 / 0666 less the umask).

    Args:
        write: ``write(version)`` writes the export into the empty directory ``version``.
        path: the link to point at the new version.

    Returns:
        The absolute ``path``.
    """
    path = os.path.abspath(path)
    versions = path + "s"
    os.makedirs(versions, exist_ok=True)
    version = os.path.join(versions, f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}")
    os.mkdir(version)
    try:
        write(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    _make_readable(version)
    previous = None
    if os.path.islink(path):
        previous = os.path.join(versions, os.path.basename(os.readlink(path)))
    link = os.path.join(versions, f".link-{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.relpath(version, os.path.dirname(path)), link)
    os.replace(link, path)
    _remove_stale(versions, keep={version, previous})
    return path


def _make_readable(directory):
    """Modes as the umask gives to new files: SavedModel writers and mkdir can be stricter."""
    umask = os.umask(0)
    os.umask(umask)
    for root, dirs, files in os.walk(directory):
        os.chmod(root, 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~umask)


def _remove_stale(versions, keep):
    """Removes the entries of ``versions`` not in ``keep``: replaced versions, and the versions
    and links that a writer which died left behind."""
    for entry in (os.path.join(versions, name) for name in os.listdir(versions)):
        if entry in keep:
            continue
        if os.path.islink(entry) or os.path.isfile(entry):
            os.unlink(entry)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def export_generator(model, path):
    """Writes the model's generator as a SavedModel with ``serve(z)`` and ``sample(n)`` endpoints.

    ``model`` is a ``TrainableSampler`` (``vagan_tf/models/contract.py``). The generator is
    its ``sampling_generator`` (an ``AnnealedGAN``'s moving-average weights when its
    ``generator_ema`` is on). A model with a ``flow`` (``UnnormalizedGAN``, ``ReverseKLFlow``)
    also gets ``log_prob(x)``, the flow's log density at points x [n, d].

    Args:
        model: a trained model with ``generator``, ``latent`` and ``latent_dim``.
        path: the SavedModel's directory (written by one rename, so readers never see a
            partial export).

    Returns:
        ``path``.
    """
    generator = model.sampling_generator
    latent, latent_dim = model.latent, model.latent_dim
    archive = keras.export.ExportArchive()
    archive.track(generator)
    flow = model.flow
    if flow is not None:
        archive.track(flow)
        archive.add_endpoint(
            "log_prob", lambda x: tf.cast(flow.log_prob(x), tf.float32),
            input_signature=[tf.TensorSpec((None, flow.event_dim), tf.float32, name="x")])
        _add_log_weight_endpoints(archive, model)

    def serve(z):
        return tf.cast(generator(z, training=False), tf.float32)

    def sample(n):
        return serve(latent.sample(tf.stack([n, latent_dim])))

    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec((None, latent_dim), tf.float32, name="z")])
    archive.add_endpoint("sample", sample, input_signature=[tf.TensorSpec((), tf.int32, name="n")])
    return write_atomically(lambda tmp: archive.write_out(tmp, verbose=False), path)


def _add_log_weight_endpoints(archive, model):
    """``flow_log_weights(n)``: log u(x) - log nu(x) at x ~ nu; a U-GAN with a critic adds
    ``generator_log_weights(n)``: log u(x) - (w(x) + log nu(x)) at x ~ q (q's estimated density)."""
    n_spec = [tf.TensorSpec((), tf.int32, name="n")]

    def flow_log_weights(n):
        x, log_nu = model.flow.distribution().experimental_sample_and_log_prob(n)
        return model.target.log_prob(x) - log_nu

    archive.add_endpoint("flow_log_weights", flow_log_weights, input_signature=n_spec)
    if not isinstance(model, UnnormalizedGAN) or model.critic is None:
        return  # only a U-GAN's critic estimates its generator's density
    archive.track(model.critic)

    def generator_log_weights(n):
        z = model.latent.sample(tf.stack([n, model.latent_dim]))
        x = tf.cast(model.generator(z, training=False), tf.float32)
        w, log_nu, log_u = model.generator_terms(x)
        return log_u - (w + log_nu)

    archive.add_endpoint("generator_log_weights", generator_log_weights, input_signature=n_spec)
