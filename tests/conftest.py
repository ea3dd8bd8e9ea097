"""Shared test set-up: quiet TensorFlow, a clean gin config per test, small helpers."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN kernels on, as the vagan command sets them (and TensorFlow on AVX-512 CPUs);
# TF_ENABLE_ONEDNN_OPTS=0 python -m pytest runs the suite with them off
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
# one BLAS thread per xdist worker: with a worker per core, OpenBLAS's own threads spin against
# the other worker's (a 2,048-square eigh, as in every FID, takes 20 s instead of 1.6 s)
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import subprocess  # noqa: E402

import gin  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def clean_gin():
    gin.clear_config()
    yield
    gin.clear_config()


@pytest.fixture(autouse=True)
def seeded():
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A tiny ring run trained to step 20 (checkpoints at 10 and 20), with its export."""
    from helpers import build_run

    model_dir = tmp_path_factory.mktemp("finished") / "run"
    build_run(model_dir).train()
    return model_dir


@pytest.fixture
def run_copy(finished_run, tmp_path):
    """A private copy of ``finished_run`` that a test may damage."""
    subprocess.run(["cp", "-a", str(finished_run), str(tmp_path / "run")], check=True)
    return tmp_path / "run"
