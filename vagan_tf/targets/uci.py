"""UCI binary classification tables for Bayesian logistic regression: cancer, heart, german, sonar.

The four files ship inside the package (``vagan_tf/assets/uci``, with their provenance),
so BLR runs offline. A file missing there is read from a cache directory (``data_home``,
else ``$VAGAN_DATA_HOME``, else ``~/.cache/vagan_tf/uci``), downloaded once from the UCI
archive when it is missing; its sha256 is checked on every read. ``load_uci`` splits a table with
``perm = numpy.random.default_rng(split_seed).permutation(n)``: train = perm[:n_train],
test = perm[n_train:], and standardises the features with the train statistics,
x' = (x - mean_train) / std_train (ddof 0; a constant column keeps std 1).
"""
import dataclasses
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable

import gin
import numpy as np

from vagan_tf.data.pipelines import verify_sha256

UCI_ARCHIVE = "https://archive.ics.uci.edu/ml/machine-learning-databases/"
DEFAULT_DATA_HOME = os.path.join("~", ".cache", "vagan_tf", "uci")
SHIPPED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "assets", "uci")
DOWNLOAD_TIMEOUT_S = 60


def _parse_cancer(text):
    """wdbc.data: ID, diagnosis (M -> 1, B -> 0), 30 real features; comma separated."""
    rows = [line.split(",") for line in text.splitlines()]
    x = np.array([row[2:] for row in rows], dtype=np.float64)
    y = np.array([row[1] == "M" for row in rows], dtype=np.float64)
    return x, y


def _parse_heart(text):
    """heart.dat: 13 attributes, then the class (2 = presence -> 1, 1 = absence -> 0)."""
    table = np.array([line.split() for line in text.splitlines()], dtype=np.float64)
    return table[:, :-1], (table[:, -1] == 2).astype(np.float64)


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def _parse_german(text):
    """german.data: 20 attributes, then the class (2 = bad -> 1, 1 = good -> 0).

    A categorical attribute (codes such as A11) becomes the index of each code in the
    sorted list of that attribute's distinct codes; numeric attributes stay numbers.
    """
    rows = [line.split() for line in text.splitlines()]
    columns = []
    for values in zip(*(row[:-1] for row in rows)):
        if all(_is_number(value) for value in values):
            columns.append(np.array(values, dtype=np.float64))
        else:
            codes = sorted(set(values))
            columns.append(np.array([codes.index(value) for value in values], dtype=np.float64))
    y = np.array([row[-1] == "2" for row in rows], dtype=np.float64)
    return np.stack(columns, axis=1), y


def _parse_sonar(text):
    """sonar.all-data: 60 energies in [0, 1], then the class (M = mine -> 1, R = rock -> 0)."""
    rows = [line.split(",") for line in text.splitlines()]
    x = np.array([row[:-1] for row in rows], dtype=np.float64)
    y = np.array([row[-1] == "M" for row in rows], dtype=np.float64)
    return x, y


@dataclasses.dataclass(frozen=True)
class UciTable:
    """Where a table lives in the UCI archive, its sha256, its train size and its parser.

    Attributes:
        url: the file's address in the UCI archive.
        sha256: the file's sha256, a hex string.
        n_train: the rows of the train part of a split.
        parse: ``parse(text)`` -> (x float64 [n, d], y float64 0/1 [n]).
    """

    url: str
    sha256: str
    n_train: int
    parse: Callable

    @property
    def filename(self):
        """The file's name, the last part of ``url``."""
        return self.url.rsplit("/", 1)[-1]


DATASETS = {
    "cancer": UciTable(
        UCI_ARCHIVE + "breast-cancer-wisconsin/wdbc.data",
        "d606af411f3e5be8a317a5a8b652b425aaf0ff38ca683d5327ffff94c3695f4a", 285, _parse_cancer),
    "heart": UciTable(
        UCI_ARCHIVE + "statlog/heart/heart.dat",
        "f5f3b4204c285bafadd85cb735f38b47689f2be7047feb172dcbeab648110bf9", 135, _parse_heart),
    "german": UciTable(
        UCI_ARCHIVE + "statlog/german/german.data",
        "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871", 500, _parse_german),
    "sonar": UciTable(
        UCI_ARCHIVE + "undocumented/connectionist-bench/sonar/sonar.all-data",
        "e90434cdbf00fcf93ffa911fe447ae25606979658e60f1d32e155c3b5240234d", 104, _parse_sonar),
}


@dataclasses.dataclass(frozen=True, eq=False)
class Split:
    """A standardised train/test split: x float32 [n, d], y float32 0/1 [n].

    Attributes:
        x_train: the train rows' features [n_train, d].
        y_train: the train rows' labels [n_train].
        x_test: the test rows' features [n_test, d].
        y_test: the test rows' labels [n_test].
        name: the dataset's name.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str

    @property
    def num_features(self):
        """d, the features per row."""
        return self.x_train.shape[1]


def _table(name):
    if name not in DATASETS:
        raise ValueError(f"unknown UCI dataset {name!r}; known: {sorted(DATASETS)}")
    return DATASETS[name]


def resolve_data_home(data_home=None):
    """The cache directory: ``data_home``, else ``$VAGAN_DATA_HOME``, else ~/.cache/vagan_tf/uci.

    Args:
        data_home: the directory; None: the environment's or the default.

    Returns:
        The path, with ``~`` expanded.
    """
    if data_home is None:
        data_home = os.environ.get("VAGAN_DATA_HOME") or DEFAULT_DATA_HOME
    return os.path.expanduser(data_home)


def _download(table, path):
    """Streams ``table.url`` into a temporary file next to ``path``, checks it, renames it.

    The rename is atomic, so ``path`` either is absent or holds the verified file.
    """
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=directory, prefix=table.filename + ".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, \
                urllib.request.urlopen(table.url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            shutil.copyfileobj(response, out)
        with open(partial, "rb") as f:
            verify_sha256(table.url, f.read(), table.sha256)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


def fetch_file(name, data_home=None):
    """The verified bytes of dataset ``name``'s UCI file: the package's copy, else the
    cache's, downloaded into the cache if absent.

    Args:
        name: a key of ``DATASETS``.
        data_home: the cache directory (``resolve_data_home``).

    Returns:
        The file's bytes.

    Raises:
        ValueError: an unknown ``name``, or a file whose sha256 is not the table's.
        FileNotFoundError: the file is neither shipped nor cached and cannot be downloaded.
    """
    table = _table(name)
    path = os.path.join(SHIPPED_DIR, table.filename)
    if not os.path.exists(path):
        path = os.path.join(resolve_data_home(data_home), table.filename)
    if not os.path.exists(path):
        try:
            _download(table, path)
        except OSError as error:  # URLError, timeouts, refused connections, a read-only cache
            raise FileNotFoundError(
                f"UCI dataset {name!r}: {table.filename} is not in {SHIPPED_DIR} and could not "
                f"be downloaded from {table.url} ({error}); put the file at {path}") from None
    with open(path, "rb") as f:
        data = f.read()
    verify_sha256(path, data, table.sha256)
    return data


def raw_table(name, data_home=None):
    """The unstandardised table of dataset ``name``: (x float64 [n, d], y float64 0/1 [n]).

    Args:
        name: a key of ``DATASETS``.
        data_home: the cache directory (``resolve_data_home``).

    Returns:
        (x float64 [n, d], y float64 [n]).

    Raises:
        ValueError: an unknown ``name``, or a damaged file.
        FileNotFoundError: the file cannot be found or downloaded.
    """
    return _table(name).parse(fetch_file(name, data_home).decode("ascii"))


@gin.configurable
def load_uci(name=gin.REQUIRED, split_seed=0, data_home=None):
    """Dataset ``name`` split by ``split_seed`` and standardised with the train statistics.

    Args:
        name: a key of ``DATASETS``.
        split_seed: the seed of the rows' permutation.
        data_home: the cache directory (``resolve_data_home``).

    Returns:
        The ``Split``, named ``name``.

    Raises:
        ValueError: an unknown ``name``, or a damaged file.
        FileNotFoundError: the file cannot be found or downloaded.
    """
    x, y = raw_table(name, data_home)
    n_train = _table(name).n_train
    perm = np.random.default_rng(split_seed).permutation(len(y))
    train, test = perm[:n_train], perm[n_train:]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std[std == 0] = 1.0
    x = ((x - mean) / std).astype(np.float32)
    y = y.astype(np.float32)
    return Split(x[train], y[train], x[test], y[test], name)
