"""Shared by the benchmark scripts (run from the repository root as
``python -m benchmarks.<script>``)."""
import json
import os


def add_threads_argument(parser):
    parser.add_argument("--threads", type=int, default=0, help="TF threads (0: all)")


def limit_threads(threads):
    """Caps TensorFlow's intra- and inter-op thread pools (0 leaves them as they are)."""
    if threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def load_results(paths):
    """The records of several result JSON lists, concatenated."""
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            records += json.load(f)
    return records


def save_results(path, records):
    """Writes the records to ``path`` as one JSON list (its folder created); None: nothing.

    The scripts call it after every finished configuration, so an interrupted sweep keeps
    what it has done.
    """
    if path is None:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f, indent=1)


def number_or_dash(value, digits, sign=False):
    """value with ``digits`` decimals (and its sign, with ``sign``), or "—" for None."""
    return "—" if value is None else f"{value:{'+' if sign else ''}.{digits}f}"
