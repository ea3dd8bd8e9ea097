"""Fixed networks that turn images into (features, logits) for FID, KID and IS.

* ``inception_v3(weights_path)``: Keras' InceptionV3 (Szegedy et al. 2016) with the
  ImageNet weights read from a file the user gives (Keras publishes them as
  ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5``); nothing is downloaded.
  Features are the 2048 pooled activations, logits the log of its 1000-way softmax.
  Numbers are comparable between runs of this package, not with papers that use
  the TF1 graph of Heusel et al. (different weights and resizing).
* ``standard_inception(graph_path)``: the 2015-12-05 Inception graph
  (``classify_image_graph_def.pb``) that Heusel et al.'s TTUR code, OpenAI's Inception
  Score code and TF-GAN compute FID and IS with, read from a file the user gives: the
  extractor whose numbers are comparable with the papers (see its docstring).
* ``digit_classifier()``: a small CNN trained on the offline MNIST digits by
  ``scripts/train_digit_classifier.py``, its weights shipped in the package: the
  offline extractor (features: 128 penultimate units; logits: 10 classes).

Each extractor is a ``keras.Model`` (or, for the frozen graph, an object with the same
``name``, ``input_shape`` and ``__call__(images, training=False)``) mapping images in
[-1, 1] to [features, logits]; ``extract`` runs it in batches.
"""
import os

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.evaluation import frozen_graph

DIGIT_WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets",
                             "digit_classifier.weights.h5")
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
INCEPTION_2015_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
INCEPTION_2015_INPUTS = ("ExpandDims:0", "Mul:0")


def build_digit_classifier():
    """CNN 32x32x1 -> ([B, 128] features, [B, 10] logits); untrained.

    Returns:
        A ``keras.Model`` images [B, 32, 32, 1] -> [features [B, 128], logits [B, 10]].
    """
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
    """The shipped digit classifier (train it anew with scripts/train_digit_classifier.py).

    Args:
        weights_path: the ``.weights.h5`` file; the default is the package's copy.

    Returns:
        ``build_digit_classifier()``'s model with those weights: images [B, 32, 32, 1] in
        [-1, 1] -> [features [B, 128], logits [B, 10]].

    Raises:
        FileNotFoundError: no file at ``weights_path``.
    """
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

    Args:
        weights_path: Keras' ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5``.
        image_size: the side every image is resized to.

    Returns:
        A ``keras.Model`` images [B, h, w, C] in [-1, 1] (C = 1 or 3) -> [features [B, 2048],
        log probabilities [B, 1000]].

    Raises:
        FileNotFoundError: no file at ``weights_path``.
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


class FrozenGraphExtractor:
    """A wrapped frozen graph with the extractor interface: images [-1, 1] -> [features, logits].

    Args:
        function: images [B, h, w, C] float32 -> [features, logits].
        name: the extractor's name, for messages and the evaluation record.
        source: the graph file's path, for the evaluation record.
    """

    input_shape = (None, None, None, None)

    def __init__(self, function, name, source):
        self.function = function
        self.name = name
        self.source = source  # the graph file, for the evaluation record

    def __call__(self, images, training=False):
        del training  # a frozen graph has no training mode
        return self.function(tf.convert_to_tensor(images, tf.float32))


@gin.configurable
def standard_inception(graph_path=gin.REQUIRED, input_tensor="ExpandDims:0", logits_bias=False,
                       quantize=True):
    """The 2015-12-05 Inception graph from ``graph_path``: images -> [pool_3 2048, logits 1008].

    The file is ``classify_image_graph_def.pb`` from INCEPTION_2015_URL (inception-2015-12-05.tgz),
    read from the path given; nothing is downloaded. It is the network of the published FID
    and IS numbers:

    * Heusel et al.'s TTUR ``fid.py`` (bioinf-jku/TTUR) feeds float images with uint8 values
      in [0, 255], shape [N, H, W, 3], to ``ExpandDims:0``; the graph itself resizes them to
      299 x 299 (its ``ResizeBilinear``, TF1 semantics: align_corners=False,
      half_pixel_centers=False) and maps them to (x - 128) / 128 (``Sub``, then ``Mul``).
      FID uses the 2048 activations of ``pool_3:0`` ([N, 1, 1, 2048]).
    * TF-GAN (tensorflow/gan, ``classifier_metrics.py`` before its TF-Hub version:
      ``preprocess_image`` then ``run_inception`` with INCEPTION_INPUT = 'Mul:0') does that
      resize and scaling itself (TF1 ``resize_bilinear`` to 299, then (x - 128) / 128) and
      feeds ``Mul:0``, of its own batch-agnostic copy of this graph
      (``inceptionv1_for_inception_score.pb``, which this function does not read).
      ``input_tensor='Mul:0'`` feeds this graph the same way; both inputs give the same numbers.
    * OpenAI's Inception Score code (openai/improved-gan ``inception_score/model.py``, which
      the CIFAR-10 IS tables use) takes logits = pool_3 W with W the weights of
      ``softmax/logits/MatMul``, **without** the bias that the graph's ``softmax/logits:0``
      adds; that is the default here (``logits_bias=False``). ``logits_bias=True`` adds the
      bias, as the graph's own ``softmax/logits:0`` does. All 1008 outputs are kept. The
      graph's path from pool_3 to ``softmax/logits:0`` runs through ``pool_3/_reshape``,
      made for one image at a time (OpenAI's code bypasses it for batches), so the logits
      are computed here from ``pool_3:0`` and the graph's weights.

    Images from a generator, x in [-1, 1] with 1 or 3 channels (grey is repeated over
    three), become pixels p = clip((x + 1) * 127.5, 0, 255), rounded to integers when
    ``quantize`` (the values an image file of the samples would hold, as TTUR reads).
    The graph's ``BatchNormWithGlobalNormalization`` nodes are rewritten into the ops they
    compute (``frozen_graph.fold_global_batch_norms``) so that it runs eagerly in TF 2.

    Args:
        graph_path: the path of ``classify_image_graph_def.pb``.
        input_tensor: where the images enter: 'ExpandDims:0' (TTUR's) or 'Mul:0' (TF-GAN's).
        logits_bias: add the bias of ``softmax/logits`` to the logits.
        quantize: round the pixels to integers.

    Returns:
        A ``FrozenGraphExtractor``: images [B, h, w, C] in [-1, 1] (C = 1 or 3) ->
        [pool_3 [B, 2048], logits [B, 1008]].

    Raises:
        ValueError: an unknown ``input_tensor``, a file that is not a GraphDef, or a graph
            without the nodes the extractor reads.
        FileNotFoundError: no file at ``graph_path``.
    """
    if input_tensor not in INCEPTION_2015_INPUTS:
        raise ValueError(f"standard_inception.input_tensor must be one of {INCEPTION_2015_INPUTS}; "
                         f"got {input_tensor!r}")
    graph_def = frozen_graph.load_graph_def(
        graph_path, "the 2015-12-05 Inception graph (standard_inception.graph_path)",
        f"extract classify_image_graph_def.pb from {INCEPTION_2015_URL}, fetched on a machine "
        "with internet")
    graph_def = frozen_graph.fold_global_batch_norms(graph_def)
    names = {node.name for node in graph_def.node}
    for needed in (input_tensor.split(":")[0], "pool_3", "softmax/logits/MatMul", "softmax/logits"):
        if needed not in names:
            raise ValueError(f"{graph_path} has no node {needed!r}; is it classify_image_graph_def.pb "
                             f"of {INCEPTION_2015_URL}?")

    def outputs(graph):
        pool = tf.reshape(graph.get_tensor_by_name("pool_3:0"), [-1, 2048])
        matmul = graph.get_operation_by_name("softmax/logits/MatMul")
        logits = tf.matmul(pool, matmul.inputs[1])
        if logits_bias:
            [bias] = [t for t in graph.get_operation_by_name("softmax/logits").inputs
                      if t.op is not matmul]
            logits = logits + bias
        return [pool, logits]

    size = 299 if input_tensor == "Mul:0" else None
    function = frozen_graph.wrap_graph(graph_def, input_tensor,
                                       tf.TensorSpec([None, size, size, 3], tf.float32), outputs)

    def preprocess_and_run(images):
        rgb = tf.broadcast_to(images, tf.concat([tf.shape(images)[:3], [3]], 0))
        pixels = tf.clip_by_value((rgb + 1.0) * 127.5, 0.0, 255.0)
        if quantize:
            pixels = tf.round(pixels)
        if input_tensor == "Mul:0":  # TF-GAN's preprocess_image
            resized = tf.raw_ops.ResizeBilinear(images=pixels, size=[299, 299], align_corners=False,
                                                half_pixel_centers=False)
            pixels = (resized - 128.0) / 128.0
        return function(pixels)

    return FrozenGraphExtractor(preprocess_and_run, "inception_2015_12_05",
                                os.path.abspath(graph_path))


def _require_file(path, what, how):
    if not path or not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found at {path!r}; {how}")


def extract(extractor, images, batch_size=250):
    """(features [n, F], logits [n, K]) of images [n, h, w, c] in [-1, 1], as float64 arrays.

    Args:
        extractor: a model images -> [features, logits] with ``name`` and ``input_shape``.
        images: images [n, h, w, c] in [-1, 1] (an array or array-like).
        batch_size: images per call of the extractor.

    Returns:
        (features float64 [n, F], logits float64 [n, K]).

    Raises:
        ValueError: ``images`` is not 4-D or does not fit the extractor's input shape.
    """
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
