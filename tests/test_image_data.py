"""Image pipelines: tfds sets on mock data, the offline digits and their checksum, resuming."""
import gzip
import importlib.resources

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from vagan_tf import data


@pytest.mark.parametrize("name,resolution,channels", [
    ("cifar10", 32, 3), ("mnist", 32, 1), ("celeb_a", 64, 3), ("celeb_a", 128, 3)])
def test_tfds_images_on_mock_data(name, resolution, channels):
    with tfds.testing.mock_data(num_examples=10):
        batches = data.tfds_images(name, batch_size=4, resolution=resolution)
        first = [b.numpy() for b in batches.take(3)]
    assert batches.element_spec.shape == (4, resolution, resolution, channels)  # drop_remainder
    for batch in first:
        assert batch.dtype == np.float32 and batch.min() >= -1.0 and batch.max() <= 1.0
    assert not np.array_equal(first[0], first[1])


def test_unknown_tfds_set_is_refused():
    with pytest.raises(ValueError, match="cifar10"):
        data.tfds_images("imagenet2012")


def test_image_batches_resume_where_the_uninterrupted_stream_is():
    images = tf.data.Dataset.range(10)
    stream = [b.numpy() for b in data.image_batches(images, 3, seed=5).take(9)]
    resumed = [b.numpy() for b in data.image_batches(images, 3, seed=5, start=4).take(5)]
    np.testing.assert_array_equal(np.stack(stream[4:]), np.stack(resumed))
    # each epoch is a permutation, and the order changes between epochs
    flat = np.concatenate(stream)[:20]
    assert sorted(flat[:10]) == list(range(10)) and sorted(flat[10:]) == list(range(10))
    assert not np.array_equal(flat[:10], flat[10:])


def test_pixels_map_to_the_unit_range_and_small_images_pad_with_background():
    pixels = tf.constant([[0, 255]], tf.uint8)
    np.testing.assert_allclose(data.to_unit_range(pixels).numpy(), [[-1.0, 1.0]])
    image = tf.ones((1, 28, 28, 1))
    padded = data.fit_to_resolution(image, 32).numpy()
    assert padded.shape == (1, 32, 32, 1)
    assert np.all(padded[0, 2:30, 2:30] == 1.0) and padded.sum() == 28 * 28 - (32**2 - 28**2)
    assert data.fit_to_resolution(tf.ones((2, 64, 64, 3)), 32).shape == (2, 32, 32, 3)


def test_centre_crop_takes_the_middle():
    image = tf.reshape(tf.range(6 * 4, dtype=tf.float32), (6, 4, 1))
    crop = data.centre_crop(image, 2).numpy()[..., 0]
    np.testing.assert_array_equal(crop, [[9, 10], [13, 14]])
    with pytest.raises(ValueError, match="cannot centre-crop 5x5"):
        data.centre_crop(image, 5)


def test_offline_digits_are_the_5000_labelled_mnist_digits():
    images, labels = data.load_digits()
    assert images.shape == (5000, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    batch = next(iter(data.offline_digits(batch_size=16))).numpy()
    assert batch.shape == (16, 32, 32, 1)
    assert np.all(batch[:, :2] == -1.0)  # the padding is background
    assert batch.max() > 0.9


def test_a_corrupted_digits_file_fails_its_checksum_naming_both_hashes(tmp_path):
    package, resource, sha256 = data.MNIST_5K
    original = importlib.resources.files(package).joinpath(resource).read_bytes()
    corrupted = bytearray(gzip.decompress(original))
    corrupted[100] = ord("9") if corrupted[100] != ord("9") else ord("8")
    path = tmp_path / "mnist_5k.csv.gz"
    path.write_bytes(gzip.compress(bytes(corrupted)))
    with pytest.raises(ValueError, match=f"mnist_5k.csv.gz: sha256 [0-9a-f]{{64}} does not match "
                                         f"the expected {sha256}"):
        data.load_digits(str(path))
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(original[:1000])
    with pytest.raises(ValueError, match="truncated.csv.gz: sha256"):
        data.load_digits(str(truncated))
