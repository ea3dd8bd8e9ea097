"""A small stand-in for ``classify_image_graph_def.pb`` (the 2015-12-05 Inception graph).

It has the real graph's input chain and output names and shapes, with random weights and a
cheap body:

    DecodeJpeg/contents (string) -> DecodeJpeg -> Cast -> ExpandDims [1, H, W, 3]
    -> ResizeBilinear (299 x 299, TF1 semantics) -> Sub (- 128) -> Mul (/ 128)
    -> AvgPool 23 x 23 -> BatchNormWithGlobalNormalization (an op TF 2 refuses to run eagerly,
       as the real graph's are) -> Conv2D 13 x 13 to 2048 -> Relu -> pool_3 [N, 1, 1, 2048]
    -> pool_3/_reshape (to the fixed shape [1, 2048], as in the real graph)
    -> softmax/logits/MatMul (softmax/weights [2048, 1008]) -> softmax/logits (+ softmax/biases)
    -> softmax

and, like the 2015 file, an old GraphDef producer version (3), without which TensorFlow would
refuse the batch-norm op even in a session.
"""
import numpy as np
import tensorflow as tf

V1 = tf.compat.v1


def _constant(graph_def, name, value):
    node = graph_def.node.add()
    node.name, node.op = name, "Const"
    node.attr["dtype"].type = tf.float32.as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.asarray(value, np.float32)))


def build_standin_graph_def(seed=0):
    """(GraphDef, {"weights": W [2048, 1008], "biases": b [1008]})."""
    rng = np.random.default_rng(seed)
    weights = (rng.normal(size=(2048, 1008)) * 0.05).astype(np.float32)
    biases = rng.normal(size=1008).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        contents = V1.placeholder(tf.string, [], name="DecodeJpeg/contents")
        decoded = tf.io.decode_jpeg(contents, channels=3, name="DecodeJpeg")
        batch = tf.expand_dims(tf.cast(decoded, tf.float32, name="Cast"), 0, name="ExpandDims")
        resized = V1.image.resize_bilinear(batch, tf.constant([299, 299], name="ResizeBilinear/size"),
                                           align_corners=False, name="ResizeBilinear")
        scaled = tf.multiply(tf.subtract(resized, 128.0, name="Sub"), 1.0 / 128.0, name="Mul")
        pooled = tf.nn.avg_pool2d(scaled, 23, 23, "VALID", name="coarse")
        normalised = tf.identity(pooled, name="coarse/batchnorm")  # becomes the batch norm below
        kernel = tf.constant((rng.normal(size=(13, 13, 3, 2048)) * 0.05).astype(np.float32),
                             name="conv/weights")
        features = tf.nn.relu(tf.nn.conv2d(normalised, kernel, 1, "VALID", name="conv"))
        pool3 = tf.nn.avg_pool2d(features, 1, 1, "VALID", name="pool_3")
        flat = tf.reshape(pool3, tf.constant([1, 2048], name="pool_3/_reshape/shape"),
                          name="pool_3/_reshape")
        product = tf.matmul(flat, tf.constant(weights, name="softmax/weights"),
                            name="softmax/logits/MatMul")
        logits = tf.nn.bias_add(product, tf.constant(biases, name="softmax/biases"),
                                name="softmax/logits")
        tf.nn.softmax(logits, name="softmax")
    graph_def = graph.as_graph_def()
    moments = {"coarse/moving_mean": rng.normal(size=3) * 0.1,
               "coarse/moving_variance": rng.uniform(0.5, 2.0, 3),
               "coarse/beta": rng.normal(size=3) * 0.1, "coarse/gamma": rng.uniform(0.5, 2.0, 3)}
    for name, value in moments.items():
        _constant(graph_def, name, value)
    for node in graph_def.node:
        if node.name == "coarse/batchnorm":
            node.op = "BatchNormWithGlobalNormalization"
            del node.input[:]
            node.input.extend(["coarse", *moments])
            node.attr.clear()
            node.attr["T"].type = tf.float32.as_datatype_enum
            node.attr["variance_epsilon"].f = 0.001
            node.attr["scale_after_normalization"].b = True
    graph_def.versions.producer = 3
    return graph_def, {"weights": weights, "biases": biases}


def write_standin(path, seed=0):
    """Writes the stand-in graph to ``path``; returns its weights and biases."""
    graph_def, parameters = build_standin_graph_def(seed)
    with open(path, "wb") as f:
        f.write(graph_def.SerializeToString())
    return parameters


def run_in_session(path, pixels, fetches=("pool_3:0", "softmax/logits:0")):
    """The TTUR way: a TF1 session on the graph in ``path``, one image [1, H, W, 3] of uint8
    values (as floats) fed to ``ExpandDims:0`` at a time; the fetches stacked over images."""
    graph_def = V1.GraphDef()
    with open(path, "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        V1.import_graph_def(graph_def, name="")
    results = [[] for _ in fetches]
    with V1.Session(graph=graph) as session:
        for image in pixels:
            for result, value in zip(results, session.run(list(fetches),
                                                          {"ExpandDims:0": image[None]})):
                result.append(value.reshape(-1))
    return [np.stack(r).astype(np.float64) for r in results]
