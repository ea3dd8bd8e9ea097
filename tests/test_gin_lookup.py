"""Where `--gin_file toy/ring.gin` is found: the working directory, then the shipped configs
(the top-level gin/ folder of a checkout, vagan_tf/configs/ inside a wheel)."""
import os
import subprocess
import sys
import zipfile

import gin
import pytest

from vagan_tf.config.checks import ConfigurationError
from vagan_tf.run.assemble import config_dir, parse_gin

from helpers import REPO


def test_a_source_checkout_reads_the_top_level_gin_folder():
    assert config_dir() == os.path.join(REPO, "gin")
    assert os.path.isfile(os.path.join(config_dir(), "toy", "ring.gin"))


def test_the_folder_inside_the_package_comes_first(tmp_path):
    package = tmp_path / "vagan_tf"
    (package / "configs").mkdir(parents=True)
    (tmp_path / "gin").mkdir()
    (tmp_path / "setup.py").write_text("")
    assert config_dir(str(package)) == str(package / "configs")


def test_a_gin_folder_beside_an_installed_package_is_not_taken_for_the_configs(tmp_path):
    site_packages = tmp_path / "site-packages"
    (site_packages / "vagan_tf").mkdir(parents=True)
    (site_packages / "gin").mkdir()  # the gin library's own package, not configs
    with pytest.raises(ConfigurationError, match="no gin configs found: neither .*configs nor"):
        config_dir(str(site_packages / "vagan_tf"))


def test_shipped_files_resolve_from_any_directory_and_a_local_file_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parse_gin(["toy/ring.gin", "toy/rkl.gin"], [])
    assert gin.query_parameter("%TOTAL_STEPS") == 10000
    gin.clear_config()
    (tmp_path / "toy").mkdir()
    shipped = open(os.path.join(config_dir(), "toy", "ring.gin")).read()
    (tmp_path / "toy" / "ring.gin").write_text(shipped + "\nTOTAL_STEPS = 7\n")
    parse_gin(["toy/ring.gin", "toy/rkl.gin"], [])
    assert gin.query_parameter("%TOTAL_STEPS") == 7
    gin.clear_config()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the directory left behind is not searched
    parse_gin(["toy/ring.gin", "toy/rkl.gin"], [])
    assert gin.query_parameter("%TOTAL_STEPS") == 10000


def test_a_folder_named_like_a_config_folder_on_the_import_path_breaks_no_include(tmp_path,
                                                                                monkeypatch):
    """A plain folder rl/ on sys.path is a namespace package; gin's package-resource reader
    raised TypeError on `include 'rl/swimmer.gin'` before trying the shipped configs."""
    (tmp_path / "rl").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    parse_gin(["rl/swimmer_long_horizon.gin"], [])
    assert gin.query_parameter("SoftQAgent.discount") == 0.999
    assert gin.query_parameter("SoftQAgent.batch_size") == 128  # from the included rl/swimmer.gin


@pytest.mark.slow
def test_a_wheel_ships_the_configs_and_assets_and_finds_them_from_another_directory(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), REPO], check=True, cwd=tmp_path, timeout=300)
    [wheel] = [name for name in os.listdir(tmp_path) if name.endswith(".whl")]
    with zipfile.ZipFile(tmp_path / wheel) as archive:
        names = set(archive.namelist())
    configs = {os.path.relpath(os.path.join(root, name), os.path.join(REPO, "gin"))
               for root, _, files in os.walk(os.path.join(REPO, "gin"))
               for name in files if name.endswith(".gin")}
    assert len(configs) > 40
    assert {f"vagan_tf/configs/{path}" for path in configs} <= names
    for name in ["heart.dat", "german.data", "sonar.all-data", "wdbc.data", "SHA256SUMS",
                 "PROVENANCE.md"]:
        assert f"vagan_tf/assets/uci/{name}" in names
    assert "vagan_tf/assets/digit_classifier.weights.h5" in names

    # installed as pip lays out a wheel, found ahead of this checkout, run from elsewhere
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(tmp_path / wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = ("import vagan_tf, gin; from vagan_tf.run.assemble import config_dir, parse_gin; "
              "parse_gin(['toy/ring.gin', 'toy/rkl.gin'], []); "
              "print(vagan_tf.__file__); print(config_dir()); print(gin.query_parameter('%TOTAL_STEPS'))")
    env = dict(os.environ, PYTHONPATH=str(target), TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env, check=True,
                         capture_output=True, text=True, timeout=300).stdout.split()
    assert out[-3] == str(target / "vagan_tf" / "__init__.py")
    assert out[-2] == str(target / "vagan_tf" / "configs")
    assert out[-1] == "10000"
