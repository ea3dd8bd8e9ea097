"""AnnealedGAN: annealing-term gradients, gradient isolation, training with fit, input checks."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import targets
from vagan_tf.annealing import Constant
from vagan_tf.annealing.terms import EntropyAnnealing, LikelihoodAnnealing
from vagan_tf.data import sampler_dataset
from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import MLPDenoiser, mlp_critic, mlp_generator
from vagan_tf.samplers.dae_score import DenoisingAutoencoder
from vagan_tf.training.objectives import JensenShannon, ReverseKL, WassersteinGP

LATENT = 4


def kernels_of(network):
    """Kernel values (biases excluded: W-GAN's logit bias cancels out of every loss)."""
    return [v.numpy() for v in network.weights if "kernel" in v.path]


def make_gan(annealing=None, objective=None, n_critic=1, space="features", width=16):
    if annealing == "likelihood":
        annealing = LikelihoodAnnealing(Constant(0.06), DenoisingAutoencoder(MLPDenoiser(width, 2)),
                                        space=space)
    elif annealing == "entropy":
        annealing = EntropyAnnealing(Constant(0.5), DenoisingAutoencoder(MLPDenoiser(width, 2)),
                                     space=space)
    return AnnealedGAN(mlp_generator(LATENT, 2, width=width, depth=2), mlp_critic(2, width, depth=2),
                       LATENT, objective=objective or ReverseKL(), annealing=annealing,
                       n_critic=n_critic, seed=0)


def compile_gan(gan):
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-3),
                critic_optimizer=keras.optimizers.Adam(1e-3),
                denoiser_optimizer=keras.optimizers.Adam(1e-3) if gan.denoiser else None)
    gan.build_all()
    return gan


def test_constant_likelihood_006_has_dfm_generator_gradient():
    """lambda = 0.06 likelihood term and DFM's 0.03 * MSE(f, sg[r(f)]) give one gradient."""
    gan = compile_gan(make_gan("likelihood"))
    z = tf.random.normal((32, LATENT))
    variables = gan.generator.trainable_variables
    with tf.GradientTape() as tape:
        ours, _ = gan.generator_loss(z, tf.constant(0.06))
    ours_grads = tape.gradient(ours, variables)
    with tf.GradientTape() as tape:
        logits, features = gan.discriminator(gan.generator(z, training=True), training=True)
        denoised = tf.stop_gradient(gan.denoiser(features))
        dfm = -tf.reduce_mean(logits) + 0.03 * tf.reduce_mean(tf.square(features - denoised))
    dfm_grads = tape.gradient(dfm, variables)
    for a, b in zip(ours_grads, dfm_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("term, sign", [("likelihood", +1.0), ("entropy", -1.0)])
def test_annealing_term_gradient_in_h(term, sign):
    """d term / dh = lambda (h - r(h)) / (B F) for likelihood and lambda (r(h) - h) / (B F) for entropy."""
    gan = compile_gan(make_gan(term, space="data"))
    h = tf.random.normal((10, 2))
    lam = tf.constant(0.7)
    with tf.GradientTape() as tape:
        tape.watch(h)
        value = gan.annealing.generator_term(h, lam)
    expected = sign * 0.7 * (h - gan.denoiser(h)) / (10 * 2)
    np.testing.assert_allclose(tape.gradient(value, h), expected, rtol=1e-5, atol=1e-8)


def exact_gaussian_denoiser(mean, var, sigma):
    """The optimal denoiser of N(mean, var I): r(x) = mean + var / (var + sigma^2) (x - mean)."""
    shrink = var / (var + sigma**2)
    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    net.layers[0].set_weights([np.eye(2, dtype=np.float32) * shrink,
                               np.full(2, mean * (1 - shrink), np.float32)])
    return DenoisingAutoencoder(net, sigma=sigma)


def test_descending_the_terms_moves_points_up_p_and_down_q():
    """Likelihood (lambda > 0) pulls points toward the data mode; entropy (lambda > 0) spreads them."""
    h0 = tf.random.normal((500, 2))
    data_mode = 3.0
    likelihood = LikelihoodAnnealing(Constant(1.0), exact_gaussian_denoiser(data_mode, 1.0, 0.5), "data")
    entropy = EntropyAnnealing(Constant(1.0), exact_gaussian_denoiser(0.0, 1.0, 0.5), "data")
    for term, check in [(likelihood, lambda h: np.mean(np.abs(h - data_mode))),
                        (entropy, lambda h: -np.mean(np.abs(h)))]:
        h = tf.Variable(h0)
        with tf.GradientTape() as tape:
            value = term.generator_term(h, tf.constant(1.0))
        moved = h - 100.0 * tape.gradient(value, h)
        assert check(moved.numpy()) < check(h0.numpy())


def test_the_centred_entropy_term_ignores_a_lagging_denoisers_offset():
    """A denoiser of N(mu, I) evaluated on points of N(mu + 2, I) (q has moved on): its
    residual r(h) - h = -shrink (h - mu) carries the offset -2 shrink for every point. The
    plain term's gradient keeps it, so descending it moves the whole batch along +x; centred,
    the gradient is lambda (residual - its batch mean) / (B F): a pure spread, mean 0."""
    lagging = exact_gaussian_denoiser(0.0, 1.0, 0.5)
    h = tf.random.normal((400, 2), seed=4) + 2.0
    residual = lagging(h) - h
    gradients = {}
    for center in (False, True):
        term = EntropyAnnealing(Constant(0.7), lagging, "data", center=center)
        with tf.GradientTape() as tape:
            tape.watch(h)
            value = term.generator_term(h, tf.constant(0.7))
        gradients[center] = tape.gradient(value, h).numpy()
    np.testing.assert_allclose(gradients[False], 0.7 * residual / 800, rtol=1e-5, atol=1e-9)
    centred = residual - tf.reduce_mean(residual, axis=0, keepdims=True)
    np.testing.assert_allclose(gradients[True], 0.7 * centred / 800, rtol=1e-5, atol=1e-9)
    assert np.all(-gradients[False].mean(0) > 1e-4)  # the drift: every point pushed along +x, +y
    np.testing.assert_allclose(gradients[True].mean(0), 0.0, atol=1e-9)


@pytest.mark.parametrize("term", ["likelihood", "entropy"])
def test_denoiser_gets_no_gradient_from_the_generator_loss(term):
    gan = compile_gan(make_gan(term))
    with tf.GradientTape() as tape:
        loss, _ = gan.generator_loss(tf.random.normal((8, LATENT)), tf.constant(1.0))
    grads = tape.gradient(loss, gan.denoiser.trainable_variables)
    assert grads and all(g is None for g in grads)
    assert any(g is not None for g in tape_gradient_generator(gan, term))


def tape_gradient_generator(gan, term):
    with tf.GradientTape() as tape:
        loss, _ = gan.generator_loss(tf.random.normal((8, LATENT)), tf.constant(1.0))
    return tape.gradient(loss, gan.generator.trainable_variables)


@pytest.mark.parametrize("objective, n_critic, term", [
    (ReverseKL(), 1, "likelihood"), (JensenShannon(), 1, "entropy"), (WassersteinGP(), 3, None)])
def test_fit_on_tf_data_updates_every_network(objective, n_critic, term):
    gan = compile_gan(make_gan(term, objective=objective, n_critic=n_critic))
    networks = [gan.generator, gan.discriminator] + ([gan.denoiser] if gan.denoiser else [])
    before = [kernels_of(net) for net in networks]
    data = sampler_dataset(targets.ring(), batch_size=16 * n_critic)
    history = gan.fit(data, steps_per_epoch=5, epochs=1, verbose=0)
    for net, old in zip(networks, before):
        changed = [not np.allclose(a, b) for a, b in zip(old, kernels_of(net))]
        assert all(changed), f"{net.name} has kernels that fit did not update"
    assert int(gan.step.numpy()) == 5
    assert int(gan.critic_optimizer.iterations.numpy()) == 5 * n_critic
    assert int(gan.generator_optimizer.iterations.numpy()) == 5
    expected_logs = {"critic_loss", "generator_loss", "lambda", "beta"}
    expected_logs |= {"denoiser_loss"} if term else set()
    expected_logs |= {"gradient_penalty"} if objective.has_penalty else set()
    assert expected_logs <= set(history.history)


def test_lambda_and_beta_logs_follow_the_term():
    gan = compile_gan(make_gan("entropy"))
    history = gan.fit(sampler_dataset(targets.ring(), 8), steps_per_epoch=2, epochs=1, verbose=0)
    assert history.history["lambda"][-1] == pytest.approx(0.5)
    assert history.history["beta"][-1] == pytest.approx(1 / 1.5)


def test_wrong_data_shape_names_the_expected_shape():
    gan = compile_gan(make_gan())
    data = tf.data.Dataset.from_tensors(tf.zeros((8, 3))).repeat()
    with pytest.raises(ValueError, match=r"shape \(batch, 2\).*got \(8, 3\)"):
        gan.fit(data, steps_per_epoch=1, epochs=1, verbose=0)


def test_integer_data_names_the_expected_dtype():
    gan = compile_gan(make_gan())
    data = tf.data.Dataset.from_tensors(tf.zeros((8, 2), tf.int32)).repeat()
    with pytest.raises(ValueError, match="float32.*int32"):
        gan.fit(data, steps_per_epoch=1, epochs=1, verbose=0)


def test_batch_not_divisible_by_n_critic_is_rejected():
    gan = compile_gan(make_gan(objective=WassersteinGP(), n_critic=3))
    with pytest.raises(ValueError, match="divisible by 3"):
        gan.fit(sampler_dataset(targets.ring(), 8), steps_per_epoch=1, epochs=1, verbose=0)


def test_denoiser_optimizer_is_required_when_the_term_trains_a_denoiser():
    gan = make_gan("likelihood")
    with pytest.raises(ValueError, match="denoiser_optimizer"):
        gan.compile(generator_optimizer=keras.optimizers.Adam(), critic_optimizer=keras.optimizers.Adam())


class UnrolledCriticSteps(AnnealedGAN):
    """The n_critic critic steps as a Python loop (the path taken under a strategy)."""

    def _critic_steps(self, real):
        batches = self._critic_batches(real)
        for i in range(self.n_critic):
            self._critic_step(batches[i])


@pytest.mark.slow
def test_the_graph_loop_of_critic_steps_trains_like_the_unrolled_steps():
    """W-GAN-GP with 5 critic steps: tf.while_loop and the unrolled steps give the same weights."""
    weights = []
    for cls in (AnnealedGAN, UnrolledCriticSteps):
        keras.utils.set_random_seed(0)
        gan = cls(mlp_generator(LATENT, 2, width=16, depth=2), mlp_critic(2, 16, depth=2), LATENT,
                  objective=WassersteinGP(), n_critic=5, seed=0)
        compile_gan(gan)
        step = tf.function(gan.train_step)
        for i in range(3):
            step(targets.ring().sample(5 * 32, seed=(1, i)))
        assert int(gan.critic_optimizer.iterations.numpy()) == 15
        weights.append([v.numpy() for v in gan.discriminator.weights + gan.generator.weights])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
