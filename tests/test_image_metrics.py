"""FID / KID / IS against closed forms; the extractors; the ImageQuality evaluator."""
import numpy as np
import pytest
import scipy.linalg

from vagan_tf import data, metrics
from vagan_tf.evaluation import ImageQuality, real_images
from vagan_tf.extractors import digit_classifier, extract, inception_v3


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
