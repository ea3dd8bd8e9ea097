"""MADE masks, MAF / IAF densities against hand-computed change of variables, Keras tracking."""
import gin
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.nets.flows import IAF, MADE, MAF, made_degrees

LOG_2PI = np.log(2.0 * np.pi)


def randomise(made, scale=0.5):
    """Random values for every weight (the output layer starts at zero, which hides the masks)."""
    for variable in made.trainable_variables:
        variable.assign(scale * np.random.randn(*variable.shape).astype(np.float32))


def made_jacobian(made, x, context=None):
    """d(shift, log_scale)/dx per example: [batch, 2d, d]."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = tf.concat(made(x, context=context), axis=-1)
    return tape.batch_jacobian(outputs, x).numpy()


def assert_autoregressive(made, x, order, context=None):
    """Output i (shift and log_scale) depends on input j iff order[j] < order[i], numerically."""
    d = made.event_dim
    jacobian = np.abs(made_jacobian(made, x, context)).max(axis=0)  # [2d, d]
    allowed = order[None, :] < order[:, None]  # [i, j]
    for part in (jacobian[:d], jacobian[d:]):
        assert np.all(part[~allowed] == 0.0), part
        assert np.all(part[allowed] > 0.0), part  # every permitted connection exists


@pytest.mark.parametrize("input_order, order", [
    ("left-to-right", np.arange(5)),
    ("right-to-left", np.arange(5)[::-1]),
    ("random", None),
])
def test_made_jacobian_has_the_autoregressive_zero_pattern(input_order, order):
    made = MADE((16, 16), input_order=input_order, seed=3)
    made.build((None, 5))
    randomise(made)
    if order is None:  # a seeded permutation other than the identity
        order = made_degrees(5, (16, 16), "random", seed=3)[0]
        assert sorted(order) == [1, 2, 3, 4, 5] and list(order) != [1, 2, 3, 4, 5]
    assert_autoregressive(made, np.random.randn(32, 5).astype(np.float32), np.asarray(order))


def test_made_starts_at_zero_and_clamps_the_log_scale_smoothly():
    made = MADE((8,), log_scale_bound=2.0)
    x = np.random.randn(10, 4).astype(np.float32)
    shift, log_scale = made(x)
    assert shift.shape == log_scale.shape == (10, 4)
    assert np.all(shift.numpy() == 0) and np.all(log_scale.numpy() == 0)
    made.biases[-1].assign(np.concatenate([np.zeros(4), [-100.0, -1.0, 1.0, 100.0]]))
    np.testing.assert_allclose(made(x)[1][0], 2.0 * np.tanh(np.array([-50.0, -0.5, 0.5, 50.0])),
                               rtol=1e-6)


def test_conditional_made_depends_on_context_and_stays_autoregressive_in_x():
    made = MADE((16, 16), context_dim=2)
    made.build((None, 4))
    randomise(made)
    x = np.random.randn(32, 4).astype(np.float32)
    context = np.random.randn(32, 2).astype(np.float32)
    assert_autoregressive(made, x, np.arange(4), context)
    first, moved = made(x, context=context), made(x, context=context + 1.0)
    for a, b in zip(first, moved):  # every output, the first coordinate (no x inputs) included
        assert np.all(np.abs(a.numpy() - b.numpy()).max(0) > 1e-3)
    with pytest.raises(ValueError, match="context"):
        made(x)


def test_made_on_one_dimension_sees_only_biases_and_context():
    made = MADE((8,), context_dim=1)
    made.build((None, 1))
    randomise(made)
    x = np.random.randn(16, 1).astype(np.float32)
    context = np.random.randn(16, 1).astype(np.float32)
    assert np.all(made_jacobian(made, x, context) == 0)
    shift, _ = made(x, context=context)
    assert np.std(shift.numpy()) > 1e-3  # varies with the context alone


def small_maf(event_dim=3, num_blocks=2, **kwargs):
    flow = MAF(event_dim, num_blocks=num_blocks, hidden_units=(8, 8), **kwargs)
    for made in flow.mades:
        randomise(made, 0.3)
    return flow


def made_outputs_using_only_earlier_coordinates(made, y, i):
    """(shift_i, log_scale_i) of block input y, evaluated with y_{>=i} replaced by noise."""
    probe = y.copy()
    probe[:, i:] = 10.0 * np.random.randn(len(y), y.shape[1] - i)
    shift, log_scale = made(probe.astype(np.float32))
    return shift.numpy()[:, i], log_scale.numpy()[:, i]


def hand_log_prob(flow, x):
    """Undo [block_k, reverse] from k = K down to 1 coordinate by coordinate:
    z_i = (y_i - mu_i(y_<i)) exp(-a_i(y_<i)); log q = log N(z) - sum a."""
    y, log_det = np.asarray(x, np.float64), 0.0
    for made in reversed(flow.mades):
        y = y[:, ::-1].copy()
        z = np.empty_like(y)
        for i in range(y.shape[1]):
            shift, log_scale = made_outputs_using_only_earlier_coordinates(made, y, i)
            z[:, i] = (y[:, i] - shift) * np.exp(-log_scale)
            log_det = log_det - log_scale
        y = z
    return -0.5 * np.sum(y**2 + LOG_2PI, axis=1) + log_det


def hand_forward(flow, z):
    """x_i = z_i exp(a_i(x_<i)) + mu_i(x_<i), filled in one coordinate at a time, then reversed."""
    y = np.asarray(z, np.float64)
    for made in flow.mades:
        x = np.zeros_like(y)
        for i in range(y.shape[1]):
            shift, log_scale = made_outputs_using_only_earlier_coordinates(made, x, i)
            x[:, i] = y[:, i] * np.exp(log_scale) + shift
        y = x[:, ::-1]
    return y


@pytest.mark.parametrize("num_blocks", [1, 2])
def test_log_prob_is_the_change_of_variables_computed_by_hand(num_blocks):
    flow = small_maf(num_blocks=num_blocks)
    x = 1.5 * np.random.randn(20, 3).astype(np.float32)
    np.testing.assert_allclose(flow.log_prob(x), hand_log_prob(flow, x), rtol=1e-5, atol=1e-5)


def test_sampling_is_the_autoregressive_recursion_computed_by_hand():
    flow = small_maf()
    z = flow.distribution().distribution.sample(20, seed=(7, 0))
    np.testing.assert_allclose(flow.sample(20, seed=(7, 0)), hand_forward(flow, z), rtol=1e-5,
                               atol=1e-5)


def test_a_new_flow_is_the_identity_over_a_standard_normal():
    flow = MAF(3, num_blocks=2, hidden_units=(8,))
    z = np.random.randn(10, 3).astype(np.float32)
    np.testing.assert_allclose(flow.bijector().forward(z), z, atol=1e-6)  # two reversals cancel
    np.testing.assert_allclose(flow.log_prob(z), -0.5 * np.sum(z**2 + LOG_2PI, 1), rtol=1e-6)


def test_round_trips_through_the_bijector_and_the_distribution():
    flow = small_maf()
    z = np.random.randn(50, 3).astype(np.float32)
    x = flow.bijector().forward(z).numpy()  # numpy copies defeat tfp's bijector cache
    np.testing.assert_allclose(flow.bijector().inverse(x), z, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(flow.bijector().forward_log_det_jacobian(z, 1),
                               -flow.bijector().inverse_log_det_jacobian(x, 1).numpy(),
                               rtol=1e-5, atol=1e-5)
    distribution = flow.distribution()
    samples = distribution.sample(100, seed=(1, 0))
    cached = distribution.log_prob(samples)
    fresh = flow.log_prob(samples.numpy())
    assert np.all(np.isfinite(fresh))
    np.testing.assert_allclose(cached, fresh, rtol=1e-4, atol=1e-4)


def numerical_log_prob(bijector, x):
    """log N(z) + log |det dz/dx| with z = bijector.inverse(x) and the Jacobian from autodiff."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = bijector.inverse(x)
    _, log_det = tf.linalg.slogdet(tf.cast(tape.batch_jacobian(z, x), tf.float64))
    return -0.5 * np.sum(z.numpy().astype(np.float64) ** 2 + LOG_2PI, 1) + log_det.numpy()


def test_maf_and_iaf_densities_match_the_jacobian_determinant():
    flow = small_maf()
    iaf = flow.inverse_autoregressive()
    x = np.random.randn(8, 3).astype(np.float32)
    np.testing.assert_allclose(flow.log_prob(x), numerical_log_prob(flow.bijector(), x),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(iaf.log_prob(x), numerical_log_prob(iaf.bijector(), x),
                               rtol=1e-4, atol=1e-4)


def test_iaf_is_the_inverted_chain_on_the_same_variables():
    flow = small_maf()
    iaf = flow.inverse_autoregressive()
    assert isinstance(iaf, IAF)
    assert [id(v) for v in iaf.trainable_variables] == [id(v) for v in flow.trainable_variables]
    z = flow.distribution().distribution.sample(30, seed=(5, 0))
    samples = iaf.sample(30, seed=(5, 0))
    np.testing.assert_allclose(samples, flow.bijector().inverse(z), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(iaf.log_prob(samples.numpy()),
                               iaf.distribution().log_prob(samples), rtol=1e-4, atol=1e-4)


def test_conditional_flow_samples_and_densities_depend_on_the_context():
    flow = small_maf(context_dim=2)
    context = np.random.randn(40, 2).astype(np.float32)
    samples = flow.sample(40, seed=(2, 0), context=context)
    log_prob = flow.log_prob(samples.numpy(), context=context)
    np.testing.assert_allclose(log_prob, flow.distribution(context).log_prob(samples),
                               rtol=1e-4, atol=1e-4)
    assert np.all(np.abs(flow.log_prob(samples.numpy(), context=context + 1.0) - log_prob) > 1e-4)
    assert np.all(np.abs(flow.sample(40, seed=(2, 0), context=context + 1.0) - samples) > 1e-4)
    iaf = flow.inverse_autoregressive()
    iaf_samples = iaf.sample(40, seed=(2, 0), context=context)
    np.testing.assert_allclose(iaf.log_prob(iaf_samples.numpy(), context=context),
                               iaf.distribution(context).log_prob(iaf_samples), rtol=1e-4,
                               atol=1e-4)
    with pytest.raises(ValueError, match="context"):
        flow.log_prob(samples)


def test_one_dimensional_conditional_flow_is_a_context_dependent_gaussian():
    flow = small_maf(event_dim=1, context_dim=1)
    x = np.random.randn(16, 1).astype(np.float32)
    context = np.random.randn(16, 1).astype(np.float32)
    np.testing.assert_allclose(flow.log_prob(x, context=context),
                               numerical_log_prob(flow.bijector(context), x), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_keras_tracks_fits_and_saves_the_flow(tmp_path):
    flow = MAF(2, num_blocks=2, hidden_units=(16, 16))
    assert len(flow.trainable_variables) == 2 * 6
    inputs = keras.Input((2,))
    model = keras.Model(inputs, flow(inputs))
    assert {id(v) for v in model.trainable_variables} == {id(v) for v in flow.trainable_variables}

    data = (np.array([1.0, -2.0]) + np.array([0.5, 2.0]) * np.random.randn(512, 2)).astype(
        np.float32)
    before = [v.numpy().copy() for v in flow.trainable_variables]
    initial = float(np.mean(flow.log_prob(data)))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=lambda _, log_prob: -log_prob,
                  jit_compile=False)
    model.fit(data, np.zeros(len(data), np.float32), batch_size=128, epochs=5, verbose=0)
    trained = float(np.mean(flow.log_prob(data)))
    assert trained > initial + 0.5
    assert all(np.any(b != v.numpy()) for b, v in zip(before, flow.trainable_variables))

    path = str(tmp_path / "flow.weights.h5")
    model.save_weights(path)
    restored_flow = MAF(2, num_blocks=2, hidden_units=(16, 16))
    inputs = keras.Input((2,))
    keras.Model(inputs, restored_flow(inputs)).load_weights(path)
    np.testing.assert_array_equal(restored_flow.log_prob(data[:20]), flow.log_prob(data[:20]))


def test_gradients_reach_every_variable_through_sample_and_log_prob():
    flow = small_maf()
    with tf.GradientTape(persistent=True) as tape:
        sample_loss = tf.reduce_sum(flow.sample(16, seed=(4, 0)) ** 2)
        density_loss = -tf.reduce_mean(flow.log_prob(np.random.randn(16, 3).astype(np.float32)))
    for loss in (sample_loss, density_loss):
        gradients = tape.gradient(loss, flow.trainable_variables)
        assert all(g is not None and np.all(np.isfinite(g)) for g in gradients)
        assert all(np.any(g.numpy() != 0) for g in gradients)


def test_everything_runs_inside_tf_function():
    flow = small_maf(num_blocks=1, context_dim=1)
    iaf = flow.inverse_autoregressive()
    x = np.random.randn(6, 3).astype(np.float32)
    context = np.random.randn(6, 1).astype(np.float32)

    def step(x, context):
        with tf.GradientTape() as tape:
            samples = flow.sample(6, seed=(1, 2), context=context)
            loss = tf.reduce_mean(flow.log_prob(samples, context=context))
        gradients = tape.gradient(loss, flow.trainable_variables)
        iaf_samples = iaf.sample(6, seed=(3, 4), context=context)
        return (samples, flow.log_prob(x, context=context), iaf_samples,
                iaf.log_prob(x, context=context), tf.add_n([tf.reduce_sum(g) for g in gradients]))

    for eager, traced in zip(step(x, context), tf.function(step)(x, context)):
        np.testing.assert_allclose(eager, traced, rtol=1e-4, atol=1e-5)


def test_paper_sized_flow_has_the_expected_variables_and_is_gin_configurable():
    flow = MAF(61)
    shapes = [tuple(v.shape) for v in flow.trainable_variables]
    assert shapes == [(61, 512), (512,), (512, 512), (512,), (512, 122), (122,)] * 8
    gin.parse_config("maf.num_blocks = 3\nmaf.hidden_units = (4,)")
    assert len(MAF(2).mades) == 3 and MAF(2).mades[0].hidden_units == (4,)
