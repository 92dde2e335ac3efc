"""Predictions of inputs that share a name never overwrite each other."""

from __future__ import annotations


import numpy as np
from PIL import Image

from seglab.cli import main
from seglab.inference.files import output_names


def test_unique_stems_stay_plain(tmp_path):
    files = [tmp_path / "a" / "x.png", tmp_path / "b" / "y.png"]
    assert output_names(files) == {files[0]: "x", files[1]: "y"}


def test_shared_stems_keep_their_folders_and_suffixes(tmp_path):
    files = [tmp_path / "a" / "x.png", tmp_path / "b" / "x.png", tmp_path / "b" / "x.jpg", tmp_path / "b" / "z.png"]
    assert output_names(files) == {files[0]: "a/x", files[1]: "b/x_png", files[2]: "b/x_jpg", files[3]: "z"}


def test_predict_writes_both_of_two_same_named_images(trained_run, tmp_path):
    images = []
    for folder, value in (("a", 30), ("b", 220)):
        path = tmp_path / folder / "x.png"
        path.parent.mkdir()
        Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(path)
        images.append(path)
    out = tmp_path / "out"
    assert main(["predict", str(trained_run), *map(str, images), "--out", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*_mask.png")) == ["a/x_mask.png", "b/x_mask.png"]


def test_inputs_whose_outputs_land_on_one_path_are_refused_before_any_is_written(trained_run, tmp_path, capsys):
    """An image `case.png` and nnU-Net's `case_0000` ... `case_0002` volumes, written as one case
    `case`: the image was predicted and written, and the case refused when it was reached. Every
    output path is now claimed once the inputs are listed, so the refusal writes nothing."""
    from ..data.test_volumes import save  # type: ignore[import-not-found]

    image = tmp_path / "images" / "case.png"
    image.parent.mkdir()
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(image)
    for channel in range(3):
        save(tmp_path / "volumes" / f"case_000{channel}.nii.gz", np.full((32, 32, 2), 50.0 * channel, np.float32))
    out = tmp_path / "out"
    assert main(["predict", str(trained_run), str(image), str(tmp_path / "volumes"), "--out", str(out),
                 "--no-progress"]) == 2
    assert "case_0000.nii.gz' would be written as" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
