"""benchmarks/toy_quality.py scores a run by its last evaluations: their mean and their worst."""
import math

import pytest

from benchmarks import entropy_lag, toy_quality


def record(step, modes, high_quality, reverse_kl):
    return {"step": step, "modes_covered": modes, "high_quality": high_quality,
            "reverse_kl": reverse_kl, "symmetric_kl": 1.0 + step, "energy_distance": 0.1 * step}


def test_the_last_three_evaluations_give_the_mean_and_the_worst():
    records = [record(1, 0, 0.0, 2.0), record(2, 8, 0.9, 0.01), record(3, 6, 0.5, 0.3),
               record(4, 7, 0.7, 0.05)]
    last = toy_quality.summarize(records, 3)
    assert last["modes_covered"] == {"mean": pytest.approx(7.0), "worst": 6}
    assert last["high_quality"] == {"mean": pytest.approx(0.7), "worst": 0.5}
    assert last["reverse_kl"] == {"mean": pytest.approx(0.12), "worst": 0.3}
    assert last["energy_distance"]["worst"] == pytest.approx(0.4)  # the first record is left out


def test_no_high_quality_sample_is_the_worst_reverse_kl():
    last = toy_quality.summarize([record(1, 8, 0.9, 0.01), record(2, 0, 0.0, float("nan"))], 2)
    assert math.isnan(last["reverse_kl"]["worst"])


def test_a_run_with_too_few_evaluations_is_refused():
    with pytest.raises(ValueError, match="2 evaluations"):
        toy_quality.summarize([record(1, 8, 0.9, 0.01), record(2, 8, 0.9, 0.01)], 3)


def test_a_schedule_of_several_files_composes_them_in_order():
    import gin

    from vagan_tf.run import assemble

    files = toy_quality.gin_files("ring", "rkl", "linear+entropy")
    assert files == ["toy/ring.gin", "toy/rkl.gin", "toy/linear.gin", "toy/entropy.gin"]
    assemble.parse_gin(files, [])
    assert gin.query_parameter("AnnealedGAN.annealing").scoped_selector == "entropy"
    assert gin.query_parameter("%SCHEDULE").scoped_selector == "linear"  # from linear.gin


def run(schedule, seed, modes, high_quality, reverse_kl, objective="rkl"):
    last = toy_quality_summary(modes, high_quality, reverse_kl)
    return {"data": "ring", "objective": objective, "schedule": schedule, "variant": "",
            "seed": seed, "last": last}


def toy_quality_summary(modes, high_quality, reverse_kl):
    return {"modes_covered": {"worst": modes}, "high_quality": {"worst": high_quality},
            "reverse_kl": {"worst": reverse_kl}}


def test_annealed_runs_are_paired_seed_by_seed_with_their_plain_counterparts():
    groups = {}
    for r in [run("none+packing", 0, 6, 0.90, 0.3), run("none+packing", 1, 8, 0.95, 0.01),
              run("linear+packing", 0, 8, 0.94, 0.02), run("linear+packing", 1, 7, 0.93, 0.2),
              run("linear+packing", 2, 8, 0.99, 0.0),  # no plain run of seed 2: left out
              run("linear", 0, 8, 0.9, 0.1)]:  # no plain run without packing: no row
        groups.setdefault((r["data"], r["objective"], r["schedule"], r["variant"]), []).append(r)
    rows = toy_quality.paired_rows(groups)
    assert rows == ["| ring | rkl | linear vs none, packing (2) | 1 / 0 / 1 | 1 / 1 | +1.0 |"]
    assert toy_quality.split_schedule("linear+packing+lr_decay") == ("linear", "packing+lr_decay")


def test_the_lag_statistics_of_an_exact_and_of_a_lagging_denoiser():
    """An exact denoiser of the cloud N(m, c^2 I): e = -s (h - m), s = sigma^2 / (c^2 +
    sigma^2), so its batch mean is ~0 and the shrinkage is s; one that still denoises
    N(m - 1, c^2 I) adds the offset -s (1, 1) to every point."""
    import numpy as np

    c, sigma = 0.5, 0.5
    s = sigma**2 / (c**2 + sigma**2)
    h = np.random.default_rng(0).normal(size=(20000, 2)) * c + 3.0
    exact = entropy_lag.residual_statistics(h, h - s * (h - 3.0), sigma)
    assert exact["shrink"] == pytest.approx(s) and exact["mean_residual_norm"] < 0.01
    assert exact["exact_shrink"] == pytest.approx(s, rel=0.02)
    lagging = entropy_lag.residual_statistics(h, h - s * (h - 2.0), sigma)
    assert lagging["mean_residual_norm"] == pytest.approx(s * math.sqrt(2), rel=0.02)
    assert lagging["shrink"] == pytest.approx(s, rel=1e-6)
