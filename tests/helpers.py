"""Helpers shared by the test modules: tiny toy runs, loading an export without vagan_tf,
a Gaussian energy, the score-Langevin example."""
import functools
import importlib.util
import os
import subprocess
import sys
import textwrap

import gin
import numpy as np
import tensorflow as tf

from vagan_tf import cli, targets
from vagan_tf.run import assemble

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["TOTAL_STEPS = 20", "WIDTH = 8", "GANExperiment.steps_per_epoch = 10",
        "GANExperiment.steps_per_execution = 5", "GANExperiment.batch_size = 16",
        "GANExperiment.eval_samples = 200", "GANExperiment.verbose = 0"]
RING_RKL_LINEAR = ["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin"]


@functools.cache
def score_langevin_example():
    """examples/score_langevin.py as a module, loaded once per process: loading it registers
    the gin configurable ``score_langevin`` (of ``score/banana.gin``), which gin takes once."""
    path = os.path.join(REPO, "examples", "score_langevin.py")
    spec = importlib.util.spec_from_file_location("score_langevin_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_args(model_dir, files=RING_RKL_LINEAR, params=TINY):
    """``vagan train`` arguments for ``files`` and ``params`` in ``model_dir``."""
    args = ["train", "--model_dir", str(model_dir)]
    for f in files:
        args += ["--gin_file", f]
    for p in params:
        args += ["--gin_param", p]
    return args


def vagan(args):
    """``cli.main(args)`` on a clean gin config, as each ``vagan`` process starts."""
    gin.clear_config()
    return cli.main(args)


def build_run(model_dir, files=RING_RKL_LINEAR, params=TINY):
    """The experiment ``vagan train`` would build, without training it."""
    gin.clear_config()
    assemble.parse_gin(files, params)
    return assemble.experiment(model_dir=str(model_dir))


def snapshot(directory):
    """{relative path: bytes} of every file under ``directory`` (links followed)."""
    files = {}
    for root, _, names in os.walk(directory, followlinks=True):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = f.read()
    return files


def generator_weights(run):
    return [v.numpy() for v in run.model.generator.weights]


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


class StandardNormalEnergy(targets.Target):
    """log u(x) = -||x||^2 / 2: N(0, I) without its normaliser Z = (2 pi)^(d / 2)."""

    name = "normal_energy"

    def __init__(self, dim=2):
        self.dim = dim

    def _log_prob(self, x):
        return -0.5 * tf.reduce_sum(tf.square(x), axis=1)
