"""benchmarks/ugan_quality.py: which runs it makes and the budget it gives the baselines."""
import json
import sys

import numpy as np
import pytest

from test_blr_benchmarks import load


@pytest.mark.parametrize("budget, baselines, expected", [
    ("ugan", ["iaf_rkl", "svgd"], ["ugan", "iaf_rkl", "svgd"]),
    ("ugan_tempered", [], ["ugan_tempered"]),
    ("ugan_tempered", ["ugan_tempered", "maf_rkl"], ["ugan_tempered", "maf_rkl"]),
])
def test_the_budget_run_goes_first_and_times_the_baselines(monkeypatch, tmp_path, budget,
                                                            baselines, expected):
    ugan_quality = load(monkeypatch, "ugan_quality")
    calls = []

    def fake_run_method(method, target_name, seconds, steps, seed=0, params=()):
        calls.append((method, seconds, steps, seed, list(params)))
        samples = np.random.default_rng(len(calls)).normal(size=(50, 10)).astype(np.float32)
        return samples, steps if seconds is None else 7, 12.5 if seconds is None else seconds

    monkeypatch.setattr(ugan_quality, "run_method", fake_run_method)
    monkeypatch.setattr(ugan_quality, "NUM_SAMPLES", 50)
    out = tmp_path / "quality.json"
    monkeypatch.setattr(sys, "argv", [
        "ugan_quality.py", "--targets", "mixture10", "--steps", "30", "--seeds", "3",
        "--budget", budget, "--baselines", *baselines, "--gin_param", "DIM = 10",
        "--out", str(out)])
    ugan_quality.main()
    assert [call[0] for call in calls] == expected
    # the budget run is timed (no budget given), every other run gets its CPU time
    assert calls[0][1] is None and all(call[1] == 12.5 for call in calls[1:])
    assert all(call[2:] == (30, 3, ["DIM = 10"]) for call in calls)
    rows = json.loads(out.read_text())
    assert [row["method"] for row in rows] == ["exact samples (floor)", *expected]
    assert all(0.0 <= row["mode_mass"] <= 0.5 for row in rows)
    assert all(len(row["mode_fit_kl"]) == 2 and np.isclose(sum(row["mode_fit_masses"]), 1.0)
               for row in rows)


def test_an_unknown_method_is_refused_by_name(monkeypatch, capsys):
    ugan_quality = load(monkeypatch, "ugan_quality")
    monkeypatch.setattr(sys, "argv", ["ugan_quality.py", "--baselines", "nuts"])
    with pytest.raises(SystemExit):
        ugan_quality.main()
    assert "--baselines" in capsys.readouterr().err
