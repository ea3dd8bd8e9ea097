"""docs/results/: every page is what its module renders from benchmarks/results/, and every
results file is stamped or listed as unstamped with the commit that wrote it."""
import os
import subprocess
import sys

import pytest

from helpers import REPO

sys.path.insert(0, REPO)  # benchmarks/ is a package of the repository, not of vagan_tf

from benchmarks import common, pages  # noqa: E402
from benchmarks.pages import __main__ as pages_command  # noqa: E402
from benchmarks.pages import _page  # noqa: E402


@pytest.mark.slow
def test_the_pages_on_disk_are_what_the_modules_render_without_tensorflow():
    """python -m benchmarks.pages --check, as a user runs it: exit 0, and no TensorFlow."""
    script = ("import sys; from benchmarks.pages.__main__ import main; code = main(['--check']); "
              "assert 'tensorflow' not in sys.modules, 'rendering imported TensorFlow'; "
              "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_check_names_the_page_that_differs(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(pages, "PAGES_DIR", str(tmp_path))
    assert pages_command.main([]) == 0
    written = sorted(os.listdir(tmp_path))
    assert written == [f"{name}.md" for name in pages.page_names()]
    assert pages_command.main(["--check"]) == 0
    (tmp_path / "speed.md").write_text((tmp_path / "speed.md").read_text().replace("1", "2"))
    (tmp_path / "blr.md").unlink()
    capsys.readouterr()
    assert pages_command.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "blr.md differs" in err and "speed.md differs" in err and "ugan.md" not in err


def test_a_page_module_added_to_the_package_is_discovered(monkeypatch, tmp_path):
    (tmp_path / "extra_area.py").write_text("def render():\n    return '# Extra\\n'\n")
    (tmp_path / "_helper.py").write_text("")
    monkeypatch.setattr(pages, "__path__", [*pages.__path__, str(tmp_path)])
    assert "extra_area" in pages.page_names() and "_helper" not in pages.page_names()
    assert pages.render_all()["extra_area"] == "# Extra\n"


def test_every_results_file_is_stamped_or_listed_with_its_commit():
    listed = _page.unstamped()
    for name in sorted(os.listdir(_page.RESULTS_DIR)):
        stamp, _ = common.read_results(os.path.join(_page.RESULTS_DIR, name))
        if stamp is None:
            assert name in listed, f"{name}: unstamped and not in benchmarks/unstamped.json"
            assert len(listed[name]["commit"]) >= 7
        else:
            assert name not in listed, f"{name}: stamped, yet listed as unstamped"
            assert stamp["commit"] and stamp["command"].startswith("python")
    missing = set(listed) - set(os.listdir(_page.RESULTS_DIR))
    assert not missing, f"benchmarks/unstamped.json lists files that do not exist: {missing}"


def test_a_stamp_is_described_with_its_commit_versions_and_machine():
    stamp = {"commit": "0123456789abcdef", "dirty": True, "python": "3.11.7",
             "versions": {"vagan_tf": "0.1.0", "tensorflow": "2.21.0", "keras": "3.15.1",
                          "tensorflow-probability": "0.25.0"},
             "cpu": "AMD EPYC", "cpu_count": 2, "threads": {"intra_op": 1, "inter_op": 1},
             "onednn": "0", "command": "python x.py", "date": "2026-12-03T08:35:30+00:00"}
    assert _page.describe(stamp) == (
        "commit 0123456 with uncommitted changes, vagan_tf 0.1.0, TensorFlow 2.21.0, "
        "Keras 3.15.1, TFP 0.25.0, Python 3.11.7, AMD EPYC (2 CPUs), TensorFlow threads 1 "
        "intra-op, 1 inter-op, oneDNN off, 2026-12-03")

