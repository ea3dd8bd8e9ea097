"""Schedules against their formulas at chosen steps, eagerly and inside tf.function."""
import math

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import annealing
from vagan_tf.annealing import Constant, Exponential, Linear, Sinusoidal, Stepwise, Triangle

T = 1000


def at(schedule, step):
    return float(schedule(tf.convert_to_tensor(step)))


def test_constant():
    assert at(Constant(0.06), 0) == pytest.approx(0.06)
    assert at(Constant(0.06), 12345) == pytest.approx(0.06)


@pytest.mark.parametrize("initial", [10.0, -1.0])
def test_linear_reaches_zero_at_t_max_and_stays(initial):
    schedule = Linear(initial, T, decay_fraction=0.8)
    assert at(schedule, 0) == pytest.approx(initial)
    assert at(schedule, 400) == pytest.approx(initial * 0.5)
    assert at(schedule, 800) == pytest.approx(0.0, abs=1e-6)
    assert at(schedule, 950) == 0.0
    assert at(schedule, 2 * T) == 0.0


def test_exponential_decays_to_final_ratio():
    schedule = Exponential(2.0, T, final_ratio=1e-3)
    assert schedule.tau == pytest.approx(math.log(1e3) / T)
    assert at(schedule, 0) == pytest.approx(2.0)
    assert at(schedule, 500) == pytest.approx(2.0 * math.sqrt(1e-3), rel=1e-5)
    assert at(schedule, T) == pytest.approx(2e-3, rel=1e-4)


def test_sinusoidal_constant_and_decaying_envelope():
    period = T / 5
    flat = Sinusoidal(1.0, T, cycles=5, decay=False)
    decaying = Sinusoidal(1.0, T, cycles=5, decay=True)
    assert at(flat, 0) == pytest.approx(1.0)
    assert at(flat, period / 4) == pytest.approx(0.0, abs=1e-5)
    assert at(flat, period / 2) == pytest.approx(-1.0)
    assert at(flat, 3 * period) == pytest.approx(1.0)
    t = 2.5 * period  # cos = -1, envelope 1 - 0.5
    assert at(decaying, t) == pytest.approx(-(1 - t / T))
    assert at(decaying, T) == pytest.approx(0.0, abs=1e-6)


def test_stepwise_is_the_sign_of_the_sinusoid():
    schedule = Stepwise(0.1, T, cycles=5)
    steps = np.arange(0, T, 7)
    steps = steps[np.abs(np.cos(2 * np.pi * 5 * steps / T)) > 1e-3]  # off the switching points
    expected = 0.1 * np.where(np.cos(2 * np.pi * 5 * steps / T) >= 0, 1.0, -1.0)
    got = schedule(tf.constant(steps)).numpy()
    np.testing.assert_allclose(got, expected)


def test_triangle_wave_with_decaying_amplitude():
    schedule = Triangle(10.0, T, cycles=5)  # period 200, decaying envelope by default
    assert at(schedule, 0) == pytest.approx(10.0)
    assert at(schedule, 50) == pytest.approx(0.0, abs=1e-5)
    assert at(schedule, 100) == pytest.approx(-10.0 * (1 - 100 / T))
    assert at(schedule, 150) == pytest.approx(0.0, abs=1e-5)
    assert at(schedule, 200) == pytest.approx(10.0 * (1 - 200 / T))
    assert at(schedule, 25) == pytest.approx(10.0 * 0.5 * (1 - 25 / T))


@pytest.mark.parametrize("schedule", [
    Constant(1.0), Linear(1.0, T), Exponential(1.0, T), Sinusoidal(1.0, T),
    Stepwise(1.0, T), Triangle(1.0, T)])
def test_schedules_run_on_a_step_variable_inside_tf_function(schedule):
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def advance():
        step.assign_add(300)
        return schedule(step)

    traced = [float(advance()) for _ in range(3)]
    eager = [at(schedule, s) for s in (300, 600, 900)]
    np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=1e-6)
    assert schedule(step).dtype == tf.float32


def test_beta_lambda_maps():
    assert annealing.likelihood_beta(0.5) == pytest.approx(1.5)
    assert annealing.entropy_beta(1.0) == pytest.approx(0.5)
    for beta in (0.25, 1.0, 3.0):
        assert annealing.likelihood_beta(annealing.likelihood_lambda(beta)) == pytest.approx(beta)
        assert annealing.entropy_beta(annealing.entropy_lambda(beta)) == pytest.approx(beta)


@pytest.mark.parametrize("make", [
    lambda: Linear(1.0, 0), lambda: Linear(1.0, T, decay_fraction=1.5),
    lambda: Exponential(1.0, T, final_ratio=0.0), lambda: Sinusoidal(1.0, T, cycles=0)])
def test_bad_schedule_arguments_fail(make):
    with pytest.raises(ValueError):
        make()


def test_both_models_take_beta_from_one_map_of_forms():
    from vagan_tf.annealing.terms import EntropyAnnealing, LikelihoodAnnealing

    lam = tf.constant([0.0, 0.5, 3.0])
    np.testing.assert_allclose(annealing.beta("likelihood", lam), [1.0, 1.5, 4.0])
    np.testing.assert_allclose(annealing.beta("entropy", lam), [1.0, 1 / 1.5, 0.25])
    assert LikelihoodAnnealing.form == "likelihood" and EntropyAnnealing.form == "entropy"
    with pytest.raises(ValueError, match=r"Model.form must be one of \('likelihood', 'entropy'\)"):
        annealing.check_form("tempered", "Model")
