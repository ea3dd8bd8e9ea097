"""The sampler benchmarks' targets (exact samplers against log_prob, known log Z), the
importance estimates of log Z and ESS, AIS's log Z, and their gin files through ``vagan train``."""
import json
import math
import shutil

import numpy as np
import pytest
import tensorflow as tf
from scipy import special, stats

from benchmarks import common
from vagan_tf.evaluation import importance
from vagan_tf.models import ReverseKLFlow, UnnormalizedGAN
from vagan_tf.nets.flows import MAF
from vagan_tf.nets.mlp import mlp_critic, mlp_generator
from vagan_tf.run import export, assemble
from vagan_tf.samplers import population_mc, smc
from vagan_tf.targets import benchmarks as bt
from vagan_tf.targets import Target

from helpers import StandardNormalEnergy, train_args, vagan


def grid_log_integral(log_prob, low, high, step):
    """log of the Riemann sum of exp(log_prob) over a 2-D square grid [low, high]^2."""
    axis = np.arange(low, high, step) + step / 2
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    log_values = np.concatenate([log_prob(chunk).numpy() for chunk in np.array_split(points, 20)])
    return float(special.logsumexp(log_values.astype(np.float64)) + 2 * math.log(step))


def stein_statistic(target, x):
    """mean_i x_i . grad log p(x_i) + d, which is 0 in expectation under exact draws of p
    (Stein's identity with f(x) = x); returns (statistic, its standard error)."""
    terms = tf.reduce_sum(x * target.score(x), axis=1).numpy().astype(np.float64) + target.dim
    return terms.mean(), terms.std() / math.sqrt(len(terms))


# ----------------------------------------------------------------- GMM-40
def test_gmm40_ships_fabs_means_and_checks_their_hash(tmp_path):
    means = bt.gmm40_means()
    assert means.shape == (40, 2) and np.all(np.abs(means) <= 40)
    # torch.manual_seed(0); torch.rand(4) = 0.4963, 0.7682, 0.0885, 0.1320 (PROVENANCE.md)
    np.testing.assert_allclose(means[:2], (np.array([[0.4963, 0.7682], [0.0885, 0.1320]]) - 0.5)
                               * 80, atol=0.01)
    tampered = tmp_path / "means.csv"
    shutil.copy(bt.GMM40_MEANS, tampered)
    tampered.write_text(tampered.read_text().replace("21.457745", "21.457746"))
    with pytest.raises(ValueError, match="means.csv: sha256"):
        bt.gmm40_means(str(tampered))


def test_gmm40_is_normalised_by_quadrature():
    mixture = bt.gmm40()
    assert mixture.std == pytest.approx(math.log1p(math.e)) and mixture.log_z == 0.0
    assert grid_log_integral(mixture.log_prob, -48.0, 48.0, 0.1) == pytest.approx(0.0, abs=1e-4)


def test_gmm40_exact_samples_fill_each_modes_cell_as_log_prob_does():
    """Counts per nearest-mean cell of 40 000 draws against the cells' masses, integrated
    from exp(log_prob) on a grid (a chi-square test)."""
    mixture = bt.gmm40()
    step = 0.1
    axis = np.arange(-48.0, 48.0, step) + step / 2
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
    density = np.exp(mixture.log_prob(grid.astype(np.float32)).numpy()) * step**2
    cells = np.argmin(((grid[:, None] - mixture.centers[None]) ** 2).sum(-1), axis=1)
    expected = np.bincount(cells, weights=density, minlength=40)
    x = mixture.sample(40_000, seed=(3, 4)).numpy()
    observed = np.bincount(np.argmin(((x[:, None] - mixture.centers[None]) ** 2).sum(-1), axis=1),
                           minlength=40)
    _, p_value = stats.chisquare(observed, expected / expected.sum() * len(x))
    assert p_value > 1e-3
    mean, error = stein_statistic(mixture, x[:5000])
    assert abs(mean) < 4 * error


# ----------------------------------------------------------------- Many-Well
def test_many_well_log_z_by_quadrature():
    target = bt.ManyWell()
    assert target.dim == 32
    assert bt.double_well_normaliser() == pytest.approx(11784.50927, rel=1e-9)
    assert target.log_z == pytest.approx(16 * (math.log(11784.50927) + 0.5 * math.log(2 * math.pi)),
                                         abs=1e-6)
    assert target.log_z == pytest.approx(164.6957, abs=1e-4)
    # one pair's log Z from its log_prob on a 2-D grid, independent of the 1-D quadrature
    pair = bt.ManyWell(num_pairs=1)
    assert grid_log_integral(pair.log_prob, -6.0, 6.0, 0.01) == pytest.approx(pair.log_z, abs=1e-4)
    assert target.log_z == pytest.approx(16 * pair.log_z, rel=1e-12)


def test_many_well_exact_samples_follow_log_prob():
    target = bt.ManyWell()
    x = target.sample(4000, seed=(5, 6)).numpy()
    assert x.shape == (4000, 32) and x.dtype == np.float32
    mean, error = stein_statistic(target, x)
    assert abs(mean) < 4 * error
    # every pair's share in the deeper well (x1 > 0) against the exact 0.8443
    deep = bt.double_well_deep_mass()
    assert deep == pytest.approx(0.8443, abs=1e-4)
    masses = target.deep_well_masses(x)
    assert masses.shape == (16,) and np.all(np.abs(masses - deep) < 4 * math.sqrt(deep * (1 - deep) / 4000))
    # x1 of all pairs against the 1-D density's CDF (from log_prob on a grid), by Kolmogorov-Smirnov
    pair = bt.ManyWell(num_pairs=1)
    grid = np.linspace(-4.0, 4.0, 8001)
    log_density = pair.log_prob(np.stack([grid, np.zeros_like(grid)], 1).astype(np.float32)).numpy()
    cdf = np.cumsum(np.exp(log_density - log_density.max()))
    _, p_value = stats.kstest(x[:, 0::2].ravel()[:20000], lambda v: np.interp(v, grid, cdf / cdf[-1]))
    assert p_value > 1e-3
    # x2 ~ N(0, 1)
    assert stats.kstest(x[:, 1::2].ravel(), "norm").pvalue > 1e-3


# ----------------------------------------------------------------- Funnel
def test_funnel_is_normalised_and_its_exact_samples_follow_log_prob():
    # in (x0, z = x1 e^{-x0 / 2}), where the neck is as wide as the mouth: the integrand is
    # p(x0, z e^{x0 / 2}) e^{x0 / 2}
    funnel2 = bt.Funnel(dim=2)

    def log_integrand(v):
        x = tf.stack([v[:, 0], v[:, 1] * tf.exp(0.5 * v[:, 0])], axis=1)
        return funnel2.log_prob(x) + 0.5 * v[:, 0]

    assert grid_log_integral(log_integrand, -20.0, 20.0, 0.02) == pytest.approx(0.0, abs=1e-4)
    target = bt.Funnel()
    assert target.dim == 10 and target.log_z == 0.0
    x = target.sample(20000, seed=(7, 8)).numpy()
    assert np.std(x[:, 0]) == pytest.approx(3.0, rel=0.02)
    mean, error = stein_statistic(target, x)
    assert abs(mean) < 4 * error
    # x_i e^{-x0 / 2} ~ N(0, 1) given x0
    assert stats.kstest((x[:, 1:] * np.exp(-0.5 * x[:, :1])).ravel()[:20000], "norm").pvalue > 1e-3


# ----------------------------------------------------------------- Sonar (DDS form)
def test_sonar_in_the_dds_form_against_an_independent_computation():
    target = bt.SonarLogisticRegression()
    features, labels = target.features, target.labels
    assert target.dim == 61 and features.shape == (208, 61) and target.log_z is None
    np.testing.assert_allclose(features[:, :60].mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(features[:, :60].std(0), 1.0, atol=1e-4)
    np.testing.assert_array_equal(features[:, 60], 1.0)
    w = np.random.default_rng(0).normal(scale=0.3, size=(3, 61))
    logits = w @ features.astype(np.float64).T
    expected = (np.sum(labels * logits - np.logaddexp(0.0, logits), axis=1)
                + stats.multivariate_normal(np.zeros(61)).logpdf(w))
    np.testing.assert_allclose(target.log_prob(w.astype(np.float32)).numpy(), expected, rtol=1e-5)


def test_rescaled_keeps_log_z_and_maps_points_back():
    target = bt.Rescaled(bt.ManyWell(num_pairs=1), scale=4.0)
    assert target.log_z == target.target.log_z
    assert grid_log_integral(target.log_prob, -1.5, 1.5, 0.0025) == pytest.approx(target.log_z,
                                                                                 abs=1e-4)
    y = np.array([[0.1, -0.2], [0.3, 0.05]], np.float32)
    np.testing.assert_allclose(target.log_prob(y).numpy(),
                               target.target.log_prob(4 * y).numpy() + 2 * math.log(4.0), rtol=1e-6)
    np.testing.assert_allclose(target.to_target(y), 4 * y)
    with pytest.raises(ValueError, match="rescaled.scale"):
        bt.Rescaled(bt.ManyWell(), scale=0.0)


# ----------------------------------------------------------------- importance estimates
class ShiftedNormalEnergy(Target):
    """log u(x) = -||x - mu||^2 / 2: Z = (2 pi)^(d / 2)."""

    name = "shifted_normal"

    def __init__(self, dim, shift):
        self.dim, self.shift = dim, shift

    def _log_prob(self, x):
        return -0.5 * tf.reduce_sum(tf.square(x - self.shift), axis=1)


def test_importance_estimates_match_the_gaussian_closed_form():
    """Proposal N(0, s^2 I) for u = N(mu, I) unnormalised: E_q[(p / q)^2] per coordinate is
    s^2 / sqrt(2 s^2 - 1) exp(mu^2 / (2 s^2 - 1)), and ESS / n -> 1 / E_q[(p / q)^2]."""
    dim, shift, scale, n = 2, 0.5, 1.5, 400_000
    target = ShiftedNormalEnergy(dim, shift)
    proposal = smc.gaussian_reference(dim, scale)
    log_weights, x = importance.proposal_log_weights(target, proposal, n, seed=(1, 2))
    assert x.shape == (n, dim)
    second_moment = (scale**2 / math.sqrt(2 * scale**2 - 1)
                     * math.exp(shift**2 / (2 * scale**2 - 1))) ** dim
    estimates = importance.log_weight_estimates(log_weights, log_z=0.5 * dim * math.log(2 * math.pi))
    assert estimates["log_z_error"] < 0.005
    assert estimates["ess_fraction"] == pytest.approx(1 / second_moment, rel=0.02)


def test_importance_estimates_are_stable_and_reject_bad_weights():
    log_weights = np.random.default_rng(0).normal(size=1000)
    shifted = importance.log_weight_estimates(log_weights + 1000.0)
    plain = importance.log_weight_estimates(log_weights)
    assert shifted["log_z_hat"] == pytest.approx(plain["log_z_hat"] + 1000.0, abs=1e-9)
    assert shifted["ess_fraction"] == pytest.approx(plain["ess_fraction"], rel=1e-9)
    assert importance.effective_sample_fraction([0.0, -2000.0, -3000.0, -np.inf]) == pytest.approx(0.25)
    assert importance.effective_sample_fraction(np.zeros(10)) == pytest.approx(1.0)
    assert importance.effective_sample_fraction([-np.inf, -np.inf]) == 0.0
    with pytest.raises(ValueError, match="NaN"):
        importance.log_normaliser_estimate([0.0, np.nan])
    with pytest.raises(ValueError, match="no log weights"):
        importance.effective_sample_fraction([])


def untrained_ugan(dim, critic=True):
    """A U-GAN whose generator and flow are the identity (q = nu = N(0, I)) and, with a critic,
    whose critic's output layer is 0 (w = 0), on the standard normal energy."""
    critic_net = mlp_critic(input_dim=dim, width=8, depth=1) if critic else None
    if critic_net is not None:
        output = critic_net.layers[-2] if isinstance(critic_net.output, list) else critic_net.layers[-1]
        for variable in output.weights:
            variable.assign(tf.zeros_like(variable))
    return UnnormalizedGAN(generator=mlp_generator(latent_dim=dim, output_dim=dim, width=8,
                                                   residual=True),
                           flow=MAF(dim, num_blocks=2, hidden_units=(8, 8)),
                           target=StandardNormalEnergy(dim), latent_dim=dim, critic=critic_net,
                           seed=0)


def test_u_gans_flow_and_generator_estimates_are_exact_when_q_is_the_target():
    dim = 3
    model = untrained_ugan(dim)
    x = tf.random.normal((5, dim))
    w, _, _ = model.generator_terms(x)
    np.testing.assert_allclose(w.numpy(), 0.0, atol=1e-7)  # the zeroed critic says q = nu
    estimates = model.log_normaliser_estimates(500, seed=(3, 4))
    log_z = 0.5 * dim * math.log(2 * math.pi)
    for name in ("flow", "generator"):
        assert estimates[name]["log_z_hat"] == pytest.approx(log_z, abs=1e-4)
        assert estimates[name]["ess_fraction"] == pytest.approx(1.0, abs=1e-6)
    assert set(untrained_ugan(dim, critic=False).log_normaliser_estimates(10)) == {"flow"}
    with pytest.raises(ValueError, match="no critic"):
        importance.generator_log_weights(model.target, untrained_ugan(dim, critic=False), 10)


def test_reverse_kl_flow_reports_its_own_importance_estimate():
    flow = ReverseKLFlow(MAF(2, num_blocks=2, hidden_units=(8, 8)), ShiftedNormalEnergy(2, 0.0),
                         inverse=True)
    estimates = flow.log_normaliser_estimate(100, seed=(1, 1))  # an identity flow: q = N(0, I)
    assert estimates["log_z_hat"] == pytest.approx(math.log(2 * math.pi), abs=1e-4)
    assert estimates["ess_fraction"] == pytest.approx(1.0, abs=1e-6)


# ----------------------------------------------------------------- AIS
def test_ais_recovers_a_gaussians_log_z():
    """u = N(1, 2^2 I_5) unnormalised, from N(0, I): log Z = 5 (log 2 + log(2 pi) / 2)."""
    target = ShiftedNormalEnergy(5, 1.0)
    target._log_prob = lambda x: -0.5 * tf.reduce_sum(tf.square((x - 1.0) / 2.0), axis=1)
    estimates, states, log_weights = smc.ais_log_normaliser(target, num_chains=500, num_steps=200,
                                                            seed=0)
    assert estimates["log_z_hat"] == pytest.approx(5 * (math.log(2.0) + 0.5 * math.log(2 * math.pi)),
                                                   abs=0.1)
    assert states.shape == (500, 5) and log_weights.shape == (500,)
    assert estimates["ess_fraction"] > 0.5
    weights = special.softmax(log_weights)
    np.testing.assert_allclose(weights @ states, 1.0, atol=0.3)  # the weighted mean of the target
    with pytest.raises(ValueError, match="num_chains >= 2"):
        smc.ais_log_normaliser(target, num_chains=1)
    with pytest.raises(ValueError, match="step_sizes must be 200 positive numbers"):
        smc.ais_log_normaliser(target, num_steps=200, step_sizes=np.full(100, 0.1))


class Banana(Target):
    """log u(x) = -x_1^2 / (2 s^2) - (x_2 - b (x_1^2 - s^2))^2 / 2: a shear of N(0, diag(s^2, 1)),
    so Z = 2 pi s."""

    name = "banana"
    dim = 2

    def __init__(self, s=2.0, b=0.5):
        self.s, self.b = s, b

    def _log_prob(self, x):
        bend = x[:, 1] - self.b * (tf.square(x[:, 0]) - self.s ** 2)
        return -0.5 * tf.square(x[:, 0] / self.s) - 0.5 * tf.square(bend)


def test_ais_with_the_pilots_step_sizes_recovers_a_curved_targets_log_z():
    estimates, _, _ = smc.ais_log_normaliser(Banana(), num_chains=2000, num_steps=100,
                                             reference_scale=3.0, seed=1)
    assert estimates["log_z_hat"] == pytest.approx(math.log(2 * math.pi * 2.0), abs=0.05)


def test_refit_t_importance_recovers_a_gaussians_and_a_curved_targets_log_z():
    gaussian = ShiftedNormalEnergy(5, 1.0)
    gaussian._log_prob = lambda x: -0.5 * tf.reduce_sum(tf.square((x - 1.0) / 2.0), axis=1)
    estimates = population_mc.refit_t_log_normaliser(gaussian, num_draws=20000, iterations=2)
    assert estimates["log_z_hat"] == pytest.approx(
        5 * (math.log(2.0) + 0.5 * math.log(2 * math.pi)), abs=0.01)
    assert estimates["ess_fraction"] > 0.5
    banana = population_mc.refit_t_log_normaliser(Banana(), num_draws=20000, iterations=4)
    assert banana["log_z_hat"] == pytest.approx(math.log(2 * math.pi * 2.0), abs=0.03)
    with pytest.raises(ValueError, match="df > 2; got 20000, 2, 2"):
        population_mc.refit_t_log_normaliser(gaussian, num_draws=20000, iterations=2, df=2)


def test_the_pilots_step_sizes_shrink_with_the_path():
    """From N(0, I) to N(0, 0.05^2 I): HMC's step size scales with the tempered width
    (beta / 0.05^2 + 1 - beta)^(-1/2), 20x narrower at the end."""
    target = ShiftedNormalEnergy(3, 0.0)
    target._log_prob = lambda x: -0.5 * tf.reduce_sum(tf.square(x / 0.05), axis=1)
    step_sizes = smc.pilot_step_sizes(target, 300, num_chains=50, seed=0)
    assert step_sizes.shape == (300,)

    def width(beta):
        return (beta / 0.05 ** 2 + 1 - beta) ** -0.5

    assert step_sizes[-1] / step_sizes[30] == pytest.approx(width(1.0) / width(0.1), rel=0.3)


# ----------------------------------------------------------------- gin files
GIN_TARGETS = {"gmm40": (bt.Rescaled, 2, 0.0), "many_well": (bt.ManyWell, 32, 164.6957),
               "funnel": (bt.Funnel, 10, 0.0), "sonar_dds": (bt.SonarLogisticRegression, 61, None)}
SMALL = ["maf.num_blocks = 2", "maf.hidden_units = (64, 64)"]


@pytest.mark.parametrize("name", sorted(GIN_TARGETS))
@pytest.mark.parametrize("method", ["ugan", "maf_rkl", "iaf_rkl"])
def test_the_benchmark_gin_files_build_each_method_on_its_target(tmp_path, name, method):
    kind, dim, log_z = GIN_TARGETS[name]
    files = [f"ugan/{name}.gin"] + ([] if method == "ugan" else [f"ugan/{method}.gin"])
    assemble.parse_gin(files, SMALL)
    model = assemble.experiment(model_dir=str(tmp_path)).model
    assert isinstance(model.target, kind) and model.target.dim == dim
    assert model.target.log_z == (None if log_z is None else pytest.approx(log_z, abs=1e-4))
    assert isinstance(model, UnnormalizedGAN if method == "ugan" else ReverseKLFlow)
    if name == "gmm40":
        assert model.target.scale == 10.0 and model.target.target.name == "gmm40"


def test_a_tiny_funnel_run_through_vagan_train(tmp_path):
    params = ["TOTAL_STEPS = 20", "WIDTH = 8", "GANExperiment.steps_per_epoch = 10",
              "GANExperiment.steps_per_execution = 5", "GANExperiment.batch_size = 16",
              "GANExperiment.eval_samples = 200", "GANExperiment.verbose = 0",
              "UnnormalizedGAN.flow_pool_size = 64", *SMALL]
    vagan(train_args(tmp_path / "run", files=["ugan/funnel.gin"], params=params))
    records = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [r["step"] for r in records] == [10, 20]
    assert np.isfinite(records[-1]["energy_distance"])


# ----------------------------------------------------------------- results page
def test_the_results_page_scores_sonar_against_the_reference_and_judges_the_aims(tmp_path,
                                                                                 monkeypatch):
    from benchmarks.pages import sampler_benchmarks as page

    def record(target, method, seed, budget=300.0, **scores):
        return {"target": target, "method": method, "seed": seed, "budget_seconds": budget,
                "steps": 100, "seconds": budget, "probe_seconds": 0.0, **scores}

    protocol = {name: [] for name in page.PROTOCOL.values()}
    gmm40_file, sonar_file = (page.PROTOCOL[("gmm40", "many_well")],
                              page.PROTOCOL[("funnel", "sonar_dds")])
    short = []
    for seed in (0, 1):
        protocol[gmm40_file] += [
            record("gmm40", "ugan_flow", seed, log_z_hat=0.01, log_z_error=0.01, modes_held=40,
                   mode_histogram_kl=0.01, ess_fraction=0.5),
            record("gmm40", "maf_rkl", seed, log_z_error=0.5),
            record("gmm40", "iaf_rkl", seed, log_z_error=0.2 if seed else 0.005)]
        protocol[sonar_file] += [
            record("sonar_dds", "ugan_flow", seed, log_z_hat=-108.0, ess_fraction=0.2),
            record("sonar_dds", "maf_rkl", seed, log_z_hat=-109.0),
            record("sonar_dds", "iaf_rkl", seed, log_z_hat=-107.0)]
        short += [record("gmm40", "ais", seed, 20.0, log_z_error=0.07),
                  record("gmm40", "ugan_flow", seed, 20.0, log_z_error=0.9),
                  record("funnel", "iaf_rkl", seed, 20.0, log_z_hat=0.001, log_z_error=0.001,
                         x0_std=2.99)]
    reference = [{"method": "ais_reference", "seed": s, "chains": 10, "steps": 10,
                  "log_z_hat": v, "ess_fraction": 0.3, "seconds": 1.0}
                 for s, v in ((0, -108.3), (1, -108.1))]
    reference.append({"method": "t_importance", "seed": 0, "draws": 10, "iterations": 2,
                      "df": 10, "log_z_hat": -108.25, "ess_fraction": 0.2, "seconds": 1.0})
    for name, rows in protocol.items():  # stamped, as the benchmark writes them
        common.save_results(str(tmp_path / name), rows)
    common.save_results(str(tmp_path / page.SHORT), short)
    common.save_results(str(tmp_path / page.REFERENCE), reference)
    monkeypatch.setattr(page._page, "RESULTS_DIR", str(tmp_path))
    groups = page.protocol()
    assert groups["sonar_dds"]["ugan_flow"][0]["log_z_error"] == pytest.approx(0.2)
    assert groups["sonar_dds"]["iaf_rkl"][1]["log_z_error"] == pytest.approx(1.2)
    # ahead on Sonar (0.2 < 0.8, 1.2) on both seeds; on GMM-40 IAF-RKL wins seed 0
    assert page.ugan_ahead(groups, "sonar_dds", [0, 1])
    assert not page.ugan_ahead(groups, "gmm40", [0, 1])
    text = page.render()
    assert "| GMM-40, U-GAN, paired flow ν: 40/40 modes, KL(h ‖ uniform) ≤ 0.05 | 40 / 40 modes; " \
           "KL 0.010 / 0.010 | yes |" in text
    assert "| Sonar, U-GAN, paired flow ν: \\|log Ẑ − reference\\| ≤ 0.3, ESS / n ≥ 0.1 | " \
           "0.20 / 0.20; ESS / n 0.200 / 0.200 | yes |" in text
    assert "on at least two of the four targets | Sonar BLR (DDS form) | no |" in text
    # the head-to-head takes the flows from the protocol's runs and AIS from the 20-s runs
    assert "| GMM-40 | 0.010 / 0.010 | — / — | 0.500 / 0.500 | 0.005 / 0.200 | 0.070 / 0.070 | no |" \
        in text
    assert "Reference log Z = -108.200 ± 0.141 (AIS, mean ± std over 2 seeds)" in text
    assert "gives -108.250 over 1 seeds, 0.050 from the reference" in text
    # each target's table has a row per budget and method
    assert "| U-GAN, paired flow ν | 300 | 100 / 100 | 300 (0) / 300 (0) | 0.01 / 0.01 | 0.010 / 0.010 |" \
        in text
    assert "| U-GAN, paired flow ν | 20 | 100 / 100 | 20 (0) / 20 (0) | — / — | 0.900 / 0.900 |" in text
    assert "| IAF-RKL | 20 | 100 / 100 | 20 (0) / 20 (0) | 0.00 / 0.00 | 0.001 / 0.001 |" in text


def test_an_exported_u_gan_reports_its_flows_and_generators_log_weights(tmp_path):
    dim = 2
    model = untrained_ugan(dim)
    export.export_generator(model, str(tmp_path / "export"))
    sampler = tf.saved_model.load(str(tmp_path / "export"))
    log_z = 0.5 * dim * math.log(2 * math.pi)  # q = nu = N(0, I) = u / Z, so every weight is Z
    for endpoint in (sampler.flow_log_weights, sampler.generator_log_weights):
        log_weights = endpoint(tf.constant(50)).numpy()
        assert log_weights.shape == (50,)
        np.testing.assert_allclose(log_weights, log_z, atol=1e-4)
    export.export_generator(untrained_ugan(dim, critic=False), str(tmp_path / "no_critic"))
    assert not hasattr(tf.saved_model.load(str(tmp_path / "no_critic")), "generator_log_weights")
