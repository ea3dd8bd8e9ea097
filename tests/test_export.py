"""SavedModel export: endpoints, loading without vagan_tf, and atomic writes."""
import os
import stat
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf.models import AnnealedGAN
from vagan_tf.nets import mlp_critic, mlp_generator
from vagan_tf.run.export import export_generator, write_atomically

from helpers import load_and_sample_without_vagan_tf

REWRITES = 30


def small_gan():
    return AnnealedGAN(mlp_generator(3, 2, width=8, depth=1), mlp_critic(2, 8, depth=1), 3, seed=0)


@pytest.mark.slow
def test_export_serves_the_generator_and_samples_in_a_process_without_vagan_tf(tmp_path):
    gan = small_gan()
    path = export_generator(gan, str(tmp_path / "export"))
    loaded = tf.saved_model.load(path)
    z = tf.random.normal((5, 3))
    np.testing.assert_allclose(loaded.serve(z), gan.generator(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.signatures["serving_default"](z=z)["output_0"],
                               gan.generator(z), rtol=1e-5, atol=1e-6)
    samples = load_and_sample_without_vagan_tf(path)
    assert samples.shape == (1000, 2) and samples.dtype == np.float32
    assert np.std(samples) > 0


def test_failed_write_keeps_the_old_directory_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "export"
    write_atomically(lambda tmp: open(os.path.join(tmp, "v1"), "w").close(), str(target))

    def broken(tmp):
        open(os.path.join(tmp, "half"), "w").close()
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(broken, str(target))
    assert os.listdir(target) == ["v1"]
    assert sorted(os.listdir(tmp_path)) == ["export", "exports"]
    assert len(os.listdir(tmp_path / "exports")) == 1


def test_rewrite_replaces_the_old_directory_whole(tmp_path):
    target = tmp_path / "export"
    write_atomically(lambda tmp: open(os.path.join(tmp, "v1"), "w").close(), str(target))
    write_atomically(lambda tmp: open(os.path.join(tmp, "v2"), "w").close(), str(target))
    write_atomically(lambda tmp: open(os.path.join(tmp, "v3"), "w").close(), str(target))
    assert os.listdir(target) == ["v3"]
    assert sorted(os.listdir(tmp_path)) == ["export", "exports"]
    assert len(os.listdir(tmp_path / "exports")) == 2  # the current and the one it replaced


def test_export_modes_are_those_of_the_run_and_leftovers_are_removed(tmp_path):
    target = tmp_path / "export"
    os.makedirs(tmp_path / "exports" / "unfinished")  # a version whose writer died
    os.symlink("unfinished", tmp_path / "exports" / ".link-abc")  # a link never renamed
    old_umask = os.umask(0o022)
    try:
        write_atomically(lambda tmp: os.makedirs(os.path.join(tmp, "variables")), str(target))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(target / "variables").st_mode) == 0o755
    assert sorted(os.listdir(tmp_path)) == ["export", "exports"]
    assert os.listdir(tmp_path / "exports") == [os.path.basename(os.readlink(target))]


def test_a_reader_always_finds_a_complete_export_while_it_is_rewritten(tmp_path):
    """Each version holds two files; during 30 rewrites (each followed by at least one read, so
    at least 30 reads) a reader that resolves the path once always finds a version there, and
    reads both files of one version from it."""
    target = tmp_path / "export"

    def write(version):
        def files(tmp):
            for name in ("saved_model.pb", "fingerprint.pb"):
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(str(version))
        return files

    write_atomically(write(0), str(target))
    seen, done = [], threading.Event()

    def read():
        while not done.is_set():
            if not os.path.isdir(target):  # no export at the path: the swap was not atomic
                seen.append(False)
                continue
            version = os.path.realpath(target)
            try:
                contents = {open(os.path.join(version, n)).read()
                            for n in ("saved_model.pb", "fingerprint.pb")}
            except FileNotFoundError:  # this reader fell two versions behind: look again
                continue
            seen.append(len(contents) == 1)  # both files of one version

    reader = threading.Thread(target=read)
    reader.start()
    for version in range(1, REWRITES + 1):
        write_atomically(write(version), str(target))
        reads, deadline = len(seen), time.monotonic() + 30
        while len(seen) == reads and time.monotonic() < deadline:  # a read before the next one
            time.sleep(1e-4)
    done.set()
    reader.join()
    assert len(seen) >= REWRITES and all(s is True for s in seen)
