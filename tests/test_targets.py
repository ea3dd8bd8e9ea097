"""Banana and kidney targets: closed forms, exact-sampler moments, finite differences, bad input."""
import gin
import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from vagan_tf import targets
from vagan_tf.data import sampler_dataset
from vagan_tf.evaluation import metrics


def grid_points(limit, size):
    axis = np.linspace(-limit, limit, size)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32), axis[1] - axis[0]


def central_differences(log_prob, x, h=1e-2):
    """(log_prob(x + h e_k) - log_prob(x - h e_k)) / 2h for each coordinate k."""
    columns = []
    for k in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, k] = h
        columns.append((log_prob(x + step).numpy() - log_prob(x - step).numpy()) / (2 * h))
    return np.stack(columns, 1)


def test_banana_is_the_product_of_its_two_gaussians_up_to_4_pi():
    """u(x) / 4 pi = N(x2; 0, 4) N(x1; x2^2 / 4, 1), an independent check of the formula."""
    x = np.random.uniform(-4, 4, size=(200, 2)).astype(np.float32)
    expected = (stats.norm.logpdf(x[:, 1], 0.0, 2.0)
                + stats.norm.logpdf(x[:, 0], x[:, 1] ** 2 / 4, 1.0) + np.log(4 * np.pi))
    np.testing.assert_allclose(targets.Banana().log_prob(x), expected, rtol=1e-5, atol=1e-5)


def test_banana_integrates_to_4_pi():
    axis1 = np.linspace(-6, 30, 721)
    axis2 = np.linspace(-12, 12, 481)
    xx, yy = np.meshgrid(axis1, axis2, indexing="ij")
    points = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)
    mass = np.exp(targets.Banana().log_prob(points).numpy()).sum()
    cell = (axis1[1] - axis1[0]) * (axis2[1] - axis2[0])
    assert mass * cell == pytest.approx(4 * np.pi, rel=1e-3)


def test_banana_exact_sampler_moments():
    """x2 ~ N(0, 4), x1 | x2 ~ N(x2^2/4, 1): E x2 = 0, Var x2 = 4, E x1 = 1, Var x1 = 1 + 32/16 = 3,
    Cov(x1, x2) = E[x2^3] / 4 = 0; tolerances are 5 Monte-Carlo standard errors."""
    x = targets.Banana().sample(200_000, seed=(5, 6)).numpy().astype(np.float64)
    assert x.shape == (200_000, 2)
    n = len(x)
    for values, mean, variance in [(x[:, 0], 1.0, 3.0), (x[:, 1], 0.0, 4.0)]:
        centred = values - values.mean()
        assert values.mean() == pytest.approx(mean, abs=5 * values.std() / np.sqrt(n))
        assert np.mean(centred**2) == pytest.approx(variance,
                                                    abs=5 * np.std(centred**2) / np.sqrt(n))
    product = (x[:, 0] - 1.0) * x[:, 1]
    assert product.mean() == pytest.approx(0.0, abs=5 * product.std() / np.sqrt(n))


def test_banana_sampler_is_stateless_and_feeds_sampler_dataset():
    banana = targets.Banana()
    np.testing.assert_array_equal(banana.sample(10, seed=(1, 2)), banana.sample(10, seed=(1, 2)))
    assert not np.allclose(banana.sample(10, seed=(1, 2)), banana.sample(10, seed=(1, 3)))
    batch = next(sampler_dataset(banana, 16, seed=3).as_numpy_iterator())
    assert batch.shape == (16, 2) and batch.dtype == np.float32


def test_banana_sampler_does_not_reuse_the_normals_of_its_seed_pair():
    """keras.random.SeedGenerator(s) draws with the stateless seeds (s, 0), (s, 1), ...: the
    same pairs sampler_dataset(seed=s) passes to sample. Were the banana built from
    stateless_normal(seed) itself, a denoiser with SeedGenerator(s) trained on that stream
    would get noise equal to a function of its data."""
    banana = targets.Banana()
    generator = keras.random.SeedGenerator(0)
    for step in range(3):
        noise = keras.random.normal((5000, 2), seed=generator).numpy()
        x = banana.sample(5000, seed=(0, step)).numpy()
        standardised = np.stack([x[:, 0] - x[:, 1] ** 2 / 4, x[:, 1] / 2], 1)
        for k in range(2):
            assert abs(np.corrcoef(noise[:, k], standardised[:, k])[0, 1]) < 0.1


def test_banana_score_matches_its_closed_form_and_finite_differences():
    """d/dx1 log u = -(x1 - x2^2/4);  d/dx2 log u = -x2/4 + (x1 - x2^2/4) x2 / 2."""
    banana = targets.Banana()
    x = banana.sample(100, seed=(7, 7)).numpy()
    residual = x[:, 0] - x[:, 1] ** 2 / 4
    closed = np.stack([-residual, -x[:, 1] / 4 + residual * x[:, 1] / 2], 1)
    np.testing.assert_allclose(banana.score(x), closed, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(banana.score(x), central_differences(banana.log_prob, x),
                               rtol=1e-2, atol=5e-3)


def test_kidney_values_by_hand():
    """At (2, 0): ring term 0, lobes log(1 + e^{-(4/0.6)^2/2}).
    At (0, 0): -(2/0.4)^2/2 + log(2 e^{-(2/0.6)^2/2})."""
    values = targets.Kidney().log_prob([[2.0, 0.0], [0.0, 0.0]]).numpy()
    expected = [np.log1p(np.exp(-0.5 * (4 / 0.6) ** 2)),
                -0.5 * (2 / 0.4) ** 2 + np.log(2.0) - 0.5 * (2 / 0.6) ** 2]
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-6)


def test_kidney_is_a_density_with_its_mass_in_two_lobes_at_plus_minus_2():
    """exp(log_prob) (not exp(energy)) is integrable: the mass converges as the grid grows,
    nearly all of it lies within 3 radial scales of the ring (0.8 < ||x|| < 3.2), and
    the maxima sit at (+-2, 0)."""
    kidney = targets.Kidney()
    masses = []
    for limit in (5.0, 8.0):
        points, step = grid_points(limit, int(40 * limit) + 1)
        density = np.exp(kidney.log_prob(points).numpy())
        masses.append(density.sum() * step**2)
    assert masses[0] == pytest.approx(masses[1], rel=1e-4)
    points, step = grid_points(5.0, 201)
    density = np.exp(kidney.log_prob(points).numpy())
    radius = np.linalg.norm(points, axis=1)
    on_ring = density[(radius > 0.8) & (radius < 3.2)].sum() / density.sum()
    assert on_ring > 0.99
    right = points[np.argmax(np.where(points[:, 0] > 0, density, 0.0))]
    left = points[np.argmax(np.where(points[:, 0] < 0, density, 0.0))]
    np.testing.assert_allclose(right, [2.0, 0.0], atol=0.1)
    np.testing.assert_allclose(left, [-2.0, 0.0], atol=0.1)


def test_kidney_score_matches_finite_differences_and_is_finite_at_the_origin():
    kidney = targets.Kidney()
    x = np.random.uniform(-3, 3, size=(100, 2)).astype(np.float32)
    x = x[np.linalg.norm(x, axis=1) > 0.1]
    np.testing.assert_allclose(kidney.score(x), central_differences(kidney.log_prob, x, h=1e-3),
                               rtol=1e-2, atol=2e-2)
    np.testing.assert_array_equal(kidney.score(np.zeros((1, 2), np.float32)), [[0.0, 0.0]])


@pytest.mark.parametrize("target", [targets.Banana(), targets.Kidney(), targets.ring()],
                         ids=["banana", "kidney", "ring"])
def test_bad_points_fail_with_a_clear_message(target):
    name = target.name
    with pytest.raises(ValueError, match=rf"{name} takes points of shape \(n, 2\); got \(4, 3\)"):
        target.log_prob(tf.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(n, 2\); got \(2,\)"):
        target.score(tf.zeros((2,)))
    bad = np.array([[0.0, 1.0], [np.nan, 0.0], [np.inf, 1.0]], np.float32)
    with pytest.raises(ValueError, match=rf"{name} got non-finite points \(NaN or inf\) in 2 of 3"):
        target.log_prob(bad)
    with pytest.raises(ValueError, match="non-finite"):
        target.score(bad)
    in_graph = tf.function(target.log_prob)
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"{name} got non-finite points"):
        in_graph(tf.constant(bad))


def test_kidney_scales_must_be_positive():
    with pytest.raises(ValueError, match="kidney scales must be positive"):
        targets.Kidney(radial_scale=0.0)


def test_targets_are_gin_configurable():
    gin.parse_config("""
        BANANA = @banana()
        KIDNEY = @kidney()
        kidney.radius = 3.0
    """)
    assert isinstance(gin.query_parameter("%BANANA").scoped_configurable_fn(), targets.Banana)
    kidney = gin.query_parameter("%KIDNEY").scoped_configurable_fn()
    assert isinstance(kidney, targets.Kidney) and kidney.radius == 3.0


def test_kidney_rejection_samples_match_the_density_integrated_on_a_grid():
    kidney = targets.Kidney()
    samples = kidney.sample(20000, seed=(1, 2)).numpy()
    assert samples.shape == (20000, 2) and samples.dtype == np.float32
    grid = np.linspace(-4.4, 4.4, 401)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2).astype(np.float32)
    weights = np.exp(kidney.log_prob(points).numpy())
    weights /= weights.sum()
    for statistic in (lambda x: x[:, 0] ** 2, lambda x: np.abs(np.linalg.norm(x, axis=1) - 2.0),
                      lambda x: (x[:, 0] > 0).astype(float)):
        exact = np.sum(weights * statistic(points))
        estimate = statistic(samples)
        assert abs(estimate.mean() - exact) < 4 * estimate.std() / np.sqrt(len(samples))
    np.testing.assert_array_equal(samples, kidney.sample(20000, seed=(1, 2)).numpy())


def test_rejection_sampling_refuses_a_bound_below_the_density():
    with pytest.raises(ValueError, match="above log_bound"):
        targets.rejection_sample(targets.Kidney(), 10, [-4, -4], [4, 4], log_bound=-1.0)


@pytest.mark.parametrize("dim, modes", [(10, 2), (30, 3)])
def test_separated_mixture_has_its_modes_the_given_distance_apart(dim, modes):
    mixture = targets.separated_mixture(dim=dim, num_modes=modes, separation=6.0)
    distances = np.linalg.norm(mixture.centers[:, None] - mixture.centers[None], axis=-1)
    np.testing.assert_allclose(distances[~np.eye(modes, dtype=bool)], 6.0, rtol=1e-6)
    x = mixture.sample(30_000, seed=(3, 4)).numpy()
    masses = metrics.nearest_mode_masses(x, mixture.centers)
    np.testing.assert_allclose(masses, 1.0 / modes, atol=0.015)
    # each mode's draws are N(c_k, I): per-coordinate variance 1 around their centre
    nearest = np.argmin(np.linalg.norm(x[:, None] - mixture.centers[None], axis=-1), axis=1)
    residual = x - mixture.centers[nearest]
    np.testing.assert_allclose(residual.var(axis=0), 1.0, atol=0.05)
    # log p at a centre: log(1/K) - d/2 log 2 pi, the other modes 36 std^2 away adding ~e^-18
    at_center = mixture.log_prob(mixture.centers[:1]).numpy()[0]
    np.testing.assert_allclose(at_center, -np.log(modes) - dim / 2 * np.log(2 * np.pi), rtol=1e-5)


def test_separated_mixture_refuses_more_modes_than_dimensions():
    with pytest.raises(ValueError, match="2 <= num_modes <= dim"):
        targets.separated_mixture(dim=2, num_modes=3)


WEIGHTS = (0.7, 0.2, 0.1)


def test_a_weighted_mixture_has_the_density_of_its_components():
    mixture = targets.separated_mixture(dim=3, num_modes=3, separation=2.0, weights=WEIGHTS)
    x = np.random.default_rng(0).normal(scale=2.0, size=(50, 3)).astype(np.float32)
    expected = np.log(sum(w * stats.multivariate_normal(c, np.eye(3)).pdf(x)
                          for w, c in zip(WEIGHTS, mixture.centers)))
    np.testing.assert_allclose(mixture.log_prob(x).numpy(), expected, rtol=1e-5)


def test_a_weighted_mixtures_samples_match_its_log_prob():
    """For x ~ p, E[N(x; c_k, I) / p(x)] = 1 for every component k: a check of the sampler
    against log_prob (the modes overlap, 2 std apart); a sampler with the wrong weights fails
    it, as equal draws of the modes move the means away from 1."""
    mixture = targets.separated_mixture(dim=3, num_modes=3, separation=2.0, weights=WEIGHTS)
    x = mixture.sample(40_000, seed=(7, 8)).numpy()
    log_p = mixture.log_prob(x).numpy()
    for center in mixture.centers:
        ratio = np.exp(stats.multivariate_normal(center, np.eye(3)).logpdf(x) - log_p)
        assert abs(ratio.mean() - 1.0) < 4 * ratio.std() / np.sqrt(len(x))
    np.testing.assert_allclose(x.mean(axis=0), np.asarray(WEIGHTS) @ mixture.centers, atol=0.03)


def test_mixture_weights_are_checked_and_bind_from_gin():
    for bad in ((0.5, 0.5, 0.1), (0.6, 0.5, -0.1), (0.5, 0.5)):
        with pytest.raises(ValueError, match=r"mixture3_d3: weights must be 3 positive numbers "
                                             r"summing to 1; got \["):
            targets.separated_mixture(dim=3, num_modes=3, weights=bad)
    gin.parse_config("separated_mixture.weights = (0.25, 0.75)")
    mixture = targets.separated_mixture(dim=4)
    np.testing.assert_array_equal(mixture.weights, [0.25, 0.75])
    assert "weights=[0.25, 0.75]" in repr(mixture)


def test_mode_fits_of_a_weighted_mixture_weigh_the_fits_by_the_weights():
    """Exact draws (KL_k ~ 0) of a 0.8 / 0.2 mixture call for its weights; a mode drawn with
    std 1.2 for pi_k = w_k exp(-KL_k) / sum_j w_j exp(-KL_j)."""
    d = 10
    mixture = targets.separated_mixture(dim=d, weights=(0.8, 0.2))
    exact = mixture.sample(4000, seed=(9, 9)).numpy()
    np.testing.assert_allclose(metrics.mode_fits(exact, mixture)[1], [0.8, 0.2], atol=0.02)
    np.testing.assert_allclose(metrics.nearest_mode_masses(exact, mixture.centers), [0.8, 0.2],
                               atol=0.02)
    rng = np.random.default_rng(3)
    x = np.r_[mixture.centers[0] + rng.standard_normal((4000, d)),
              mixture.centers[1] + 1.2 * rng.standard_normal((4000, d))]
    kl, masses = metrics.mode_fits(x, mixture)
    kl_1 = 0.5 * d * (1.44 - 1 - np.log(1.44))
    expected = np.array([0.8, 0.2 * np.exp(-kl_1)])
    np.testing.assert_allclose(masses, expected / expected.sum(), atol=0.01)
    few = x[::8]  # the report's distances to exact draws cost n^2: 1,000 points
    report = metrics.mode_mass_report(few, mixture)
    assert report["mode_weights"] == [0.8, 0.2]
    nearest = np.argmin(np.linalg.norm(few[:, None] - mixture.centers[None], axis=-1), axis=1)
    share_0 = np.mean(nearest == 0)  # about 0.5: the wide mode's tail crosses the midpoint
    np.testing.assert_allclose(report["mode_mass_error"], abs(share_0 - 0.8), rtol=1e-12)


@pytest.mark.slow
def test_mode_mass_report_sees_a_dropped_mode():
    mixture = targets.separated_mixture(dim=10)
    one_mode = mixture.centers[0] + np.random.default_rng(0).normal(size=(2000, 10))
    report = metrics.mode_mass_report(one_mode, mixture)
    assert report["mode_masses"] == [1.0, 0.0] and report["smallest_mode_mass"] == 0.0
    assert report["mode_weights"] == [0.5, 0.5] and report["mode_mass_error"] == 0.5
    assert report["mode_fit_kl"][1] is None and report["mode_fit_masses"] == [1.0, None]
    exact = metrics.mode_mass_report(mixture.sample(2000, seed=(5, 6)).numpy(), mixture)
    assert exact["smallest_mode_mass"] > 0.45
    assert max(abs(kl) for kl in exact["mode_fit_kl"]) < 0.05
    np.testing.assert_allclose(exact["mode_fit_masses"], 0.5, atol=0.02)
    assert exact["energy_distance"] < 0.1 * report["energy_distance"]
