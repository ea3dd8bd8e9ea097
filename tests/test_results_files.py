"""benchmarks/common.py: results files carry their provenance and read back unchanged."""
import json
import subprocess
import sys
import types

import pytest

from helpers import REPO
from benchmarks import common

RECORDS = [{"method": "ugan", "seed": 0, "energy_distance": 0.0123, "trace": [{"step": 50}]},
           {"method": "nuts", "seed": 1, "energy_distance": None, "trace": []}]


def test_saved_records_read_back_with_their_stamp(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["bench.py", "--seeds", "0 1", "--out", "x.json"])
    monkeypatch.setattr(sys.modules["__main__"], "__spec__", None)
    path = tmp_path / "deeper" / "results.json"
    common.save_results(str(path), RECORDS)
    stamp, records = common.read_results(str(path))
    assert records == RECORDS
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True).stdout.strip()
    assert stamp["commit"] == (head or None)
    assert isinstance(stamp["dirty"], bool) or stamp["commit"] is None
    import importlib.metadata

    for package in ("vagan_tf", "tensorflow", "keras", "tensorflow-probability"):
        assert stamp["versions"][package] == importlib.metadata.version(package)
    assert stamp["cpu"] and stamp["cpu_count"] >= 1
    # the command line as typed, quoted so that a shell splits it back the same way
    assert stamp["command"].endswith("bench.py --seeds '0 1' --out x.json")
    assert stamp["date"].endswith("+00:00")
    assert common.load_results([str(path)]) == RECORDS


def test_a_script_run_as_a_module_is_stamped_with_its_module_name(monkeypatch, tmp_path):
    spec = types.SimpleNamespace(name="benchmarks.toy_quality")
    monkeypatch.setattr(sys.modules["__main__"], "__spec__", spec)
    monkeypatch.setattr(sys, "argv", ["/repo/benchmarks/toy_quality.py", "--data", "ring"])
    path = tmp_path / "results.json"
    common.save_results(str(path), RECORDS)
    stamp, _ = common.read_results(str(path))
    assert stamp["command"].split()[1:] == ["-m", "benchmarks.toy_quality", "--data", "ring"]


def test_unstamped_lists_and_stamped_files_load_together(monkeypatch, tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps(RECORDS[:1]))
    new = tmp_path / "new.json"
    common.save_results(str(new), RECORDS[1:])
    assert common.read_results(str(old)) == (None, RECORDS[:1])
    assert common.load_results([str(old), str(new)]) == RECORDS
    one = tmp_path / "one.json"
    one.write_text(json.dumps(RECORDS[0]))
    assert common.read_results(str(one)) == (None, RECORDS[0])
    single = tmp_path / "single.json"
    common.save_results(str(single), {"dim": 30, "records": [1, 2]})
    assert common.load_results([str(single)]) == [{"dim": 30, "records": [1, 2]}]


def test_the_threads_tensorflow_runs_with_are_stamped(monkeypatch):
    import tensorflow as tf

    stamp = common.provenance()
    assert stamp["threads"] == {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                                "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}


def test_a_file_that_is_not_results_is_refused_by_name(monkeypatch, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps("energy distance 0.01"))
    with pytest.raises(ValueError, match="notes.json: not a results file"):
        common.read_results(str(path))


def test_save_results_without_a_path_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    common.save_results(None, RECORDS)
    assert list(tmp_path.iterdir()) == []
