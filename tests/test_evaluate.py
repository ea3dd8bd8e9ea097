"""`vagan evaluate` on finished toy and digits runs: evaluation.json, chosen evaluators and
extractors (the standard Inception graph through a stand-in file), and its errors."""
import datetime
import json
import os
import subprocess
import sys

import gin
import numpy as np
import pytest

from vagan_tf import cli
from vagan_tf.run import assemble
from vagan_tf.run.callbacks import draw_samples, evaluation_seed
from vagan_tf.run.scoring import evaluate_run

from helpers import REPO, train_args
from inception_standin import write_standin

DIGITS = ["WIDTH = 4", "DENOISER_WIDTH = 128", "BATCH_SIZE = 4", "TOTAL_STEPS = 2",
          "STEPS_PER_EPOCH = 1", "SampleGrid.every_steps = 2", "SampleGrid.num_images = 4",
          "GANExperiment.eval_samples = 100", "GANExperiment.verbose = 0",
          "ImageQuality.reference_size = 200", "ImageQuality.kid_subset_size = 50",
          "ImageQuality.kid_subsets = 3"]
DIGITS_FILES = ["digits/base.gin", "images/rkl.gin", "images/none.gin"]


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("toy") / "run"
    cli.main(train_args(model_dir))
    gin.clear_config()
    return model_dir


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("digits") / "run"
    cli.main(train_args(model_dir, files=DIGITS_FILES, params=DIGITS))
    gin.clear_config()
    return model_dir


def rescored(model_dir, num_samples, files=(), params=()):
    """The run's own evaluator on its restored generator's samples, computed here, not by
    `vagan evaluate`: what evaluation.json must hold."""
    gin.clear_config()
    assemble.parse_gin([str(model_dir / "config.gin"), *files], list(params))
    run = assemble.experiment(model_dir=str(model_dir))
    step = run.restore()
    scores = run.evaluator(draw_samples(run.model, num_samples,
                                        seed=evaluation_seed(run.run_seed, step)))
    gin.clear_config()
    return scores


def evaluate(model_dir, *extra):
    gin.clear_config()
    cli.main(["evaluate", "--model_dir", str(model_dir), *extra])
    return json.loads((model_dir / "evaluation.json").read_text())


def test_evaluate_scores_the_latest_checkpoint_of_a_toy_run(toy_run, capsys):
    record = evaluate(toy_run, "--num_samples", "300")
    line = capsys.readouterr().out.strip().splitlines()
    assert len(line) == 1 and "step 20 on 300 samples (mixture_report)" in line[0]
    assert "energy_distance" in line[0] and str(toy_run / "evaluation.json") in line[0]
    assert record["step"] == 20 and record["num_samples"] == 300
    assert record["evaluator"] == "mixture_report" and record["extractor"] is None
    assert record["checkpoint"].endswith("ckpt-20")
    assert datetime.datetime.fromisoformat(record["time"]).tzinfo is not None
    # the same numbers from the run rebuilt by hand: config.gin, the checkpoint, its samples
    expected = rescored(toy_run, 300)
    # pytest.approx compares flat mappings only: the counts exactly, the scalars closely
    assert record["metrics"].pop("mode_counts") == expected.pop("mode_counts")
    assert record["metrics"] == pytest.approx(expected, nan_ok=True)  # no high-quality sample: NaN reverse KL
    assert not list(toy_run.glob("evaluation.json.*"))  # no temporary file left


def test_evaluate_uses_the_runs_eval_samples_or_an_evaluator_chosen_by_a_binding(toy_run):
    record = evaluate(toy_run)
    assert record["num_samples"] == 200  # GANExperiment.eval_samples of TINY
    # the noise of training's evaluation at that step: its record in metrics.json, exactly
    *_, last = json.loads((toy_run / "metrics.json").read_text())
    assert last.pop("step") == record["step"] == 20
    assert json.dumps(record["metrics"], sort_keys=True) == json.dumps(last, sort_keys=True)
    chosen = evaluate(toy_run, "--num_samples", "100", "--gin_param",
                      "GANExperiment.evaluator = @sample_report",
                      "--gin_param", "sample_report.target = %TARGET")
    assert chosen["evaluator"] == "sample_report" and chosen["num_samples"] == 100
    assert set(chosen["metrics"]) == {"energy_distance", "mmd2"}
    assert "GANExperiment.evaluator = @sample_report" in chosen["gin_params"]


@pytest.mark.slow
def test_evaluate_a_digits_run_with_its_classifier_and_with_the_standard_graph(digits_run,
                                                                                tmp_path):
    record = evaluate(digits_run, "--num_samples", "120")
    assert record["step"] == 2 and record["num_samples"] == 120
    assert record["evaluator"] == "ImageQuality" and record["extractor"] == "digit_classifier"
    assert set(record["metrics"]) == {"fid", "kid", "kid_std", "inception_score",
                                      "inception_score_std"}
    assert record["metrics"] == pytest.approx(rescored(digits_run, 120), rel=1e-5)
    graph = tmp_path / "classify_image_graph_def.pb"
    write_standin(str(graph))
    standard_params = [f"INCEPTION_GRAPH = '{graph}'", "ImageQuality.reference_size = 60"]
    standard = evaluate(digits_run, "--num_samples", "60", "--gin_file",
                        "images/fid_standard.gin",
                        *(a for p in standard_params for a in ("--gin_param", p)))
    assert standard["extractor"] == "inception_2015_12_05"
    assert standard["extractor_file"] == str(graph) and standard["num_samples"] == 60
    # scored by the stand-in graph, not the run's digit classifier
    assert standard["metrics"] == pytest.approx(
        rescored(digits_run, 60, ["images/fid_standard.gin"], standard_params), rel=1e-5)
    assert standard["metrics"]["fid"] != pytest.approx(record["metrics"]["fid"], rel=0.01)
    assert standard["gin_files"][1] == "images/fid_standard.gin"


def test_fid_standard_gin_binds_the_papers_protocol():
    assemble.parse_gin(["cifar10/base.gin", "images/rkl.gin", "images/none.gin",
                       "images/fid_standard.gin"], [])
    assert gin.query_parameter("ImageQuality.extractor").selector == "standard_inception"
    graph_path = gin.query_parameter("standard_inception.graph_path")
    assert graph_path.scoped_selector.split("/")[0] == "INCEPTION_GRAPH"
    assert gin.query_parameter("ImageQuality.is_splits") == 10
    assert gin.query_parameter("GANExperiment.eval_samples") == 50000
    assert gin.query_parameter("ImageQuality.reference_size") == 50000


def test_evaluate_errors_are_one_line_and_name_the_path(toy_run, tmp_path):
    def fails(model_dir, *extra, match):
        gin.clear_config()
        with pytest.raises(SystemExit, match=match) as error:
            cli.main(["evaluate", "--model_dir", str(model_dir), *extra])
        assert "\n" not in str(error.value)

    fails(tmp_path / "nowhere", match=r"^vagan evaluate: no run directory .*nowhere")
    (tmp_path / "empty").mkdir()
    fails(tmp_path / "empty", match=r"^vagan evaluate: .*empty/config.gin not found")
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "config.gin").write_text((toy_run / "config.gin").read_text())
    fails(tmp_path / "fresh", match=r"^vagan evaluate: no checkpoint in .*fresh/checkpoints")
    fails(toy_run, "--num_samples", "0", match=r"^vagan evaluate: --num_samples must be positive")
    fails(toy_run, "--gin_param", "GANExperiment.evaluator = None",
          match=r"^vagan evaluate: .* has no evaluator \(GANExperiment.evaluator = None\)")
    # a misspelt binding: parse_gin's error, as in `vagan train`
    fails(toy_run, "--gin_param", "GANExperiment.evaluatr = None",
          match="^vagan evaluate: bad gin configuration: .*evaluatr")
    # gin files that build another model: said so, not "move the run away"
    fails(toy_run, "--gin_file", "digits/base.gin",
          match=r"^vagan evaluate: the checkpoints of .* do not fit the model that "
                r"digits/base.gin build; .* not another model")


def test_evaluate_run_returns_the_record_it_writes(toy_run):
    evaluate_run(str(toy_run), num_samples=20)  # twice in one process: the config is replaced
    record = evaluate_run(str(toy_run), num_samples=50)
    on_disk = json.loads((toy_run / "evaluation.json").read_text())
    assert on_disk == json.loads(json.dumps(record, default=float))
    assert isinstance(on_disk["metrics"]["mode_counts"], list)
    assert np.isfinite(on_disk["metrics"]["energy_distance"])


@pytest.mark.slow
def test_python_m_vagan_tf_cli_evaluate_prints_one_line(toy_run):
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-m", "vagan_tf.cli", "evaluate", "--model_dir",
                           str(toy_run), "--num_samples", "64"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"vagan: evaluated {toy_run} at step 20")
    assert json.loads((toy_run / "evaluation.json").read_text())["num_samples"] == 64
