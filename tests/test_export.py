"""SavedModel export: endpoints, loading without vagan_tf, and atomic writes."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.export import export_generator, write_atomically
from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import mlp_critic, mlp_generator


def load_and_sample_without_vagan_tf(export_dir, n=1000):
    """Loads ``export_dir`` in a fresh interpreter that never imports vagan_tf; returns its samples."""
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import tensorflow as tf
        sampler = tf.saved_model.load({export_dir!r})
        x = sampler.sample({n})
        assert x.dtype == tf.float32, x.dtype
        assert "vagan_tf" not in sys.modules
        np.save(sys.argv[1], x.numpy())
    """)
    out = os.path.join(os.path.dirname(export_dir), "fresh_process_samples.npy")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    subprocess.run([sys.executable, "-c", script, out], check=True, env=env,
                   cwd=os.path.dirname(export_dir), timeout=300)
    return np.load(out)


def small_gan():
    return AnnealedGAN(mlp_generator(3, 2, width=8, depth=1), mlp_critic(2, 8, depth=1), 3, seed=0)


def test_export_serves_the_generator_and_samples_in_a_process_without_vagan_tf(tmp_path):
    gan = small_gan()
    path = export_generator(gan, str(tmp_path / "export"))
    loaded = tf.saved_model.load(path)
    z = tf.random.normal((5, 3))
    np.testing.assert_allclose(loaded.serve(z), gan.generator(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.signatures["serving_default"](z=z)["output_0"],
                               gan.generator(z), rtol=1e-5, atol=1e-6)
    samples = load_and_sample_without_vagan_tf(path)
    assert samples.shape == (1000, 2) and samples.dtype == np.float32
    assert np.std(samples) > 0


def test_failed_write_keeps_the_old_directory_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "export"
    write_atomically(lambda tmp: open(os.path.join(tmp, "v1"), "w").close(), str(target))

    def broken(tmp):
        open(os.path.join(tmp, "half"), "w").close()
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(broken, str(target))
    assert os.listdir(target) == ["v1"]
    assert os.listdir(tmp_path) == ["export"]


def test_rewrite_replaces_the_old_directory_whole(tmp_path):
    target = tmp_path / "export"
    write_atomically(lambda tmp: open(os.path.join(tmp, "v1"), "w").close(), str(target))
    write_atomically(lambda tmp: open(os.path.join(tmp, "v2"), "w").close(), str(target))
    assert os.listdir(target) == ["v2"]
    assert os.listdir(tmp_path) == ["export"]
