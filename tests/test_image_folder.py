"""The image-folder dataset: PNGs written here, read back cropped and resized as the tfds
loaders do, resumable, its one-line errors, and a `vagan train` run on a folder."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from vagan_tf import cli
from vagan_tf.config.checks import ConfigurationError
from vagan_tf.data import ImageFolder

from helpers import load_and_sample_without_vagan_tf


def write_pngs(folder, images):
    """Writes uint8 images [n, h, w, c] as folder/img_<i>.png; returns folder."""
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        with open(os.path.join(folder, f"img_{i}.png"), "wb") as handle:
            handle.write(tf.io.encode_png(image).numpy())
    return folder


@pytest.fixture
def faces(tmp_path):
    """Six 22 x 18 colour images (taller than wide, as CelebA's) and their folder."""
    images = np.random.default_rng(0).integers(0, 256, (6, 22, 18, 3), dtype=np.uint8)
    return images, str(write_pngs(tmp_path / "faces", images))


def expected(images):
    """The central 18 x 18 square, its central 16 x 16 window, 2 x 2 area means, in [-1, 1]."""
    window = images[:, 2 + 1:2 + 17, 1:17].astype(np.float64)  # rows 2..20 square, then 1..17
    blocks = window.reshape(len(images), 8, 2, 8, 2, 3).mean(axis=(2, 4))
    return blocks / 127.5 - 1.0


def test_images_are_squared_cropped_and_area_resized_like_the_tfds_loaders(faces):
    images, folder = faces
    stream = ImageFolder(folder, resolution=8, load_size=18, crop=16, shuffle_buffer=1)
    batches = [b.numpy() for b in stream(batch_size=3, start=0).take(2)]
    assert batches[0].dtype == np.float32 and batches[0].shape == (3, 8, 8, 3)
    np.testing.assert_allclose(np.concatenate(batches), expected(images), atol=1e-5)


def test_smaller_images_are_padded_with_the_background_and_grey_has_one_channel(faces):
    _, folder = faces
    [batch] = ImageFolder(folder, resolution=12, channels=1, load_size=8)(batch_size=2).take(1)
    assert batch.shape == (2, 12, 12, 1)
    np.testing.assert_array_equal(batch[:, :2], -1.0)  # 2 rows of padding above, 2 below
    np.testing.assert_array_equal(batch[:, :, -2:], -1.0)
    assert np.all(batch[:, 2:10, 2:10] > -1.0 - 1e-6) and np.all(batch <= 1.0)


def test_subfolders_are_read_the_stream_is_shuffled_and_resumes_at_start(faces, tmp_path):
    images, folder = faces
    write_pngs(os.path.join(folder, "more"), images[:2] // 2)
    stream = ImageFolder(folder, resolution=6, seed=3)
    assert len(stream.files) == 8
    epoch = np.concatenate([b.numpy() for b in stream(batch_size=4).take(2)])
    assert len({row.tobytes() for row in epoch}) == 8  # every image once per epoch
    unshuffled = np.concatenate([b.numpy() for b in ImageFolder(
        folder, resolution=6, shuffle_buffer=1)(batch_size=4).take(2)])
    assert not np.array_equal(epoch, unshuffled)
    run = [b.numpy() for b in stream(batch_size=4).take(7)]
    resumed = [b.numpy() for b in stream(batch_size=4, start=3).take(4)]
    np.testing.assert_array_equal(np.stack(run[3:]), np.stack(resumed))


def _one_line(error):
    """The error's own line (gin adds one naming the configurable when it is called directly)."""
    message = str(error.value).splitlines()[0]
    assert message.startswith("image_folder.")
    return message


def test_a_missing_empty_or_imageless_folder_is_one_line_naming_it(tmp_path):
    for path, named in [(tmp_path / "nowhere", "is not a folder"),
                        (tmp_path / "empty", "no image files"),
                        (tmp_path / "notes", "no image files")]:
        if path.name != "nowhere":
            path.mkdir()
        if path.name == "notes":
            (path / "readme.txt").write_text("not an image")
        with pytest.raises(ConfigurationError) as error:
            ImageFolder(str(path))
        message = _one_line(error)
        assert named in message and str(path) in message
    (tmp_path / "file.png").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="is not a folder"):
        ImageFolder(str(tmp_path / "file.png"))


def test_an_undecodable_or_unreadable_folder_is_one_line_naming_it(tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"these bytes are no PNG")
    with pytest.raises(ConfigurationError) as error:
        ImageFolder(str(broken))
    assert "is not a decodable image" in _one_line(error) and "a.png" in str(error.value)

    locked = write_pngs(tmp_path / "locked", np.zeros((1, 4, 4, 3), np.uint8))
    scandir = os.scandir

    def refuse(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(ConfigurationError) as error:
        ImageFolder(str(locked))
    assert _one_line(error) == f"image_folder.directory: cannot read {locked}: Permission denied"


def test_bad_sizes_and_channels_are_one_line_naming_the_binding(faces):
    _, folder = faces
    for kwargs, named in [({"channels": 4}, "image_folder.channels"),
                          ({"resolution": 0}, "image_folder.resolution"),
                          ({"load_size": 8, "crop": 9}, "image_folder.crop (9) exceeds")]:
        with pytest.raises(ConfigurationError, match=named.replace("(", r"\(").replace(")", r"\)")):
            ImageFolder(folder, **kwargs)


TINY_IMAGES = ["WIDTH = 4", "LATENT_DIM = 8", "BATCH_SIZE = 4", "TOTAL_STEPS = 2",
               "STEPS_PER_EPOCH = 1", "SampleGrid.every_steps = 1", "SampleGrid.num_images = 4",
               "GANExperiment.eval_samples = 4", "GANExperiment.verbose = 0"]


def _train_args(model_dir, folder):
    args = ["train", "--model_dir", str(model_dir)]
    for f in ["folder/base.gin", "images/jsd.gin", "images/none.gin"]:
        args += ["--gin_file", f]
    for p in TINY_IMAGES + [f"image_folder.directory = '{folder}'"]:
        args += ["--gin_param", p]
    return args


@pytest.mark.slow
def test_vagan_train_on_a_folder_of_pngs_writes_a_run_that_samples_images(faces, tmp_path):
    images, _ = faces
    folder = write_pngs(tmp_path / "big", np.repeat(images, 2, axis=1)[:, :40, :36])  # 40 x 36
    model_dir = tmp_path / "run"
    cli.main(_train_args(model_dir, folder))
    records = json.loads((model_dir / "metrics.json").read_text())
    assert [r["step"] for r in records] == [1, 2]
    assert (model_dir / "samples.png").exists()
    samples = load_and_sample_without_vagan_tf(str(model_dir / "export"), n=16)
    assert samples.shape == (16, 32, 32, 3)
    assert np.all(np.abs(samples) <= 1.0)


def test_vagan_train_on_an_empty_folder_stops_in_one_line_before_writing(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    model_dir = tmp_path / "run"
    with pytest.raises(SystemExit) as error:
        cli.main(_train_args(model_dir, tmp_path / "empty"))
    assert "image_folder.directory: no image files" in str(error.value)
    assert "\n" not in str(error.value).strip()
    assert not model_dir.exists() or not os.listdir(model_dir)
