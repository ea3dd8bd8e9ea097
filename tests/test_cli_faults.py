"""The command line under hostile input and faults: help without TensorFlow, the oneDNN
switch, one-line errors where a traceback would be, nothing silently changed in a run."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import REPO, TINY, build_run, train_args, vagan

TF_LOG_MARKS = ("I0000", "W0000", "E0000", "absl::InitializeLog", "cpu_feature_guard", "oneDNN")
COMMANDS = ["train", "export", "sample", "evaluate", "rollout"]


def run_vagan(args, env=None, cwd=REPO, timeout=300):
    """``vagan ARGS`` in a fresh process whose environment holds none of TensorFlow's
    variables that the test process set, plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    return subprocess.run([sys.executable, "-m", "vagan_tf.cli", *args], cwd=cwd,
                          env={**base, "PYTHONPATH": REPO, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(result, command):
    """Asserts ``result`` failed with one line ``vagan COMMAND: ...`` and no traceback; returns it."""
    assert result.returncode not in (0, None) and result.returncode > 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(TF_LOG_MARKS)]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith(f"vagan {command}: "), result.stderr[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def toy_export(tmp_path_factory):
    """A tiny ring run trained to step 20, with its export."""
    model_dir = tmp_path_factory.mktemp("toy") / "run"
    build_run(model_dir).train()
    return model_dir


# ---------------------------------------------------------------- help, TensorFlow's environment
HELP_WITHOUT_TENSORFLOW = """
import sys
from vagan_tf import cli
for args in [["--help"]] + [[command, "--help"] for command in {commands!r}]:
    try:
        cli.main(args)
    except SystemExit as end:
        assert end.code == 0, (args, end.code)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
print("LOADED", loaded)
"""


@pytest.mark.slow
def test_help_of_every_command_imports_no_tensorflow_and_prints_no_log_line():
    result = subprocess.run([sys.executable, "-c", HELP_WITHOUT_TENSORFLOW.format(
        commands=COMMANDS)], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": REPO})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout
    for command in ["--help", *COMMANDS]:
        shown = run_vagan([command] if command == "--help" else [command, "--help"])
        assert shown.returncode == 0 and "usage: vagan" in shown.stdout
        assert shown.stderr == ""


@pytest.mark.slow
@pytest.mark.parametrize("setting", [None, "0"])
def test_the_onednn_switch_reaches_tensorflow_unless_the_user_set_it(toy_export, tmp_path,
                                                                     setting):
    """TensorFlow reads TF_ENABLE_ONEDNN_OPTS when imported, and says so at log level 0."""
    env = {"TF_CPP_MIN_LOG_LEVEL": "0", **({"TF_ENABLE_ONEDNN_OPTS": setting} if setting else {})}
    out = tmp_path / "s.npy"
    result = run_vagan(["--verbose", "sample", "--model_dir", str(toy_export), "-n", "10",
                        "--out", str(out)], env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("oneDNN custom operations are on" in result.stderr) == (setting is None)
    quiet = run_vagan(["sample", "--model_dir", str(toy_export), "-n", "10", "--out", str(out)])
    assert quiet.returncode == 0 and not any(mark in quiet.stderr for mark in TF_LOG_MARKS), \
        quiet.stderr
