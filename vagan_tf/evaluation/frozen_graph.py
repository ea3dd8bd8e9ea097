"""A frozen TF1 GraphDef (a ``.pb`` file) run eagerly in TensorFlow 2.

``load_graph_def`` reads the file; ``fold_global_batch_norms`` rewrites the
``BatchNormWithGlobalNormalization`` nodes of graphs written before GraphDef version 9
(the 2015 Inception graph has them) into the ops that compute the same thing, because
TensorFlow 2 executes a function at the current GraphDef version, where that op is
refused; ``wrap_graph`` imports the graph into a ``tf.compat.v1.wrap_function`` with
one input tensor replaced by the function's argument and prunes it to the outputs.
"""
import os

import numpy as np
import tensorflow as tf

from tensorflow.core.framework import graph_pb2
from tensorflow.python.framework import op_def_registry
from tensorflow.python.framework import versions as tf_versions

V1 = tf.compat.v1


def load_graph_def(path, what="the frozen graph", how=""):
    """The ``GraphDef`` in the binary protobuf file ``path``; names the file on any failure
    (``how``: where to get it, for the message of a missing file).

    Args:
        path: the ``.pb`` file.
        what: what the file is, in words, for the messages.
        how: where to get the file, for the message of a missing file ('' for none).

    Returns:
        The parsed ``GraphDef``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a binary GraphDef, or holds no nodes.
    """
    if not path or not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found at {path!r}" + (f"; {how}" if how else ""))
    graph_def = graph_pb2.GraphDef()
    with open(path, "rb") as f:
        data = f.read()
    try:
        graph_def.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError, or a truncated file
        raise ValueError(f"{path} is not a binary GraphDef ({what}): {error}") from None
    if not graph_def.node:
        raise ValueError(f"{path} holds no graph nodes; is it {what}?")
    return graph_def


def _constant_node(graph_def, name, value):
    node = graph_def.node.add()
    node.name, node.op = name, "Const"
    node.attr["dtype"].type = tf.float32.as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.float32(value)))


def _op_node(graph_def, name, op, inputs, dtype):
    node = graph_def.node.add()
    node.name, node.op = name, op
    node.input.extend(inputs)
    node.attr["T"].CopyFrom(dtype)
    return node


def fold_global_batch_norms(graph_def):
    """A copy of ``graph_def`` with each ``BatchNormWithGlobalNormalization`` node replaced.

    The op (inputs t, m, v, beta, gamma; attributes variance_epsilon, scale_after_normalization)
    computes  y = (t - m) * (rsqrt(v + eps) * gamma) + beta  (without gamma when
    scale_after_normalization is false); the node keeps its name and becomes the final Add
    of Sub, Add, Rsqrt, Mul and Mul nodes, so its consumers are unchanged. Device
    placements of the replaced node are dropped.

    Args:
        graph_def: a ``GraphDef``.

    Returns:
        The rewritten ``GraphDef`` (``graph_def`` is unchanged).

    Raises:
        ValueError: a node of the result has an op that this TensorFlow does not register or
            that its GraphDef version has removed.
    """
    folded = graph_pb2.GraphDef()
    folded.versions.CopyFrom(graph_def.versions)
    folded.library.CopyFrom(graph_def.library)
    for node in graph_def.node:
        if node.op != "BatchNormWithGlobalNormalization":
            folded.node.add().CopyFrom(node)
            continue
        t, m, v, beta, gamma = node.input
        name, dtype = node.name, node.attr["T"]
        _constant_node(folded, f"{name}/folded/epsilon", node.attr["variance_epsilon"].f)
        _op_node(folded, f"{name}/folded/centred", "Sub", [t, m], dtype)
        _op_node(folded, f"{name}/folded/variance", "AddV2", [v, f"{name}/folded/epsilon"], dtype)
        _op_node(folded, f"{name}/folded/rsqrt", "Rsqrt", [f"{name}/folded/variance"], dtype)
        scale = f"{name}/folded/rsqrt"
        if node.attr["scale_after_normalization"].b:
            _op_node(folded, f"{name}/folded/scale", "Mul", [scale, gamma], dtype)
            scale = f"{name}/folded/scale"
        _op_node(folded, f"{name}/folded/scaled", "Mul", [f"{name}/folded/centred", scale], dtype)
        _op_node(folded, name, "AddV2", [f"{name}/folded/scaled", beta], dtype)
    _check_no_removed_ops(folded)
    return folded


def _check_no_removed_ops(graph_def):
    version = tf_versions.GRAPH_DEF_VERSION
    for node in graph_def.node:
        op_def = op_def_registry.get(node.op)
        if op_def is None:
            raise ValueError(f"node {node.name!r}: op {node.op!r} is not registered in this "
                             f"TensorFlow ({tf.__version__})")
        if op_def.HasField("deprecation") and op_def.deprecation.version <= version:
            raise ValueError(f"node {node.name!r}: op {node.op!r} was removed in GraphDef version "
                             f"{op_def.deprecation.version} ({op_def.deprecation.explanation}); "
                             f"it cannot run eagerly and is not rewritten here")


def wrap_graph(graph_def, input_name, input_signature, outputs_fn):
    """An eager function of the graph with tensor ``input_name`` fed by the function's argument.

    ``outputs_fn(graph)`` maps the imported ``tf.Graph`` to the output tensors (it may add
    ops, e.g. a matmul with one of the graph's constants). The function is pruned to what
    the outputs need, so unfed placeholders of the original graph (its JPEG input) are gone.

    Args:
        graph_def: the ``GraphDef`` to import.
        input_name: the name of the tensor the argument replaces (e.g. 'ExpandDims:0').
        input_signature: the ``tf.TensorSpec`` of the argument.
        outputs_fn: ``outputs_fn(graph)`` -> the list of output tensors.

    Returns:
        The pruned concrete function: argument -> the list of ``outputs_fn``'s tensors.
    """
    def imported(x):
        V1.import_graph_def(graph_def, input_map={input_name: x}, name="")
        return outputs_fn(tf.compat.v1.get_default_graph())

    wrapped = V1.wrap_function(imported, [input_signature])
    return wrapped.prune(feeds=wrapped.inputs, fetches=wrapped.outputs)
