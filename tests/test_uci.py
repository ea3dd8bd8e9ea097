"""UCI loaders on the package's own copies: shapes, labels, split, checksums, cache, download."""
import hashlib
import io
import os
import shutil
import urllib.error
import urllib.request

import gin
import numpy as np
import pytest

from vagan_tf.targets import uci

UCI_DIR = uci.SHIPPED_DIR


@pytest.fixture
def nothing_shipped(tmp_path, monkeypatch):
    """The loader as on an install without the package's copies: cache and download only."""
    monkeypatch.setattr(uci, "SHIPPED_DIR", str(tmp_path / "not_shipped"))

# name: (file, n, n_train, d), from the UCI documentation of each set
SIZES = {
    "cancer": ("wdbc.data", 569, 285, 30),
    "heart": ("heart.dat", 270, 135, 13),
    "german": ("german.data", 1000, 500, 20),
    "sonar": ("sonar.all-data", 208, 104, 60),
}


def raw_lines(filename):
    with open(os.path.join(UCI_DIR, filename)) as f:
        return f.read().splitlines()


def positive_count(name):
    """The number of positive labels, counted on the raw text without the loader's parsers."""
    lines = raw_lines(SIZES[name][0])
    if name == "cancer":
        return sum(line.split(",")[1] == "M" for line in lines)
    if name == "sonar":
        return sum(line.endswith(",M") for line in lines)
    return sum(line.split()[-1] == "2" for line in lines)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_split_shapes_labels_and_standardisation(name):
    _, n, n_train, d = SIZES[name]
    split = uci.load_uci(name, data_home=UCI_DIR)
    assert split.name == name
    assert split.x_train.shape == (n_train, d) and split.x_test.shape == (n - n_train, d)
    assert split.y_train.shape == (n_train,) and split.y_test.shape == (n - n_train,)
    for array in (split.x_train, split.y_train, split.x_test, split.y_test):
        assert array.dtype == np.float32
    labels = np.concatenate([split.y_train, split.y_test])
    assert set(np.unique(labels)) <= {0.0, 1.0}
    assert labels.sum() == positive_count(name)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    std = split.x_train.std(axis=0)
    assert np.all((np.abs(std - 1.0) < 1e-4) | (std == 0.0))


@pytest.mark.parametrize("name", sorted(SIZES))
def test_split_is_the_seeded_permutation_of_the_raw_table(name):
    x, y = uci.raw_table(name, data_home=UCI_DIR)
    n_train = SIZES[name][2]
    perm = np.random.default_rng(7).permutation(len(y))
    train, test = perm[:n_train], perm[n_train:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std = np.where(std == 0, 1.0, std)
    split = uci.load_uci(name, split_seed=7, data_home=UCI_DIR)
    np.testing.assert_allclose(split.x_test, (x[test] - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(split.y_train, y[train])
    np.testing.assert_array_equal(split.y_test, y[test])


def test_splits_repeat_for_a_seed_and_differ_across_seeds():
    first = uci.load_uci("heart", split_seed=3, data_home=UCI_DIR)
    again = uci.load_uci("heart", split_seed=3, data_home=UCI_DIR)
    other = uci.load_uci("heart", split_seed=4, data_home=UCI_DIR)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.x_train, other.x_train)


def test_cancer_drops_the_id_and_keeps_the_30_features_in_order():
    x, _ = uci.raw_table("cancer", data_home=UCI_DIR)
    fields = raw_lines("wdbc.data")[10].split(",")
    np.testing.assert_array_equal(x[10], [float(value) for value in fields[2:]])


def test_german_categorical_column_is_the_index_in_the_sorted_codes():
    """Attribute 4 (purpose) by hand: its codes sort as strings, so A410 comes before A42."""
    rows = [line.split() for line in raw_lines("german.data")]
    purposes = [row[3] for row in rows]
    codes = sorted(set(purposes))
    assert codes.index("A410") == codes.index("A41") + 1
    x, _ = uci.raw_table("german", data_home=UCI_DIR)
    np.testing.assert_array_equal(x[:, 3], [codes.index(code) for code in purposes])
    np.testing.assert_array_equal(x[:, 4], [float(row[4]) for row in rows])  # amount: numeric


def test_load_uci_takes_its_name_from_gin():
    gin.parse_config(["load_uci.name = 'sonar'", f"load_uci.data_home = {UCI_DIR!r}",
                      "load_uci.split_seed = 2"])
    split = uci.load_uci()
    expected = uci.load_uci("sonar", split_seed=2, data_home=UCI_DIR)
    assert split.name == "sonar"
    np.testing.assert_array_equal(split.x_train, expected.x_train)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="'wine'.*cancer.*german.*heart.*sonar"):
        uci.load_uci("wine", data_home=UCI_DIR)


def listed_sha256():
    """filename: sha256 as SHA256SUMS next to the files lists them."""
    return {line.split()[1]: line.split()[0] for line in raw_lines("SHA256SUMS")}


def test_the_module_expects_the_listed_checksums():
    listed = listed_sha256()
    for name, (filename, *_) in SIZES.items():
        assert uci.DATASETS[name].filename == filename
        assert uci.DATASETS[name].sha256 == listed[filename]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_file_names_itself_and_both_hashes(tmp_path, damage, nothing_shipped):
    with open(os.path.join(UCI_DIR, "heart.dat"), "rb") as f:
        data = bytearray(f.read())
    if damage == "flip":
        data[100] ^= 0x01
    else:
        data = data[:-50]
    (tmp_path / "heart.dat").write_bytes(bytes(data))
    actual = hashlib.sha256(bytes(data)).hexdigest()
    with pytest.raises(ValueError) as error:
        uci.load_uci("heart", data_home=str(tmp_path))
    message = str(error.value)
    assert str(tmp_path / "heart.dat") in message
    assert actual in message and listed_sha256()["heart.dat"] in message


class FakeOpener:
    """Stands in for urllib.request.urlopen: serves a file's bytes and records the URLs."""

    def __init__(self, data, fail_after=None):
        self.data = data
        self.fail_after = fail_after
        self.urls = []

    def __call__(self, url, timeout=None):
        self.urls.append(url)
        if self.fail_after is None:
            return io.BytesIO(self.data)
        return BrokenStream(self.data[:self.fail_after])


class BrokenStream(io.BytesIO):
    """A response that delivers some bytes and then drops the connection."""

    def read(self, size=-1):
        chunk = super().read(size)
        if not chunk:
            raise ConnectionResetError("connection dropped")
        return chunk


def test_download_lands_in_the_cache_and_is_then_read_offline(tmp_path, monkeypatch,
                                                               nothing_shipped):
    with open(os.path.join(UCI_DIR, "sonar.all-data"), "rb") as f:
        opener = FakeOpener(f.read())
    monkeypatch.setattr(urllib.request, "urlopen", opener)
    cache = tmp_path / "cache" / "uci"
    first = uci.load_uci("sonar", data_home=str(cache))
    assert opener.urls == [uci.UCI_ARCHIVE
                           + "undocumented/connectionist-bench/sonar/sonar.all-data"]
    assert os.listdir(cache) == ["sonar.all-data"]
    assert (cache / "sonar.all-data").read_bytes() == opener.data
    second = uci.load_uci("sonar", data_home=str(cache))
    assert len(opener.urls) == 1
    np.testing.assert_array_equal(first.x_train, second.x_train)


def test_the_environment_variable_names_the_cache(tmp_path, monkeypatch, nothing_shipped):
    shutil.copy(os.path.join(UCI_DIR, "heart.dat"), tmp_path)
    monkeypatch.setenv("VAGAN_DATA_HOME", str(tmp_path))
    assert uci.resolve_data_home() == str(tmp_path)
    assert uci.load_uci("heart").x_train.shape == (135, 13)
    monkeypatch.delenv("VAGAN_DATA_HOME")
    assert uci.resolve_data_home() == os.path.expanduser("~/.cache/vagan_tf/uci")


@pytest.mark.parametrize("fail_after, error", [(5000, FileNotFoundError),
                                               (None, ValueError)])
def test_a_failed_download_leaves_no_file(tmp_path, monkeypatch, fail_after, error):
    """A dropped connection, or a whole download with wrong bytes, leaves the cache empty."""
    with open(os.path.join(UCI_DIR, "heart.dat"), "rb") as f:
        data = f.read()
    if fail_after is None:
        data = data.replace(b"70.0", b"71.0", 1)
    monkeypatch.setattr(uci, "SHIPPED_DIR", str(tmp_path / "not_shipped"))
    cache = tmp_path / "cache"
    monkeypatch.setattr(urllib.request, "urlopen", FakeOpener(data, fail_after))
    with pytest.raises(error):
        uci.load_uci("heart", data_home=str(cache))
    assert not cache.exists() or os.listdir(cache) == []


def test_the_shipped_copy_is_read_without_cache_or_network(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise AssertionError(f"tried to download {url}")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setenv("VAGAN_DATA_HOME", str(tmp_path / "empty"))
    assert uci.load_uci("german").x_train.shape == (500, 20)
    assert not (tmp_path / "empty").exists()


def test_an_offline_miss_names_the_file_the_url_and_where_to_put_it(tmp_path, monkeypatch,
                                                                     nothing_shipped):
    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError) as error:
        uci.load_uci("heart", data_home=str(tmp_path / "cache"))
    message = str(error.value).splitlines()[0]  # gin adds the configurable on a line of its own
    assert "heart.dat" in message and uci.DATASETS["heart"].url in message
    assert str(tmp_path / "cache" / "heart.dat") in message
