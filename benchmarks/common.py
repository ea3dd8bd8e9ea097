"""Shared by the benchmark scripts (run from the repository root as
``python -m benchmarks.<script>``).

A results file is ``{"stamp": {...}, "records": ...}``: the records a script measured and the
stamp of where they were measured (``provenance``). Files written before stamping are a bare
JSON list of records or one record object; ``read_results`` gives them the stamp None.
"""
import datetime
import functools
import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("vagan_tf", "tensorflow", "keras", "tensorflow-probability")


def add_threads_argument(parser):
    parser.add_argument("--threads", type=int, default=0, help="TF threads (0: all)")


def limit_threads(threads):
    """Caps TensorFlow's intra- and inter-op thread pools (0 leaves them as they are)."""
    if threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def _git(*args):
    """git's stdout in the repository, stripped; None outside a git checkout."""
    try:
        done = subprocess.run(["git", *args], cwd=REPOSITORY, capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model():
    """The CPU's model name from /proc/cpuinfo, else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _tensorflow_threads():
    """TensorFlow's (intra-op, inter-op) pool sizes when this process imported it (0: all
    cores), else None."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}


@functools.cache
def _process_stamp():
    """The parts of the stamp fixed for the process: code, versions, machine; taken when this
    module is imported, so that the commit is the one the process started from."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"),
            "dirty": None if status is None else bool(status),
            "versions": {package: _version(package) for package in PACKAGES},
            "python": platform.python_version(),
            "cpu": _cpu_model(),
            "cpu_count": os.cpu_count(),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS")}


_process_stamp()


def provenance():
    """The stamp of results written now by this process.

    Returns:
      {"commit": HEAD's hash (None outside git), "dirty": whether tracked files differ from it,
       "versions": {package: version} for vagan_tf, TensorFlow, Keras and TFP, "python",
       "cpu": the model name, "cpu_count", "threads": TensorFlow's pool sizes (None when the
       process did not import it), "onednn": TF_ENABLE_ONEDNN_OPTS as set, "command": the
       command line as typed (``python -m benchmarks.<script> ...``), shell-quoted, "date": UTC,
       ISO 8601}.
    """
    return {**_process_stamp(), "threads": _tensorflow_threads(),
            "command": _command_line(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _command_line():
    """This process's command line, with a module run by ``-m`` named as the module."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    script = ["-m", spec.name] if spec is not None and spec.name else sys.argv[:1]
    return shlex.join([os.path.basename(sys.executable), *script, *sys.argv[1:]])


def read_results(path):
    """(stamp, records) of one results file; the stamp is None for an unstamped file (a bare
    list of records, or one record object).

    Raises:
      ValueError: the file holds neither records nor a stamped results object, naming it.
    """
    with open(path, encoding="utf-8") as f:
        content = json.load(f)
    if isinstance(content, dict) and set(content) == {"stamp", "records"}:
        return content["stamp"], content["records"]
    if isinstance(content, (list, dict)):
        return None, content
    raise ValueError(f"{path}: not a results file (a stamped {{'stamp', 'records'}} object, "
                     "a list of records or a record)")


def load_results(paths):
    """The records of several results files, stamped or not, concatenated (a file whose
    records are one object adds that object)."""
    records = []
    for path in paths:
        _, content = read_results(path)
        records += content if isinstance(content, list) else [content]
    return records


def save_results(path, records):
    """Writes ``{"stamp": provenance(), "records": records}`` to ``path`` (its folder created);
    None: nothing.

    The scripts call it after every finished configuration, so an interrupted sweep keeps
    what it has done.
    """
    if path is None:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"stamp": provenance(), "records": records}, f, indent=1)


def number_or_dash(value, digits, sign=False):
    """value with ``digits`` decimals (and its sign, with ``sign``), or "—" for None."""
    return "—" if value is None else f"{value:{'+' if sign else ''}.{digits}f}"
