"""The soft Q-learning benchmarks: sql_swimmer.py's plateau statistics and run summaries,
sql_diagnostics.py's soft gap and saturation, the long-horizon gin file against its page."""
import json
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks import common, sql_diagnostics, sql_study, sql_swimmer
from benchmarks.pages import soft_q_learning
from helpers import REPO
from vagan_tf.rl.agent import SoftQAgent
from vagan_tf.rl.policy_update import AmortizedSVGDUpdate
from vagan_tf.run import assemble
from vagan_tf.run.directory import LENGTH_BINDINGS, config_bindings

BENCHMARKS = os.path.join(REPO, "benchmarks")


def test_a_run_that_drops_off_its_plateau_keeps_a_fraction_of_its_best_rolling_mean():
    returns = [-20, 30, 40, 40, 40, 40, 40, 10, 10, 10]
    best, last, holds = sql_swimmer.plateau_statistics(returns, window=3)
    assert best == 40.0  # the best mean of 3 consecutive evaluations
    assert last == 10.0  # the last 20 %: two evaluations
    assert holds == 0.25
    # a run that climbs to its end keeps all of it
    assert sql_swimmer.plateau_statistics(np.arange(10.0), window=2)[2] == pytest.approx(
        np.mean([8, 9]) / 8.5)


def test_the_summary_reads_returns_costs_and_the_last_q_from_metrics(tmp_path):
    records = [{"step": 1000 * (i + 1), "eval_return": r, "train_iterations": 1000 * (i > 0),
                "seconds_per_env_step": 0.004 + 0.001 * i, "cpu_seconds_per_env_step": 0.003,
                "q_mean": 0.5 * i} for i, r in enumerate([-5.0, 20.0, 30.0, 30.0, 6.0])]
    (tmp_path / "metrics.json").write_text(json.dumps(records))
    summary = sql_swimmer.summarise("ugan", 3, str(tmp_path), window=2)
    assert summary["env_steps"] == 5000 and summary["best"] == 30.0
    assert summary["best_rolling"] == 30.0 and summary["last_mean"] == 6.0
    assert summary["holds"] == pytest.approx(0.2) and summary["q_mean_end"] == 2.0
    assert summary["q_mean"] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert summary["first_mean"] == -5.0  # the first 20 %: one evaluation of five
    # the warm-up epoch (no iterations) and the first trained epoch are left out of the cost
    assert summary["ms_per_env_step"] == pytest.approx(1000 * np.mean([0.006, 0.007, 0.008]))
    assert summary["cpu_ms_per_env_step"] == pytest.approx(3.0)


def test_the_table_pairs_the_samplers_by_seed():
    def run(sampler, seed, last):
        return {"sampler": sampler, "seed": seed, "first_mean": 25.0, "best_rolling": 40.0,
                "last_mean": last,
                "holds": last / 40.0, "best": 45.0, "cpu_ms_per_env_step": 4.0, "q_mean_end": 3.0}

    runs = [run("ugan", 0, 30.0), run("svgd", 0, 20.0), run("ugan", 1, 10.0),
            run("svgd", 1, 35.0), run("ugan", 2, 5.0)]  # seed 2 has no SVGD run to pair with
    table = sql_swimmer.markdown_table(runs)
    assert table.count("\n| ") == 5
    row = "| U-GAN sampler + conditional MAF | 0 | 25.0 | 40.0 | 30.0 | 75 % | 45.0 | 4.0 | 3.0 |"
    assert row in table
    assert table.endswith("on 1 of 2 seeds (seeds 0).")


def bindings(files, params):
    gin.clear_config()
    assemble.parse_gin(files, params)
    found = {name: value for name, value in config_bindings(gin.config_str()).items()
             if not LENGTH_BINDINGS.search(name)}
    gin.clear_config()
    return found


def test_the_long_horizon_gin_file_binds_what_its_results_page_measured(monkeypatch):
    study = sql_study
    page = soft_q_learning
    measured = bindings(["rl/swimmer.gin"], study.VARIANTS[page.LONG_HORIZON_VARIANT])
    assert bindings(["rl/swimmer_long_horizon.gin"], []) == measured
    svgd = bindings(["rl/swimmer_long_horizon_svgd.gin"], [])
    assert svgd.pop("SoftQAgent.policy_update") == "@AmortizedSVGDUpdate"
    measured.pop("SoftQAgent.policy_update")
    assert svgd == measured


def test_the_soft_gap_of_a_constant_q_is_alpha_times_the_boxs_log_volume(monkeypatch):
    diagnostics = sql_diagnostics
    agent = SoftQAgent(observation_dim=3, action_dim=2, alpha=0.2, replay_capacity=4,
                       policy_update=lambda **kw: AmortizedSVGDUpdate(
                           **kw, sampler_optimizer=keras.optimizers.Adam()),
                       q_optimizer=keras.optimizers.Adam())
    weights = [np.zeros_like(w) for w in agent.q_networks[0].get_weights()]
    weights[-1][:] = 1.5
    agent.q_networks[0].set_weights(weights)
    gaps = diagnostics.soft_gap(agent, np.random.default_rng(0).normal(size=(6, 3)),
                                value_particles=32, policy_draws=4,
                                rng=tf.random.Generator.from_seed(0))
    # V = 1.5 + alpha log |[-1, 1]^2| exactly, E_pi Q = 1.5 whatever the sampler draws
    np.testing.assert_allclose(gaps, 0.2 * 2 * np.log(2.0), rtol=1e-5)


def test_saturation_counts_action_components_within_one_percent_of_a_bound(monkeypatch):
    diagnostics = sql_diagnostics
    actions = np.array([[-1.0, 0.0], [0.985, 0.97], [0.3, -0.99]])
    # bounds [-1, 1]: 1 % of the width is 0.02, so -1.0, 0.985 and -0.99 count
    assert diagnostics.saturation(actions, np.array([-1.0, -1.0]),
                                  np.array([1.0, 1.0])) == pytest.approx(3 / 6)


def fake_run(sampler, seed, returns, cpu=4.0, q=3.0):
    return {"sampler": sampler, "seed": seed, "env_steps": 1000 * len(returns),
            "steps": [1000 * (i + 1) for i in range(len(returns))], "eval_return": returns,
            "cpu_ms_per_env_step": cpu, "q_mean_end": q, "q_mean": [q] * len(returns),
            "last_mean": float(np.mean(returns[-2:])), "best_rolling": 0.0, "holds": 0.0}


def test_the_results_page_tabulates_each_run_from_its_returns(monkeypatch, tmp_path):
    page = soft_q_learning
    monkeypatch.setattr(page._page, "RESULTS_DIR", str(tmp_path))
    ten = [-10.0, 10.0, 100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 150.0, 150.0]
    long_horizon = [fake_run("ugan", 0, ten, cpu=6.0), fake_run("svgd", 0, ten[::-1], cpu=5.0)]
    for i, (name, *_) in enumerate(page.SCREENING):  # the first run is longer than the others
        returns = ten[:5] + [0.0] * 5 * (i == 0)
        (tmp_path / name).write_text(json.dumps([fake_run("ugan", 0, returns)]))
    (tmp_path / page.LONG_HORIZON).write_text(json.dumps(long_horizon))  # screened too
    common.save_results(str(tmp_path / page.LONG_RUNS),
                        long_horizon + [fake_run("svgd", 1, [5.0] * 10)])
    common.save_results(str(tmp_path / page.LONG_RUNS_DIAGNOSTICS), [
        {"model_dir": "runs/sql_long_horizon/svgd_1", "step": 10000, "discount": 0.999,
         "n_step": 5, "alpha": 0.0333, "return": 5.0, "reward": 0.005, "soft_gap": 0.5,
         "target_gap": 0.04, "q": 12.0, "q_closed_form": 6.0, "q_ratio": 2.0, "saturated": 0.8}])
    for name in page.LONG_HORIZON_MORE:
        (tmp_path / name).write_text("[]")
    (tmp_path / page.DIAGNOSTICS).write_text(json.dumps([
        {"model_dir": f"runs/sql_study/{variant}/{sampler}_{seed}", "step": 10000,
         "discount": 0.999,
         "n_step": 1,
         "alpha": 0.1, "return": 20.0, "reward": 0.02, "soft_gap": gap, "target_gap": gap,
         "q": 30.0, "q_closed_form": 1000 * (0.02 + 0.999 * gap),
         "q_ratio": 30.0 / (1000 * (0.02 + 0.999 * gap)), "saturated": 0.25}
        for variant, sampler, seed, gap in [("polyak_gamma0.999", "ugan", 0, 0.5),
                                            ("polyak_gamma0.999_n5", "ugan", 0, 0.2),
                                            (page.LONG_HORIZON_VARIANT, "ugan", 0, 0.1),
                                            (page.LONG_HORIZON_VARIANT, "svgd", 0, 0.1),
                                            (page.LONG_HORIZON_VARIANT, "ugan", 1, 0.1),
                                            (page.LONG_HORIZON_VARIANT, "svgd", 1, 0.1)]]))
    (tmp_path / page.PAPER_RUNS).write_text(json.dumps(
        [fake_run("ugan", 0, [40.0] * 5), fake_run("svgd", 0, [30.0] * 5)]))
    for name in page.HARNESS_STUDY[2:]:  # the first two are screening runs
        runs = [dict(fake_run(sampler, 0, [5.0, 20.0 + 10 * (sampler == "ugan")]),
                     holds=0.5 + 0.25 * (sampler == "ugan"), gin_params=["SoftQAgent.alpha = 0.1"])
                for sampler in ("ugan", "svgd")]
        (tmp_path / name).write_text(json.dumps(runs))
    cost = {"env + act": 0.75, "Q step": 0.65, "policy": 2.0, "iteration": 2.6, "both": 3.5}
    (tmp_path / page.COST).write_text(json.dumps(
        [{"configuration": "amortised SVGD", "threads": 1, "cpu_ms": cost}]))
    text = page.render()
    # the harness study: each variant's last-20 % means (12.5, 17.5) and kept ratios (50, 75 %)
    assert "| alpha0.1 | 2 | 12.5 – 17.5 | 50 – 75 % | `SoftQAgent.alpha = 0.1` |" in text
    assert "| amortised SVGD | 0.75 | 0.65 | 2.00 | 2.60 | 1 |" in text
    # U-GAN: first 20 % = mean(-10, 10) = 0, best mean of 5 = mean(130, 140, 150, 150, 150)
    # = 144, last 20 % = 150, kept 150 / 144 = 104 %
    assert "| U-GAN sampler + conditional MAF | 0 | 10,000 | 0.0 | 144.0 | 150.0 | 104 % " in text
    # SVGD (reversed): first 150, best 144 (the first five), last 0, kept 0 %
    assert "| amortised SVGD | 0 | 10,000 | 150.0 | 144.0 | 0.0 | 0 % " in text
    assert "missed: amortised SVGD seed 0 (0.0)" in text
    # the long runs: when each first reached 100 and how often it stayed there
    assert ("U-GAN sampler + conditional MAF, seed 0: first evaluation ≥ 100 at 3,000 steps; "
            "from then on 100% of 8 evaluations ≥ 100, lowest 100.") in text
    assert "amortised SVGD, seed 0: first evaluation ≥ 100 at 1,000 steps; from then on 80% " \
           "of 10 evaluations ≥ 100, lowest -10." in text
    assert "amortised SVGD, seed 1: no evaluation ≥ 100 in 10,000 steps (best 5)." in text
    assert ("| `sql_long_horizon/svgd_1` | 10,000 | 0.999 | 5 | 0.0333 | 5.0 | 0.0050 | 0.5000 "
            "| 0.0400 | 12.00 | 6.00 | 2.00 | 80 % |") in text
    assert "on 1 of 1 paired seeds (seeds 0)" in text and "1.20× SVGD's" in text
    # the screening's common prefix: 5 evaluations, one window of 5 (mean 66), first 20 % =
    # the first (-10), last 20 % = the fifth (120), kept 120 / 66
    assert "first 5,000 environment steps" in text
    assert "| -10.0 | 66.0 | 120.0 | 182 % |" in text
    # the findings read the diagnostics: a gap of 0.5 against 0.02 of reward, a fixed point
    # of 1000 (0.02 + 0.999 * 0.5) = 519.5, 26x the rewards' worth; the best evaluation
    assert "by 0.50 per step" in text and "= 520, 26×" in text
    assert "150 at 8,000 steps" in text and "after it were 150, 150." in text
    with pytest.raises(FileNotFoundError, match=page.PAPER_RUNS):
        (tmp_path / page.PAPER_RUNS).unlink()
        page.render()


@pytest.mark.parametrize("n_step", [1, 5])
def test_the_n_step_fixed_point_is_where_repeated_targets_settle(monkeypatch, n_step):
    diagnostics = sql_diagnostics
    reward, gap, discount, q = 0.02, 0.3, 0.99, 0.0
    for _ in range(20000):  # Q <- sum_{k<n} gamma^k r + gamma^n (Q + gap)
        q = sum(discount**k * reward for k in range(n_step)) + discount**n_step * (q + gap)
    assert diagnostics.n_step_fixed_point(reward, gap, discount, n_step) == pytest.approx(q)


@pytest.mark.parametrize("setting", sorted(sql_swimmer.SETTINGS))
def test_each_setting_writes_its_own_runs_results_and_figure_unless_told(setting):
    args = sql_swimmer.parse_args(["--setting", setting])
    own = sql_swimmer.SETTINGS[setting]
    assert (args.root, args.out, args.png) == (own.root, own.out, own.png)
    others = [s for name, s in sql_swimmer.SETTINGS.items() if name != setting]
    assert all({own.root, own.out, own.png}.isdisjoint({s.root, s.out, s.png}) for s in others)
    args = sql_swimmer.parse_args(["--setting", setting, "--root", "r", "--out", "o.json",
                                   "--png", "p.png"])
    assert (args.root, args.out, args.png) == ("r", "o.json", "p.png")
    command = sql_swimmer.train_command("svgd", 2, 10, "r/svgd_2", [], setting)
    assert command[command.index("--gin_file") + 1] == own.gin_files["svgd"]
