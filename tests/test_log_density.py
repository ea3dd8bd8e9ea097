"""LogDensity: a target from a Python function, directly and through a gin file that imports
the module registering it."""
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.config.checks import ConfigurationError
from vagan_tf.targets import Banana, LogDensity

from helpers import build_run


def banana_log_u(x):
    bend = x[:, 1] ** 2 / 4
    return -0.5 * (bend + (x[:, 0] - bend) ** 2)


def test_log_prob_is_the_function_and_score_its_gradient():
    target = LogDensity(banana_log_u, dim=2)
    x = tf.random.stateless_normal([64, 2], seed=[1, 2])
    np.testing.assert_allclose(target.log_prob(x), Banana().log_prob(x), rtol=1e-6)
    x1, x2 = x[:, 0].numpy(), x[:, 1].numpy()
    bend = x2 ** 2 / 4
    closed_form = np.stack([-(x1 - bend), -x2 / 4 + (x1 - bend) * x2 / 2], axis=1)
    np.testing.assert_allclose(target.score(x), closed_form, rtol=1e-5, atol=1e-6)


def test_points_are_checked_before_the_function_sees_them():
    target = LogDensity(banana_log_u, dim=2, name="my_density")
    with pytest.raises(ValueError, match=r"my_density takes points of shape \(n, 2\)"):
        target.log_prob(tf.zeros([3, 3]))
    with pytest.raises(ValueError, match="my_density got non-finite points"):
        target.log_prob(tf.constant([[0.0, np.nan]]))


def test_a_bad_function_or_dimension_is_one_line_naming_the_binding():
    with pytest.raises(ConfigurationError, match="log_density.fn must be a function"):
        LogDensity("not a function", dim=2)
    with pytest.raises(ConfigurationError, match="log_density.dim must be a positive integer"):
        LogDensity(banana_log_u, dim=0)


def test_a_gin_file_imports_the_users_module_and_builds_a_ugan_on_it(tmp_path, monkeypatch):
    (tmp_path / "my_density.py").write_text(textwrap.dedent("""
        import gin

        @gin.register
        def tilted_gaussian(x):
            return -0.5 * (x[:, 0] ** 2 + (x[:, 1] - 1.0) ** 2 / 4.0)
    """))
    (tmp_path / "mine.gin").write_text(textwrap.dedent("""
        import my_density
        include 'ugan/base.gin'
        TARGET = @log_density()
        DIM = 2
        log_density.fn = @tilted_gaussian
        log_density.dim = %DIM
        GANExperiment.evaluator = None
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    try:
        run = build_run(tmp_path / "run", ["mine.gin"],
                        ["maf.num_blocks = 2", "maf.hidden_units = (8, 8)", "WIDTH = 8"])
        target = run.model.target
        assert isinstance(target, LogDensity) and target.dim == 2
        np.testing.assert_allclose(target.log_prob([[0.0, 1.0], [2.0, 3.0]]), [0.0, -2.5])
        assert run.model.sample(5).shape == (5, 2)
    finally:
        sys.modules.pop("my_density", None)
