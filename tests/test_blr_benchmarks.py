"""benchmarks/blr_table.py's posterior shape and its trace, and blr_shape.py's table."""
import numpy as np
import pytest

from benchmarks import blr_shape, blr_summary, blr_table


def reference_and_narrow_draws():
    """theta = (w_1..w_4, b, log alpha): the draws are the reference with w shrunk by half
    about its mean and log alpha shifted by one of its std."""
    reference = np.random.default_rng(0).normal(size=(4000, 6)) * [1, 2, 3, 4, 1, 0.5]
    draws = reference.copy()
    mean = reference[:, :4].mean(0)
    draws[:, :4] = mean + 0.5 * (reference[:, :4] - mean)
    draws[:, 5] += reference[:, 5].std(ddof=1)
    return reference, draws


class FixedMetrics:
    def test_metrics(self, theta):
        return {"test_accuracy": 0.5, "test_log_likelihood": -float(np.mean(theta))}


def test_the_posterior_shape_of_shrunk_weights_and_a_shifted_log_alpha():
    reference, draws = reference_and_narrow_draws()
    shape = blr_table.posterior_shape(draws, reference)
    assert shape["w_std_ratio_median"] == pytest.approx(0.5)
    assert shape["w_std_ratio_min"] == pytest.approx(0.5)
    assert shape["w_mean_error_median"] == pytest.approx(0.0, abs=1e-12)
    assert shape["log_alpha_std_ratio"] == pytest.approx(1.0)
    assert shape["log_alpha_mean_error"] == pytest.approx(1.0)
    # a shrink about the mean halves the quartiles' distance; a shift leaves it
    assert shape["w_iqr_ratio_median"] == pytest.approx(0.5)
    assert shape["log_alpha_iqr_ratio"] == pytest.approx(1.0)


def test_a_trace_with_reference_draws_records_the_shape_at_each_evaluation():
    reference, draws = reference_and_narrow_draws()
    trace = blr_table.Trace(FixedMetrics(), reference=reference)
    trace.evaluate(50, reference)
    trace.evaluate(100, draws)
    assert [p["w_std_ratio_median"] for p in trace.points] == pytest.approx([1.0, 0.5])
    assert trace.steps == 100 and "w_std_ratio_min" not in blr_table.Trace(
        FixedMetrics()).evaluate(50, draws)


def test_the_shape_table_gives_mean_and_range_over_splits(monkeypatch):
    point = lambda ratio, gap: {**{k: 0.5 for k in blr_shape.TABLE_COLUMNS},  # noqa: E731
                                "w_std_ratio_median": ratio, "ll_gap": gap}
    records = [{"dataset": "cancer", "seed": seed, "variant": "tempered", "steps": 500,
                "seconds": seconds, "trace": [point(0.1, 0.0), point(ratio, gap)]}
               for seed, seconds, ratio, gap in [(1, 70.0, 1.2, -0.002), (0, 60.0, 0.8, 0.004)]]
    lines = blr_shape.table(records).splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("| cancer | tempered | 0/1 | 500 | 65 (60–70) | 1.00 (0.80–1.20) | "
                               "0.50 (0.50–0.50) |")
    assert lines[2].endswith("| 0.001 (-0.002–0.004) |")


class TwoParametrisations(FixedMetrics):
    """A target whose non-centred bijector is a marker the fake NUTS can see."""

    def non_centred(self):
        return "non-centred coordinates"


def test_the_reference_keeps_the_parametrisation_with_the_larger_effective_size(monkeypatch):
    reference, draws = reference_and_narrow_draws()

    def fake_nuts(target, bijector=None, **settings):
        assert settings["num_chains"] == blr_table.NUTS_SETTINGS["num_chains"]
        if bijector is None:
            return reference, {"min_ess": 300.0, "max_r_hat": 1.03}
        return draws, {"min_ess": 2500.0, "max_r_hat": 1.001}

    monkeypatch.setattr(blr_table.mcmc, "nuts", fake_nuts)
    trace, diagnostics = blr_table.run_nuts(TwoParametrisations(), seed=0)
    assert diagnostics["parametrisation"] == "non-centred"
    assert diagnostics["min_ess"] == 2500.0 and diagnostics["max_r_hat"] == 1.001
    assert diagnostics["runs"]["centred"] == {"min_ess": 300.0, "max_r_hat": 1.03}
    np.testing.assert_array_equal(trace.draws, draws)
    # the dropped run against the kept one: the reference's w is twice the draws' spread
    agreement = diagnostics["agreement"]
    assert agreement["w_std_ratio_median"] == pytest.approx(2.0)
    assert agreement["log_alpha_mean_error"] == pytest.approx(1.0)


def test_the_per_split_table_reads_the_reference_and_u_gans_shape():
    shape = {"w_std_ratio_median": 0.9, "w_std_ratio_min": 0.7, "w_iqr_ratio_median": 1.05,
             "log_alpha_std_ratio": 0.5, "log_alpha_iqr_ratio": 0.6}
    runs = {("sonar", 2, "nuts"): {"test_log_likelihood": -0.5, "seconds_to_nuts": None,
                                   "diagnostics": {"parametrisation": "non-centred",
                                                   "max_r_hat": 1.004, "min_ess": 3858.2}},
            ("sonar", 2, "ugan"): {"test_log_likelihood": -0.49, "seconds_to_nuts": 18.04,
                                   "posterior_shape": shape},
            ("sonar", 2, "maf_rkl"): {"seconds_to_nuts": None},
            ("sonar", 2, "iaf_rkl"): {"seconds_to_nuts": 4.26}}
    lines = blr_summary.per_split_table(runs)
    assert len(lines) == 3
    assert lines[2] == ("| sonar | 2 | non-centred | 1.00 | 3858 | 18.0 | never | 4.3 | "
                        "0.90 / 0.70 | 1.05 | 0.50 | 0.60 | +0.0100 |")
