"""Bayesian logistic regression target against scipy, its gradient and predictive, NUTS, a run."""
import json

import gin
import numpy as np
import pytest
import tensorflow as tf
from scipy import special, stats

from vagan_tf import cli, targets
from vagan_tf.samplers import mcmc
from vagan_tf.targets import BayesianLogisticRegression, blr_posterior
from vagan_tf.targets.uci import Split, load_uci

from helpers import load_and_sample_without_vagan_tf

SHAPE, RATE = 1.0, 0.01


def tiny_split(d=3, n_train=7, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train + n_test, d)).astype(np.float32)
    y = (rng.uniform(size=n_train + n_test) < 0.5).astype(np.float32)
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:], "tiny")


def thetas(dim, count=6, seed=1):
    """Draws with log alpha in [-2, 2] and weights of a size the posterior could have."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(scale=1.5, size=(count, dim))
    theta[:, -1] = rng.uniform(-2, 2, size=count)
    return theta.astype(np.float32)


def scipy_log_prob(split, theta):
    """The posterior density written with scipy's distributions, in float64."""
    theta = theta.astype(np.float64)
    d = split.x_train.shape[1]
    alpha = np.exp(theta[:, -1])
    logits = split.x_train.astype(np.float64) @ theta[:, :d].T + theta[:, d]  # [m, S]
    p = special.expit(logits)
    y = split.y_train[:, None].astype(np.float64)
    log_likelihood = np.sum(y * np.log(p) + (1 - y) * np.log1p(-p), axis=0)
    log_prior = np.sum(stats.norm.logpdf(theta[:, :d + 1], 0.0, 1.0 / np.sqrt(alpha)[:, None]),
                       axis=1)
    log_hyper = stats.gamma.logpdf(alpha, a=SHAPE, scale=1.0 / RATE) + theta[:, -1]
    return log_likelihood + log_prior + log_hyper


def test_log_prob_matches_scipy():
    split = tiny_split()
    target = BayesianLogisticRegression(split)
    theta = thetas(target.dim)
    assert target.dim == 5
    log_prob = target.log_prob(theta)
    assert log_prob.dtype == tf.float32 and log_prob.shape == (6,)
    np.testing.assert_allclose(log_prob, scipy_log_prob(split, theta), rtol=1e-5)


def test_log_prob_stays_finite_and_exact_for_saturated_logits():
    """Logits of +-200: y l - softplus(l) is -200 for a wrong label and 0 for a right one."""
    split = Split(np.array([[1.0], [-1.0]], np.float32), np.array([0.0, 0.0], np.float32),
                  np.zeros((1, 1), np.float32), np.zeros(1, np.float32), "saturated")
    target = BayesianLogisticRegression(split)
    theta = np.array([[200.0, 0.0, 0.0]], np.float32)
    prior = (stats.norm.logpdf([200.0, 0.0]).sum()
             + stats.gamma.logpdf(1.0, a=SHAPE, scale=1.0 / RATE))
    np.testing.assert_allclose(target.log_prob(theta), [-200.0 + prior], rtol=1e-6)


def test_score_matches_the_analytic_gradient():
    """d/dw = sum_i (y_i - sigmoid(l_i)) x_i - alpha w, d/db likewise with x_i = 1,
    d/dlog alpha = (d + 1)/2 - alpha/2 sum_j theta_j^2 + a - r alpha."""
    split = tiny_split(d=4)
    target = BayesianLogisticRegression(split)
    theta = thetas(target.dim, count=5).astype(np.float64)
    d = split.x_train.shape[1]
    features = np.hstack([split.x_train, np.ones((len(split.y_train), 1))]).astype(np.float64)
    residual = split.y_train[:, None] - special.expit(features @ theta[:, :d + 1].T)  # [m, S]
    alpha = np.exp(theta[:, -1])
    expected = np.zeros_like(theta)
    expected[:, :d + 1] = residual.T @ features - alpha[:, None] * theta[:, :d + 1]
    expected[:, -1] = ((d + 1) / 2 - alpha / 2 * np.sum(theta[:, :d + 1] ** 2, axis=1)
                       + SHAPE - RATE * alpha)
    np.testing.assert_allclose(target.score(theta.astype(np.float32)), expected,
                               rtol=1e-4, atol=1e-4)


def test_predictive_probability_and_test_metrics_match_numpy():
    split = tiny_split(n_test=40)
    target = BayesianLogisticRegression(split)
    theta = thetas(target.dim, count=9).astype(np.float64)
    d = split.x_train.shape[1]
    p = special.expit(split.x_test.astype(np.float64) @ theta[:, :d].T + theta[:, d]).mean(axis=1)
    np.testing.assert_allclose(target.predictive_probability(theta, split.x_test), p, rtol=1e-5)
    y = split.y_test
    metrics = target.test_metrics(theta.astype(np.float32))
    assert metrics["test_accuracy"] == pytest.approx(np.mean((p > 0.5) == y))
    assert metrics["test_log_likelihood"] == pytest.approx(
        np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)), rel=1e-5)


def test_test_log_likelihood_is_finite_when_the_predictive_rounds_to_one():
    """One draw with logit 200 on a test row labelled 0: log(1 - p) = -softplus(200) = -200."""
    split = Split(np.ones((2, 1), np.float32), np.array([0.0, 1.0], np.float32),
                  np.ones((1, 1), np.float32), np.zeros(1, np.float32), "saturated")
    metrics = BayesianLogisticRegression(split).test_metrics(np.array([[200.0, 0.0, 0.0]]))
    assert metrics == {"test_accuracy": 0.0, "test_log_likelihood": pytest.approx(-200.0)}


def test_shapes_are_checked():
    target = BayesianLogisticRegression(tiny_split())
    with pytest.raises(ValueError, match=r"\(n, 5\)"):
        target.log_prob(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(m, 3\)"):
        target.predictive_probability(np.zeros((2, 5)), np.zeros((4, 2)))


def test_blr_posterior_is_bound_by_gin_by_name_or_by_split():
    gin.parse_config(["blr_posterior.dataset = 'heart'", "load_uci.split_seed = 3"])
    target = blr_posterior()
    assert target.name == "blr_heart" and target.dim == 15
    expected = load_uci("heart", split_seed=3)
    np.testing.assert_array_equal(target.split.x_train, expected.x_train)
    gin.clear_config()
    gin.parse_config(["blr_posterior.dataset = @load_uci()", "load_uci.name = 'german'"])
    target = blr_posterior()
    assert target.name == "blr_german" and target.dim == 22


class DiagonalGaussian(targets.Target):
    """N(mean, diag(std^2)), normalised: the answer NUTS must reproduce."""

    name = "diagonal_gaussian"
    dim = 2
    mean = np.array([1.0, -2.0], np.float32)
    std = np.array([0.5, 2.0], np.float32)

    def _log_prob(self, x):
        return tf.reduce_sum(-0.5 * tf.square((x - self.mean) / self.std)
                             - np.log(self.std * np.sqrt(2 * np.pi)).astype(np.float32), axis=1)


@pytest.mark.slow
def test_nuts_recovers_a_gaussians_mean_and_variance():
    samples, diagnostics = mcmc.nuts(DiagonalGaussian(), num_results=500, num_burnin=300,
                                     num_chains=4, seed=3)
    assert samples.shape == (2000, 2) and samples.dtype == np.float32
    # 2000 correlated draws: allow ~5 standard errors at an effective size of ~500
    np.testing.assert_allclose(samples.mean(axis=0), DiagonalGaussian.mean,
                               atol=5 * DiagonalGaussian.std.max() / np.sqrt(500))
    np.testing.assert_allclose(samples.std(axis=0), DiagonalGaussian.std, rtol=0.15)
    assert 0.6 < diagnostics["acceptance_rate"] < 0.95
    assert diagnostics["max_r_hat"] < 1.05 and diagnostics["min_ess"] > 300
    assert diagnostics["divergences"] == 0


@pytest.mark.slow
def test_nuts_is_reproducible_for_a_seed():
    first, _ = mcmc.nuts(DiagonalGaussian(), num_results=20, num_burnin=20, num_chains=3, seed=5)
    again, _ = mcmc.nuts(DiagonalGaussian(), num_results=20, num_burnin=20, num_chains=3, seed=5)
    other, _ = mcmc.nuts(DiagonalGaussian(), num_results=20, num_burnin=20, num_chains=3, seed=6)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_nuts_returns_each_chain_as_one_block_of_rows():
    """Chains started far apart that barely move (tiny steps, no adaptation): rows of one
    chain stay within 0.01 of each other, and rows 10 and 20 start a new chain."""
    samples, _ = mcmc.nuts(DiagonalGaussian(), num_results=10, num_burnin=0, num_chains=3,
                           step_size=1e-4, max_tree_depth=2, init_scale=5.0, seed=0)
    jumps = np.linalg.norm(np.diff(samples, axis=0), axis=1)
    assert np.flatnonzero(jumps > 0.01).tolist() == [9, 19]


def test_non_centred_precision_round_trips_with_the_jacobians_log_determinant():
    bijector = targets.NonCentredPrecision()
    u = tf.constant(np.random.default_rng(0).normal(size=(5, 4)), tf.float32)
    theta = bijector.forward(u)
    np.testing.assert_allclose(theta[:, :3], u[:, :3] * np.exp(-0.5 * u[:, 3:]), rtol=1e-6)
    np.testing.assert_allclose(theta[:, 3], u[:, 3])
    np.testing.assert_allclose(bijector.inverse(theta), u, rtol=1e-5, atol=1e-6)
    watched = tf.identity(u)  # a new tensor: the bijector caches forward(u)
    with tf.GradientTape() as tape:
        tape.watch(watched)
        y = bijector.forward(watched)
    _, log_det = tf.linalg.slogdet(tape.batch_jacobian(y, watched))
    np.testing.assert_allclose(bijector.forward_log_det_jacobian(u, event_ndims=1), log_det,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bijector.inverse_log_det_jacobian(theta, event_ndims=1),
                               -log_det, rtol=1e-5, atol=1e-5)


def test_non_centred_precision_refuses_vectors_without_a_coefficient():
    with pytest.raises(ValueError, match="length >= 2"):
        targets.NonCentredPrecision().forward(tf.zeros([2, 1]))


@pytest.mark.slow
def test_non_centred_nuts_samples_the_prior_funnel():
    """With no training rows the posterior is the prior: alpha ~ Gamma(1, 1), so log alpha
    has the negated Gumbel law (mean -0.5772, std pi / sqrt 6), and z = (w, b) sqrt(alpha)
    is N(0, I) independent of alpha. Centred coordinates make this a funnel; in the
    non-centred ones it is a product of a Gumbel and normals."""
    empty = Split(np.zeros((0, 2), np.float32), np.zeros(0, np.float32),
                  np.zeros((1, 2), np.float32), np.zeros(1, np.float32), "empty")
    target = BayesianLogisticRegression(empty, prior_shape=1.0, prior_rate=1.0)
    samples, diagnostics = mcmc.nuts(target, num_results=500, num_burnin=300, num_chains=4,
                                     bijector=target.non_centred(), seed=1)
    log_alpha = samples[:, -1]
    z = samples[:, :3] * np.exp(0.5 * log_alpha)[:, None]
    # ~2000 draws at an effective size >= 400: 5 standard errors
    assert diagnostics["min_ess"] > 400 and diagnostics["max_r_hat"] < 1.05
    assert abs(log_alpha.mean() + np.euler_gamma) < 5 * 1.28 / np.sqrt(400)
    assert abs(log_alpha.std() - np.pi / np.sqrt(6)) < 0.15
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=5 / np.sqrt(400))
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=0.12)
    assert np.all(np.abs(np.corrcoef(np.c_[z, log_alpha].T)[-1, :3]) < 0.15)


@pytest.mark.slow
def test_heart_run_records_the_predictive_and_exports_theta_draws(tmp_path):
    model_dir = tmp_path / "blr"
    params = ["TOTAL_STEPS = 10", "maf.num_blocks = 2", "maf.hidden_units = (16, 16)",
              "WIDTH = 16", "GANExperiment.steps_per_epoch = 5",
              "GANExperiment.steps_per_execution = 5", "GANExperiment.eval_samples = 100",
              "GANExperiment.verbose = 0", "load_uci.split_seed = 3"]
    cli.main(["train", "--model_dir", str(model_dir), "--gin_file", "blr/heart.gin"]
             + [a for p in params for a in ("--gin_param", p)])
    with open(model_dir / "metrics.json", encoding="utf-8") as f:
        records = json.load(f)
    assert [r["step"] for r in records] == [5, 10]
    final = records[-1]
    assert 0.0 <= final["test_accuracy"] <= 1.0 and final["test_log_likelihood"] < 0.0
    theta = load_and_sample_without_vagan_tf(str(model_dir / "export"))
    assert theta.shape == (1000, 15) and np.all(np.isfinite(theta))
    # the recorded figures are the predictive of the run's posterior on split 3's test rows
    target = BayesianLogisticRegression(load_uci("heart", split_seed=3))
    recomputed = target.test_metrics(theta)
    assert abs(recomputed["test_log_likelihood"] - final["test_log_likelihood"]) < 0.05
