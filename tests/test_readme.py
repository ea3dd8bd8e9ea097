"""The README's Python quickstarts run as written, at a few steps instead of thousands."""
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from helpers import REPO


def readme_python_blocks():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        return re.findall(r"```python\n(.*?)```", handle.read(), re.S)


def shortened(block):
    """The block with every ``fit`` cut to two steps."""
    short, count = re.subn(r"steps_per_epoch=\d+, epochs=\d+", "steps_per_epoch=2, epochs=1", block)
    assert count == 1, "each quickstart calls fit once"
    return short


@pytest.mark.slow
def test_the_annealed_gan_quickstart_fits_samples_and_exports(tmp_path, monkeypatch):
    [block] = [b for b in readme_python_blocks() if "AnnealedGAN(" in b]
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(shortened(block), scope)
    assert scope["x"].shape == (1000, 2) and np.all(np.isfinite(scope["x"]))
    sampler = tf.saved_model.load(str(tmp_path / "runs" / "mine" / "export"))
    assert sampler.sample(5).shape == (5, 2)


@pytest.mark.slow
def test_the_ugan_quickstart_samples_the_users_log_density(tmp_path, monkeypatch):
    [block] = [b for b in readme_python_blocks() if "UnnormalizedGAN(" in b]
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(shortened(block), scope)
    assert scope["x"].shape == (1000, 2) and np.all(np.isfinite(scope["x"]))
    points = tf.constant([[0.0, 0.0], [1.0, 2.0]])
    np.testing.assert_allclose(scope["log_u"](points), [0.0, -0.5], atol=1e-6)
