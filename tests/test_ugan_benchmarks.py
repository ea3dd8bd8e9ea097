"""benchmarks/ugan_quality.py: which runs it makes and the budget it gives the baselines."""
import sys

import numpy as np
import pytest

from benchmarks import common, ugan_mode_trajectory, ugan_quality


def written(monkeypatch, path):
    """The records of a results file the benchmark wrote (stamped, as save_results writes)."""
    stamp, content = common.read_results(path)
    assert stamp["command"] and stamp["versions"]["tensorflow"]
    return content


def with_recorded_runs(monkeypatch):
    """ugan_quality with run_method replaced by one that records its calls (method, seconds,
    steps, seed, params, flow_decay_steps) and returns 50 normal draws: a timed run (no
    seconds) takes 12.5 s, a budgeted one its budget."""
    calls = []

    def fake_run_method(method, target_name, seconds, steps, seed=0, params=(),
                        flow_decay_steps=None):
        calls.append((method, seconds, steps, seed, list(params), flow_decay_steps))
        samples = np.random.default_rng(len(calls)).normal(size=(50, 10)).astype(np.float32)
        return samples, steps if seconds is None else 7, 12.5 if seconds is None else seconds

    monkeypatch.setattr(ugan_quality, "run_method", fake_run_method)
    monkeypatch.setattr(ugan_quality, "NUM_SAMPLES", 50)
    return ugan_quality, calls


@pytest.mark.parametrize("budget, baselines, expected", [
    ("ugan", ["iaf_rkl", "svgd"], ["ugan", "iaf_rkl", "svgd"]),
    ("ugan_tempered", [], ["ugan_tempered"]),
    ("ugan_tempered", ["ugan_tempered", "maf_rkl"], ["ugan_tempered", "maf_rkl"]),
])
def test_the_budget_run_goes_first_and_times_the_baselines(monkeypatch, tmp_path, budget,
                                                            baselines, expected):
    ugan_quality, calls = with_recorded_runs(monkeypatch)
    out = tmp_path / "quality.json"
    monkeypatch.setattr(sys, "argv", [
        "ugan_quality.py", "--targets", "mixture10", "--steps", "30", "--seeds", "3",
        "--budget", budget, "--baselines", *baselines, "--gin_param", "DIM = 10",
        "--flow_decay_steps", "40", "--out", str(out)])
    ugan_quality.main()
    assert [call[0] for call in calls] == expected
    # the budget run is timed (no budget given), every other run gets its CPU time
    assert calls[0][1] is None and all(call[1] == 12.5 for call in calls[1:])
    assert calls[0][2:5] == (30, 3, ["DIM = 10"])
    assert all(call[2:] == (30, 3, ["DIM = 10"], 40) for call in calls[1:])
    rows = written(monkeypatch, out)
    assert [row["method"] for row in rows] == ["exact samples (floor)", *expected]
    assert all(0.0 <= row["mode_mass"] <= 0.5 for row in rows)
    assert all(len(row["mode_fit_kl"]) == 2 and np.isclose(sum(row["mode_fit_masses"]), 1.0)
               for row in rows)


def test_a_given_budget_replaces_the_budget_run(monkeypatch, tmp_path):
    ugan_quality, calls = with_recorded_runs(monkeypatch)
    out = tmp_path / "quality.json"
    monkeypatch.setattr(sys, "argv", [
        "ugan_quality.py", "--targets", "mixture10", "--budget", "ugan_tempered",
        "--budget_seconds", "33.5", "--baselines", "ugan_tempered", "iaf_rkl",
        "--flow_decay_steps", "40", "--out", str(out)])
    ugan_quality.main()
    assert [(call[0], call[1], call[5]) for call in calls] == [("iaf_rkl", 33.5, 40)]
    assert [row["method"] for row in written(monkeypatch, out)] == [
        "exact samples (floor)", "iaf_rkl"]


def test_an_unknown_method_is_refused_by_name(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["ugan_quality.py", "--baselines", "nuts"])
    with pytest.raises(SystemExit):
        ugan_quality.main()
    assert "--baselines" in capsys.readouterr().err


def test_the_mode_trajectory_records_lambda_masses_and_fits_every_k_steps(monkeypatch, tmp_path):
    trajectory = ugan_mode_trajectory
    out = tmp_path / "trajectory.json"
    monkeypatch.setattr(sys, "argv", [
        "ugan_mode_trajectory.py", "--dim", "10", "--steps", "4", "--every", "2", "--samples",
        "300", "--tempered", "--out", str(out), "--gin_param", "maf.num_blocks = 1",
        "--gin_param", "maf.hidden_units = (8, 8)", "--gin_param", "WIDTH = 8",
        "--gin_param", "GANExperiment.steps_per_execution = 2"])
    trajectory.main()
    result = written(monkeypatch, out)
    records = result["records"]
    assert [r["step"] for r in records] == [2, 4]
    # lambda of each epoch's last step, t = 1 and 3, on tempered.gin's 4 (1 - t / (0.5 T))
    np.testing.assert_allclose([r["lambda"] for r in records], [2.0, 0.0], atol=1e-6)
    for r in records:
        assert np.isclose(sum(r["mode_masses"]), 1.0) and np.isclose(sum(r["mode_fit_masses"]), 1.0)
        # the masses the fits call for are exp(-KL_k) normalised
        kl = np.array(r["mode_fit_kl"])
        np.testing.assert_allclose(r["mode_fit_masses"], np.exp(-kl) / np.exp(-kl).sum())
    assert result["energy_distance"] > 0


def test_the_mode_trajectory_refuses_a_record_interval_that_does_not_divide_the_run(
        monkeypatch, capsys):
    trajectory = ugan_mode_trajectory
    monkeypatch.setattr(sys, "argv", ["ugan_mode_trajectory.py", "--steps", "100", "--every", "30"])
    with pytest.raises(SystemExit):
        trajectory.main()
    assert "--every (30) must divide --steps (100)" in capsys.readouterr().err
