"""Toy targets, their tf.data pipelines, and the sample-quality metrics."""
import math

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from vagan_tf import targets
from vagan_tf.data import sampler_dataset
from vagan_tf.evaluation import metrics


def test_ring_and_grid_centres():
    ring = targets.ring()
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 2.0, rtol=1e-6)
    assert ring.num_modes == 8 and ring.std == 0.02
    grid = targets.grid()
    assert grid.num_modes == 25 and grid.std == 0.05
    assert set(np.unique(grid.centers)) == {-4.0, -2.0, 0.0, 2.0, 4.0}


def test_mixture_log_prob_is_a_normalised_density():
    mixture = targets.GaussianMixture([[0.0, 0.0], [2.0, 1.0]], std=0.5)
    axis = np.linspace(-4, 6, 401)
    xx, yy = np.meshgrid(axis, axis)
    points = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)
    density = np.exp(mixture.log_prob(points).numpy())
    assert np.sum(density) * (axis[1] - axis[0]) ** 2 == pytest.approx(1.0, abs=1e-3)


def test_mixture_rejects_points_of_the_wrong_dimension():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        targets.ring().log_prob(tf.zeros((4, 3)))


def test_sampler_dataset_batches_are_exact_and_reproducible():
    ring = targets.ring()
    batches = list(sampler_dataset(ring, 512, seed=7).take(3).as_numpy_iterator())
    assert all(b.shape == (512, 2) and b.dtype == np.float32 for b in batches)
    again = next(sampler_dataset(ring, 512, seed=7).as_numpy_iterator())
    np.testing.assert_array_equal(batches[0], again)
    resumed = next(sampler_dataset(ring, 512, seed=7, start=2).as_numpy_iterator())
    np.testing.assert_array_equal(batches[2], resumed)
    assert not np.allclose(batches[0], batches[1])
    distances = np.min(np.linalg.norm(batches[0][:, None] - ring.centers[None], axis=-1), axis=1)
    assert np.max(distances) < 6 * ring.std


def test_exact_samples_cover_every_mode_with_the_3_sigma_fraction():
    """In 2-D, P(|x - c| <= 3 std) = 1 - exp(-9 / 2) = 0.9889."""
    ring = targets.ring()
    stats_ = metrics.mode_statistics(ring.sample(20000, seed=(3, 4)).numpy(), ring.centers, ring.std)
    assert stats_["modes_covered"] == 8
    assert stats_["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.003)


def test_a_collapsed_generator_covers_one_mode():
    ring = targets.ring()
    collapsed = ring.centers[3] + 0.01 * np.random.randn(1000, 2)
    stats_ = metrics.mode_statistics(collapsed, ring.centers, ring.std)
    assert stats_["modes_covered"] == 1
    assert stats_["mode_counts"][3] == 1000


@pytest.mark.parametrize("make, modes", [(targets.ring, 8), (targets.grid, 25)])
def test_exact_samples_have_every_mode_and_a_reverse_kl_near_0(make, modes):
    """2,500 exact samples: every mode, ~98.9 % high quality, and KL(p_hat || u) of the order
    of its multinomial noise, E KL ~ (K - 1) / 2n = 0.0014 (ring) and 0.0048 (grid)."""
    mixture = make()
    stats_ = metrics.mode_statistics(mixture.sample(2500, seed=(5, 6)).numpy(),
                                     mixture.centers, mixture.std)
    assert stats_["modes_covered"] == modes
    assert stats_["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert 0.0 < stats_["reverse_kl"] < 4 * (modes - 1) / (2 * 2500)


def test_samples_from_2_of_8_modes_have_a_reverse_kl_of_log_4():
    """p_hat = (1/2, 1/2, 0, ..., 0): KL(p_hat || u) = 2 * 1/2 * log(8 / 2) = log 4."""
    ring = targets.ring()
    rng = np.random.default_rng(0)
    samples = np.concatenate([ring.centers[k] + ring.std * rng.standard_normal((1250, 2))
                              for k in (2, 5)])
    stats_ = metrics.mode_statistics(samples, ring.centers, ring.std)
    assert stats_["modes_covered"] == 2
    assert stats_["reverse_kl"] == pytest.approx(math.log(4), abs=2e-3)
    assert metrics.mode_histogram_reverse_kl([1250, 0, 0, 1250, 0, 0, 0, 0]) == pytest.approx(
        math.log(4), abs=1e-12)


def test_mode_histogram_reverse_kl_by_hand():
    """(3, 1, 0, 0): 3/4 log(4 * 3/4) + 1/4 log(4 * 1/4) = 3/4 log 3; no samples: NaN."""
    assert metrics.mode_histogram_reverse_kl([3, 1, 0, 0]) == pytest.approx(0.75 * math.log(3))
    assert metrics.mode_histogram_reverse_kl([5, 5, 5]) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(metrics.mode_histogram_reverse_kl([0, 0, 0]))


def gaussian_abs_mean(m, v):
    """E|Z| for Z ~ N(m, v)."""
    s = math.sqrt(v)
    return s * math.sqrt(2 / math.pi) * math.exp(-m * m / (2 * v)) + m * (1 - 2 * stats.norm.cdf(-m / s))


def test_energy_distance_of_two_normals_matches_the_closed_form():
    """E = 2 E|X - Y| - E|X - X'| - E|Y - Y'| with X ~ N(0, 1), Y ~ N(1, 1) in 1-D."""
    n = 4000
    x = stats.norm.ppf((np.arange(n) + 0.5) / n)[:, None]
    y = x + 1.0
    expected = 2 * gaussian_abs_mean(1.0, 2.0) - 2 * gaussian_abs_mean(0.0, 2.0)
    assert metrics.energy_distance(x, y) == pytest.approx(expected, abs=2e-3)
    assert metrics.energy_distance(x, x) == pytest.approx(0.0, abs=1e-9)


def test_histogram_symmetric_kl_is_zero_for_equal_and_symmetric_otherwise():
    ring = targets.ring()
    a = ring.sample(5000, seed=(1, 1)).numpy()
    b = targets.grid().sample(5000, seed=(1, 2)).numpy()
    limits = [(-5, 5), (-5, 5)]
    assert metrics.histogram_symmetric_kl(a, a, limits=limits) == pytest.approx(0.0, abs=1e-12)
    ab = metrics.histogram_symmetric_kl(a, b, limits=limits)
    assert ab > 1.0
    assert metrics.histogram_symmetric_kl(b, a, limits=limits) == pytest.approx(ab)


def test_mixture_report_of_exact_samples_is_near_the_floor():
    ring = targets.ring()
    report = metrics.mixture_report(ring.sample(2500, seed=(9, 9)).numpy(), ring)
    assert report["modes_covered"] == 8
    assert report["reverse_kl"] < 0.01
    assert report["energy_distance"] < 0.01
    assert report["symmetric_kl"] < 1.0


def test_gaussian_mmd2_of_a_small_case_by_hand():
    """x = {0, 1}, y = {0, 2}, h = 1: k(0, 1) = e^-1/2, k(0, 2) = e^-2, k(1, 2) = e^-1/2, so
    MMD^2_u = e^-1/2 + e^-2 - 2 (1 + e^-2 + 2 e^-1/2) / 4 = (e^-2 - 1) / 2."""
    x, y = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]])
    assert metrics.gaussian_mmd2(x, y, bandwidth=1.0) == pytest.approx((math.exp(-2) - 1) / 2)


def test_gaussian_mmd2_of_two_normals_matches_the_closed_form():
    """X ~ N(0, s^2), Y ~ N(d, s^2), k of bandwidth h: E k(X, X') = h / sqrt(h^2 + 2 s^2) and
    E k(X, Y) = h / sqrt(h^2 + 2 s^2) exp(-d^2 / (2 (h^2 + 2 s^2))), hence
    MMD^2 = 2 h / sqrt(h^2 + 2 s^2) (1 - exp(-d^2 / (2 (h^2 + 2 s^2))))."""
    n, d, h = 3000, 1.0, 0.7
    x = stats.norm.ppf((np.arange(n) + 0.5) / n)[:, None]
    scale = h**2 + 2.0
    expected = 2 * h / math.sqrt(scale) * (1 - math.exp(-d**2 / (2 * scale)))
    assert metrics.gaussian_mmd2(x, x + d, bandwidth=h) == pytest.approx(expected, abs=1e-3)
    assert abs(metrics.gaussian_mmd2(x, x, bandwidth=h)) < 1e-3


def test_median_bandwidth_pools_the_samples():
    """Pooled {0, 1, 3}: pair distances 1, 3, 2 -> median 2."""
    assert metrics.median_bandwidth([[0.0], [1.0]], [[3.0]]) == pytest.approx(2.0)
    x = np.random.randn(50, 2)
    assert metrics.gaussian_mmd2(x, x + 1.0) == pytest.approx(
        metrics.gaussian_mmd2(x, x + 1.0, bandwidth=metrics.median_bandwidth(x, x + 1.0)))


def test_gaussian_mmd2_needs_two_points_per_set():
    with pytest.raises(ValueError, match="at least 2 points"):
        metrics.gaussian_mmd2(np.zeros((1, 2)), np.zeros((5, 2)))


def test_marginal_moment_errors_of_normals_match_the_closed_form():
    """Coordinate j: samples N(mu_j, s_j^2) (n rows), reference N(mu'_j, s'_j^2) (m rows), so
    mean_error_j -> |mu_j - mu'_j| / s'_j and std_ratio_j -> s_j / s'_j. The sample-mean
    difference has std sqrt(s^2 / n + s'^2 / m) and log std_ratio about sqrt(1 / 2n + 1 / 2m):
    the tolerances are 5 of those."""
    n, m = 20000, 10000
    mu, s = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 3.0])
    mu_ref, s_ref = np.array([0.0, 0.0, -1.0]), np.array([1.0, 2.0, 1.5])
    rng = np.random.default_rng(0)
    samples = mu + s * rng.standard_normal((n, 3))
    reference = mu_ref + s_ref * rng.standard_normal((m, 3))
    mean_error, std_ratio = metrics.marginal_moment_errors(samples, reference)
    assert mean_error.shape == std_ratio.shape == (3,)
    mean_error_std = np.sqrt(s**2 / n + s_ref**2 / m) / s_ref
    np.testing.assert_array_less(np.abs(mean_error - np.abs(mu - mu_ref) / s_ref),
                                 5 * mean_error_std)
    np.testing.assert_allclose(std_ratio, s / s_ref, rtol=5 * math.sqrt(1 / (2 * n) + 1 / (2 * m)))


def test_marginal_moment_errors_of_a_set_against_itself_are_0_and_1():
    x = np.random.default_rng(1).normal(size=(50, 4))
    mean_error, std_ratio = metrics.marginal_moment_errors(x, x)
    np.testing.assert_allclose(mean_error, 0.0, atol=1e-12)
    np.testing.assert_allclose(std_ratio, 1.0, rtol=1e-12)


def test_marginal_iqr_ratios_of_normals_and_of_a_cauchy_match_the_closed_form():
    """A normal's interquartile range is 2 * 0.6745 s, so the ratio of two normals is
    s / s'; a Cauchy of scale c has iqr 2c whatever its infinite variance. With n draws the
    sample quartile of density f has std sqrt(3 / 16 n) / f(q): 5 of those (with n / m)."""
    n, m = 20000, 10000
    rng = np.random.default_rng(3)
    s, s_ref = np.array([1.0, 0.5]), np.array([2.0, 0.5])
    samples = np.c_[s * rng.standard_normal((n, 2)), 3.0 * rng.standard_cauchy(n)]
    reference = np.c_[s_ref * rng.standard_normal((m, 2)), 1.5 * rng.standard_cauchy(m)]
    ratios = metrics.marginal_iqr_ratios(samples, reference)
    # relative std of a normal's sample iqr: sqrt(3 / 16 n) / (phi(0.6745) 0.6745) ~ 1.36 / sqrt n
    np.testing.assert_allclose(ratios[:2], s / s_ref, rtol=5 * 1.36 * math.sqrt(1 / n + 1 / m))
    # a Cauchy's quartiles are at +-c with density 1 / (2 pi c): relative std pi sqrt(3 / 16 n)
    np.testing.assert_allclose(ratios[2], 2.0, rtol=5 * math.pi * math.sqrt(3 / 16 * (1 / n + 1 / m)))


def test_marginal_iqr_ratios_refuses_a_reference_without_spread():
    reference = np.stack([np.arange(6.0), np.ones(6)], 1)
    with pytest.raises(ValueError, match=r"positive reference interquartile range; coordinates \[1\]"):
        metrics.marginal_iqr_ratios(np.zeros((5, 2)), reference)
    with pytest.raises(ValueError, match="marginal_iqr_ratios needs at least 2 rows"):
        metrics.marginal_iqr_ratios(np.zeros((1, 2)), reference)


@pytest.mark.parametrize("samples, reference, message", [
    (np.zeros((5, 3)), np.ones((6, 2)), r"samples \[n, d\] and reference \[m, d\]"),
    (np.zeros(5), np.ones((6, 1)), r"samples \[n, d\] and reference \[m, d\]"),
    (np.zeros((1, 2)), np.random.default_rng(2).normal(size=(6, 2)), "at least 2 rows"),
    (np.zeros((5, 2)), np.stack([np.arange(6.0), np.ones(6)], 1), r"coordinates \[1\]"),
    (np.zeros((5, 2)), np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 3.0]]), r"coordinates \[0\]"),
])
def test_marginal_moment_errors_refuses_broken_inputs(samples, reference, message):
    with pytest.raises(ValueError, match=message):
        metrics.marginal_moment_errors(samples, reference)


def test_digamma_matches_scipy_at_the_half_integers_the_wishart_correction_uses():
    from scipy import special
    x = np.r_[np.arange(0.5, 40.0, 0.5), 0.1, 3.7, 2500.5]
    np.testing.assert_allclose([metrics._digamma(v) for v in x], special.digamma(x), atol=1e-9)


def test_gaussian_fit_kl_is_unbiased_for_the_closed_form_of_two_gaussians():
    """Samples N(delta, s^2 I) against N(0, I): KL = d (s^2 - 1 - log s^2) / 2 + ||delta||^2 / 2.
    With n = 4d rows the plug-in fit is biased by about d^2 / 4n (log det) and d s^2 / 2n (the
    mean): the corrected estimate's mean over 400 draws must be within 4 standard errors of the
    closed form, and the plug-in's must not."""
    d, n, s = 10, 40, 1.2
    delta = np.full(d, 0.3)
    closed_form = 0.5 * d * (s**2 - 1 - np.log(s**2)) + 0.5 * np.sum(delta**2)
    rng = np.random.default_rng(4)
    draws = [delta + s * rng.standard_normal((n, d)) for _ in range(400)]
    estimates = np.array([metrics.gaussian_fit_kl(x, np.zeros(d), 1.0) for x in draws])
    standard_error = estimates.std() / np.sqrt(len(estimates))
    assert abs(estimates.mean() - closed_form) < 4 * standard_error

    def plug_in(x):
        cov = np.cov(x, rowvar=False)
        return 0.5 * (np.trace(cov) + np.sum(x.mean(0) ** 2) - d - np.linalg.slogdet(cov)[1])

    assert abs(np.mean([plug_in(x) for x in draws]) - closed_form) > 10 * standard_error
    # a scale of the target: N(0, 4 I) samples against N(0, 4 I) are at KL 0
    wide = 2.0 * rng.standard_normal((20000, d))
    assert abs(metrics.gaussian_fit_kl(wide, np.zeros(d), 2.0)) < 0.01


def test_gaussian_fit_kl_needs_more_than_d_plus_1_samples():
    with pytest.raises(ValueError, match=r"more than d \+ 1 = 4 samples, got 4"):
        metrics.gaussian_fit_kl(np.random.default_rng(0).normal(size=(4, 3)), np.zeros(3), 1.0)


def test_mode_fits_give_the_masses_reverse_kl_settles_on():
    """Mode 0 drawn exactly, mode 1 with std 1.2: KL_1 = d (1.44 - 1 - log 1.44) / 2, and the
    reverse-KL masses are (1, exp(-KL_1)) / (1 + exp(-KL_1)) whatever the drawn shares."""
    d = 10
    mixture = targets.separated_mixture(dim=d)
    rng = np.random.default_rng(5)
    x = np.r_[mixture.centers[0] + rng.standard_normal((6000, d)),
              mixture.centers[1] + 1.2 * rng.standard_normal((2000, d))]
    kl, masses = metrics.mode_fits(x, mixture)
    kl_1 = 0.5 * d * (1.44 - 1 - np.log(1.44))
    np.testing.assert_allclose(kl, [0.0, kl_1], atol=0.03)
    np.testing.assert_allclose(masses, [1, np.exp(-kl_1)] / (1 + np.exp(-kl_1)), atol=0.01)
    # a mode with d + 1 samples or fewer has no fit; the others' masses still sum to 1
    narrow = mixture.centers[0] + 0.5 * rng.standard_normal((2000, d))  # 6 std from the midpoint
    kl, masses = metrics.mode_fits(np.r_[narrow, x[-(d + 1):]], mixture)
    assert kl[0] > 1.0 and np.isnan(kl[1]) and np.isnan(masses[1]) and masses[0] == 1.0


def dense_pair_distances(a, b):
    """The whole matrix ||a_i - b_j|| at once: the dense form that the blocks replace."""
    return metrics._pairwise_distances(a, b)


def test_the_o_n2_metrics_in_blocks_equal_their_dense_forms(monkeypatch):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(300, 3)), rng.normal(0.5, 1.5, size=(200, 3))
    xx, yy, xy = dense_pair_distances(x, x), dense_pair_distances(y, y), dense_pair_distances(x, y)
    broadcast = np.sqrt(np.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1))
    np.testing.assert_allclose(xy, broadcast, rtol=1e-12)  # the dense form is the distance
    monkeypatch.setattr(metrics, "BLOCK_BYTES", 8 * 300 * 7)  # blocks of 7 rows
    assert metrics.energy_distance(x, y) == pytest.approx(
        2 * xy.mean() - xx.mean() - yy.mean(), rel=1e-12)

    def k(d):
        return np.exp(-d**2 / 2.0)
    off = ~np.eye(300, dtype=bool), ~np.eye(200, dtype=bool)
    assert metrics.gaussian_mmd2(x, y, bandwidth=1.0) == pytest.approx(
        k(xx)[off[0]].mean() + k(yy)[off[1]].mean() - 2 * k(xy).mean(), rel=1e-10)
    pooled = np.concatenate([x, y])
    pairs = dense_pair_distances(pooled, pooled)[np.triu_indices(500, k=1)]
    assert metrics.median_bandwidth(x, y) == pytest.approx(np.median(pairs), rel=1e-12)
    # order statistics found by narrowing bins, with few distances held at once
    ranks = [0, 1, 777, len(pairs) // 2, len(pairs) - 1]
    found = metrics.pair_distance_order_statistics(pooled, ranks, max_held=500, bins=8)
    np.testing.assert_allclose(found, np.sort(pairs)[ranks], rtol=1e-12)
    # equal distances (repeated points) cannot be narrowed: held, still right
    repeated = np.repeat(pooled[:5], 40, axis=0)
    np.testing.assert_allclose(metrics.median_bandwidth(repeated[:100], repeated[100:]),
                               np.median(dense_pair_distances(repeated, repeated)[
                                   np.triu_indices(200, k=1)]), rtol=1e-12)
