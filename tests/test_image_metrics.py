"""FID / KID / IS against closed forms and independent computations; the extractors (the
standard Inception graph through a stand-in file); the ImageQuality evaluator."""
import math

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from vagan_tf import data
from vagan_tf.evaluation import metrics
from vagan_tf.evaluation import ImageQuality, real_images
from vagan_tf.evaluation.extractors import (digit_classifier, extract, inception_v3,
                                            standard_inception)

from inception_standin import build_standin_graph_def, run_in_session, write_standin


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    rng = np.random.default_rng(0)
    m1, m2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = rng.uniform(0.5, 2.0, 5), rng.uniform(0.5, 2.0, 5)
    expected = np.sum((m1 - m2) ** 2) + np.sum((s1 - s2) ** 2)  # W2^2 of diagonal Gaussians
    assert metrics.frechet_distance(m1, np.diag(s1**2), m2, np.diag(s2**2)) == pytest.approx(
        expected, rel=1e-9)


def test_frechet_distance_matches_the_matrix_square_root_formula():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    c1, c2 = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    m1, m2 = rng.normal(size=6), rng.normal(size=6)
    expected = (np.sum((m1 - m2) ** 2) + np.trace(c1 + c2)
                - 2.0 * np.trace(scipy.linalg.sqrtm(c1 @ c2)).real)
    assert metrics.frechet_distance(m1, c1, m2, c2) == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance(m1, c1, m1, c1) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_of_samples_converges_to_the_population_value():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20000, 3))
    y = rng.normal(size=(20000, 3)) * 2.0 + 1.0
    fid = metrics.frechet_distance(*metrics.gaussian_statistics(x), *metrics.gaussian_statistics(y))
    assert fid == pytest.approx(3 * 1.0 + 3 * (2.0 - 1.0) ** 2, rel=0.03)


def test_kid_is_unbiased_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4000, 8)), rng.normal(size=(4000, 8))
    mean, std = metrics.kernel_distance(x, y, num_subsets=200, subset_size=200, seed=0)
    assert abs(mean) < 4 * std / np.sqrt(200)  # zero in expectation, either sign
    shifted, _ = metrics.kernel_distance(x, y + 0.5, num_subsets=20, subset_size=200)
    assert shifted > 20 * std / np.sqrt(200)


def test_kid_of_a_subset_is_the_unbiased_mmd_computed_directly():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(30, 4)) + 0.3
    k = lambda a, b: (a @ b / 4 + 1.0) ** 3  # noqa: E731
    n = len(x)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(n)) / n**2
    mean, std = metrics.kernel_distance(x, y, num_subsets=3, subset_size=30)
    assert mean == pytest.approx(xx + yy - 2 * xy, rel=1e-10) and std == pytest.approx(0, abs=1e-12)


def test_inception_score_of_uniform_and_of_confident_balanced_predictions():
    assert metrics.inception_score(np.zeros((100, 10)), num_splits=5)[0] == pytest.approx(1.0)
    confident = 50.0 * np.eye(10)[np.arange(1000) % 10]
    score, std = metrics.inception_score(confident, num_splits=10)
    assert score == pytest.approx(10.0, rel=1e-6) and std < 1e-6
    one_class = 50.0 * np.eye(10)[np.zeros(100, int)]
    assert metrics.inception_score(one_class, num_splits=2)[0] == pytest.approx(1.0, rel=1e-6)


def test_shipped_digit_classifier_recognises_the_offline_digits():
    images, labels = data.load_digits()
    pick = np.random.default_rng(0).choice(len(images), 1000, replace=False)
    padded = data.fit_to_resolution(data.to_unit_range(images[pick]), 32).numpy()
    features, logits = extract(digit_classifier(), padded)
    assert features.shape == (1000, 128) and logits.shape == (1000, 10)
    assert np.mean(np.argmax(logits, 1) == labels[pick]) > 0.97


def test_extract_names_the_expected_image_shape():
    with pytest.raises(ValueError, match=r"expects images of shape \(n, 32, 32, 1\).*\(2, 28, 28, 1\)"):
        extract(digit_classifier(), np.zeros((2, 28, 28, 1)))


@pytest.mark.slow
def test_inception_v3_reads_its_weights_from_the_given_path_only(tmp_path):
    missing = tmp_path / "nowhere.h5"
    with pytest.raises(FileNotFoundError, match="nowhere.h5.*inception_v3_weights"):
        inception_v3(str(missing))
    import keras

    weights = tmp_path / "inception.weights.h5"
    keras.applications.InceptionV3(weights=None).save_weights(str(weights))
    extractor = inception_v3(str(weights), image_size=75)
    grey = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 1)).astype(np.float32)
    features, log_p = extract(extractor, grey)
    assert features.shape == (3, 2048) and log_p.shape == (3, 1000)
    np.testing.assert_allclose(np.exp(log_p).sum(1), 1.0, rtol=1e-4)
    colour, _ = extract(extractor, np.repeat(grey, 3, axis=-1))
    np.testing.assert_allclose(features, colour, rtol=1e-5, atol=1e-6)


def test_image_quality_of_the_real_digits_is_perfect_and_of_noise_is_poor():
    evaluator = ImageQuality(extractor=digit_classifier, dataset_fn=data.offline_digits,
                             reference_size=2000, kid_subsets=10, kid_subset_size=500)
    real = real_images(data.offline_digits, 2000)  # the reference set, in another order
    perfect = evaluator(real[np.random.default_rng(0).permutation(2000)])
    assert perfect["fid"] == pytest.approx(0.0, abs=1e-3)
    kid_error = perfect["kid_std"] / np.sqrt(10)  # the subsets differ: zero in expectation
    assert abs(perfect["kid"]) < 4 * kid_error
    assert perfect["inception_score"] > 8.0
    noise = evaluator(np.random.default_rng(1).uniform(-1, 1, (500, 32, 32, 1)).astype(np.float32))
    assert noise["fid"] > 100 and noise["kid"] > 100 * kid_error
    assert noise["inception_score"] < 3.0


def test_frechet_distance_of_rank_deficient_covariances_matches_scipy_sqrtm():
    # fewer samples than features, as with 2048 pool_3 features of a few thousand images
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(40, 64)), rng.normal(size=(40, 64)) * 1.5 + 0.2
    (m1, c1), (m2, c2) = metrics.gaussian_statistics(x), metrics.gaussian_statistics(y)
    assert np.linalg.matrix_rank(c1) < 64
    ttur = (np.sum((m1 - m2) ** 2) + np.trace(c1 + c2)  # Heusel et al.'s TTUR formula
            - 2.0 * np.trace(scipy.linalg.sqrtm(c1 @ c2)).real)
    assert metrics.frechet_distance(m1, c1, m2, c2) == pytest.approx(ttur, rel=1e-6)


def test_inception_score_matches_a_hand_computation_on_known_logits():
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(12, 4)) * 2.0
    splits = [logits[:6], logits[6:]]  # np.array_split into 2 of 6
    by_hand = []
    for part in splits:
        p = [[math.exp(v) / sum(math.exp(u) for u in row) for v in row] for row in part]
        marginal = [sum(row[k] for row in p) / len(p) for k in range(4)]
        kl = [sum(row[k] * math.log(row[k] / marginal[k]) for k in range(4)) for row in p]
        by_hand.append(math.exp(sum(kl) / len(kl)))
    score, std = metrics.inception_score(logits, num_splits=2)
    assert score == pytest.approx(np.mean(by_hand), rel=1e-12)
    assert std == pytest.approx(np.std(by_hand), rel=1e-9)
    assert metrics.inception_score(logits + 5.0, num_splits=2)[0] == pytest.approx(score)  # shift


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """(path, parameters) of the stand-in for classify_image_graph_def.pb."""
    path = str(tmp_path_factory.mktemp("inception") / "classify_image_graph_def.pb")
    return path, write_standin(path)


def as_pixels(images):
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255)


@pytest.mark.slow
def test_standard_inception_computes_what_a_tf1_session_on_the_graph_computes(standin):
    path, parameters = standin
    images = np.random.default_rng(7).uniform(-1, 1, (5, 32, 32, 3)).astype(np.float32)
    pool3, graph_logits = run_in_session(path, as_pixels(images))  # TTUR: ExpandDims:0, batch 1
    extractor = standard_inception(path)
    features, logits = extract(extractor, images, batch_size=3)  # batches of 3, then 2
    assert extractor.name == "inception_2015_12_05" and features.shape == (5, 2048)
    np.testing.assert_allclose(features, pool3, rtol=1e-5, atol=1e-5)
    # OpenAI's IS logits: pool_3 times softmax/logits/MatMul's weights, no bias
    np.testing.assert_allclose(logits, features @ parameters["weights"], rtol=1e-4, atol=1e-4)
    for input_tensor in ("ExpandDims:0", "Mul:0"):  # TTUR's feed and TF-GAN's
        with_bias = standard_inception(path, input_tensor=input_tensor, logits_bias=True)
        f, l = extract(with_bias, images)
        np.testing.assert_allclose(f, pool3, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(l, graph_logits, rtol=1e-5, atol=1e-4)  # softmax/logits:0
    grey = images[..., :1]
    np.testing.assert_allclose(extract(extractor, grey)[0],
                               extract(extractor, np.repeat(grey, 3, axis=-1))[0])


def test_standard_inception_quantises_pixels_like_an_image_file(standin):
    path, _ = standin
    images = np.random.default_rng(8).uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    nudged = images + 0.3 / 127.5  # less than half a grey level: the same uint8 image mostly
    same = np.round((images + 1) * 127.5) == np.round((nudged + 1) * 127.5)
    nudged = np.where(same, nudged, images)
    quantised = standard_inception(path)
    np.testing.assert_array_equal(extract(quantised, images)[0], extract(quantised, nudged)[0])
    continuous = standard_inception(path, quantize=False)
    assert not np.allclose(extract(continuous, images)[0], extract(continuous, nudged)[0],
                           rtol=0, atol=1e-7)


def test_standard_inception_names_a_missing_or_wrong_graph_file(standin, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere.pb.*inception-2015-12-05.tgz"):
        standard_inception(str(tmp_path / "nowhere.pb"))
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"\xff" * 64)
    with pytest.raises(ValueError, match="junk.pb"):
        standard_inception(str(junk))
    graph_def, _ = build_standin_graph_def()
    kept = [node for node in graph_def.node if node.name != "pool_3"]
    del graph_def.node[:]
    graph_def.node.extend(kept)
    other = tmp_path / "other.pb"
    other.write_bytes(graph_def.SerializeToString())
    with pytest.raises(ValueError, match=r"other.pb has no node 'pool_3'"):
        standard_inception(str(other))
    with pytest.raises(ValueError, match="input_tensor"):
        standard_inception(standin[0], input_tensor="input:0")


@pytest.mark.slow
def test_image_quality_with_the_standard_graph_matches_the_ttur_protocol(standin):
    path, _ = standin
    rng = np.random.default_rng(9)
    real = rng.uniform(-1, 1, (120, 32, 32, 3)).astype(np.float32)
    fake = np.clip(0.6 * real[::-1] + 0.3 + 0.2 * rng.normal(size=real.shape), -1, 1)

    def dataset_fn(batch_size, start=0):
        return tf.data.Dataset.from_tensor_slices(real).repeat().batch(batch_size)

    evaluator = ImageQuality(extractor=lambda: standard_inception(path), dataset_fn=dataset_fn,
                             reference_size=120, kid_subsets=4, kid_subset_size=100, is_splits=10)
    record = evaluator(fake.astype(np.float32))
    # the TTUR protocol, independently: session features, np statistics, and
    # Tr (C1 C2)^(1/2) as the nuclear norm of A B^T with C1 = A^T A, C2 = B^T B
    f_real, _ = run_in_session(path, as_pixels(real))
    f_fake, _ = run_in_session(path, as_pixels(fake))
    a = (f_fake - f_fake.mean(0)) / np.sqrt(len(f_fake) - 1)
    b = (f_real - f_real.mean(0)) / np.sqrt(len(f_real) - 1)
    fid = (np.sum((f_fake.mean(0) - f_real.mean(0)) ** 2) + np.sum(a**2) + np.sum(b**2)
           - 2.0 * np.linalg.svd(a @ b.T, compute_uv=False).sum())
    assert record["fid"] == pytest.approx(fid, rel=1e-4)
    assert record["fid"] > 1.0
    assert 1.0 <= record["inception_score"] <= 1008
