"""Fixed networks that turn images into (features, logits) for FID, KID and IS.

* ``inception_v3(weights_path)``: Keras' InceptionV3 (Szegedy et al. 2016) with the
  ImageNet weights read from a file the user gives (Keras publishes them as
  ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5``); nothing is downloaded.
  Features are the 2048 pooled activations, logits the log of its 1000-way softmax.
  Numbers are comparable between runs of this package, not with papers that use
  the TF1 graph of Heusel et al. (different weights and resizing).
* ``digit_classifier()``: a small CNN trained on the offline MNIST digits by
  ``scripts/train_digit_classifier.py``, its weights shipped in the package: the
  offline extractor (features: 128 penultimate units; logits: 10 classes).

Each extractor is a ``keras.Model`` mapping images in [-1, 1] to [features, logits];
``extract`` runs it in batches.
"""
import os

import gin
import keras
import numpy as np
import tensorflow as tf

DIGIT_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets",
                             "digit_classifier.weights.h5")
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5")


def build_digit_classifier():
    """CNN 32x32x1 -> ([B, 128] features, [B, 10] logits); untrained."""
    images = keras.Input((32, 32, 1), name="images")
    h = images
    for i, filters in enumerate((32, 64, 64)):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv_{i}")(h)
        h = keras.layers.MaxPooling2D(name=f"pool_{i}")(h)
    h = keras.layers.Flatten()(h)
    features = keras.layers.Dense(128, activation="relu", name="features")(h)
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Dropout(0.3)(features))
    return keras.Model(images, [features, logits], name="digit_classifier")


@gin.configurable
def digit_classifier(weights_path=DIGIT_WEIGHTS):
    """The shipped digit classifier (train it anew with scripts/train_digit_classifier.py)."""
    _require_file(weights_path, "the digit classifier's weights",
                  "python scripts/train_digit_classifier.py writes them")
    model = build_digit_classifier()
    model.load_weights(weights_path)
    return model


@gin.configurable
def inception_v3(weights_path=gin.REQUIRED, image_size=299):
    """InceptionV3 with ImageNet weights from ``weights_path``: images -> [pool 2048, log p 1000].

    Grey images are repeated over three channels; every image is resized bilinearly to
    ``image_size`` (InceptionV3 takes inputs in [-1, 1], the generators' range). Sizes
    other than 299 (at least 75) run the same weights on a coarser grid.
    """
    _require_file(weights_path, "InceptionV3 weights",
                  f"download {INCEPTION_WEIGHTS_URL} on a machine with internet")
    network = keras.applications.InceptionV3(include_top=True, weights=None,
                                             input_shape=(image_size, image_size, 3))
    network.load_weights(weights_path)
    pooled = network.get_layer("avg_pool").output
    images = keras.Input((None, None, None), name="images")
    rgb = keras.layers.Lambda(
        lambda x: tf.image.resize(tf.broadcast_to(x, tf.concat([tf.shape(x)[:3], [3]], 0)),
                                  (image_size, image_size), method="bilinear"),
        name="to_inception_input")(images)
    body = keras.Model(network.input, [pooled, network.output])
    features, probabilities = body(rgb)
    log_probabilities = keras.layers.Lambda(lambda p: tf.math.log(p + 1e-12))(probabilities)
    return keras.Model(images, [features, log_probabilities], name="inception_v3")


def _require_file(path, what, how):
    if not path or not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found at {path!r}; {how}")


def extract(extractor, images, batch_size=250):
    """(features [n, F], logits [n, K]) of images [n, h, w, c] in [-1, 1], as float64 arrays."""
    images = np.asarray(images, np.float32)
    expected = extractor.input_shape[1:]
    if len(images.shape) != 4 or any(e is not None and e != s
                                     for e, s in zip(expected, images.shape[1:])):
        raise ValueError(f"{extractor.name} expects images of shape (n, "
                         f"{', '.join(str(e) if e else '?' for e in expected)}); "
                         f"got {images.shape}")
    features, logits = [], []
    for begin in range(0, len(images), batch_size):
        f, l = extractor(images[begin:begin + batch_size], training=False)
        features.append(np.asarray(f, np.float64))
        logits.append(np.asarray(l, np.float64))
    return np.concatenate(features), np.concatenate(logits)
