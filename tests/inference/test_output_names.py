"""Predictions of inputs that share a name never overwrite each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.errors import DataError
from seglab.inference.files import channel_images, output_names, predict_files
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Prediction

from .test_stack_predict import PageThreshold


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


class ChannelThreshold(PageThreshold):
    """The stand-in threshold model of nnU-Net 2-D channel files `_0000` and `_0001`, recording what it predicts."""

    channel_files = ("0000", "0001")
    in_channels = 2
    image_half = None
    frame = None

    def __init__(self) -> None:
        self.seen: list[tuple[int, ...]] = []

    def predict(self, image: np.ndarray) -> Prediction:
        self.seen.append(image.shape)
        return super().predict(image)


def _channel_pairs(folder: Path) -> list[Path]:
    """Two nnU-Net 2-D cases of two channel files each, and one PNG alone."""
    folder.mkdir()
    files = [folder / f"{case}_{channel}.png" for case in ("a", "b") for channel in ("0000", "0001")]
    for path in [*files, folder / "c.png"]:
        Image.fromarray(np.full((8, 8), 200, np.uint8)).save(path)
    return [*files, folder / "c.png"]


def test_claim_all_gives_each_input_its_base_and_refuses_a_taken_one(tmp_path: Path) -> None:
    bases = OutputBases()
    first, second = tmp_path / "a.png", tmp_path / "b" / "a.png"
    assert bases.claim_all(tmp_path / "out", {first: "a"}) == {first: tmp_path / "out" / "a"}
    assert bases.claim_all(tmp_path / "out", {first: "a"}) == {first: tmp_path / "out" / "a"}  # its own again
    with pytest.raises(DataError, match=r"b/a.png' would be written as '.*out/a_\*', as '.*/a.png' already is"):
        bases.claim_all(tmp_path / "out", {second: "a"})


def test_predict_files_reads_images_grouped_by_its_caller_as_it_groups_their_files(tmp_path: Path) -> None:
    """`seglab predict` groups the channel files once and hands predict_files the groups: the same
    outputs, each case's channel files one image, as from the files themselves."""
    files = _channel_pairs(tmp_path / "in")
    model, grouped = ChannelThreshold(), ChannelThreshold()
    written = predict_files(model, files, tmp_path / "files", progress=False)
    again = predict_files(grouped, channel_images(files, grouped.channel_files), tmp_path / "groups", progress=False)
    assert [w.mask.relative_to(tmp_path / "files") for w in written] == \
        [w.mask.relative_to(tmp_path / "groups") for w in again] == [Path("a_mask.png"), Path("b_mask.png"),
                                                                     Path("c_mask.png")]
    assert model.seen == grouped.seen == [(8, 8, 2), (8, 8, 2), (8, 8, 1)]


def test_an_image_whose_name_a_caller_claimed_for_another_input_is_refused_with_nothing_written(
        tmp_path: Path) -> None:
    """A library caller's `bases` holding a volume's `a` refuses the image `a.png` before any image is
    predicted, `b.png` (first in order) included."""
    images = tmp_path / "in"
    images.mkdir()
    for name in ("b.png", "a.png"):
        Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(images / name)
    bases = OutputBases()
    bases.claim_all(tmp_path / "out", {tmp_path / "a.nii.gz": "a"})
    with pytest.raises(DataError, match=r"a.png' would be written as"):
        predict_files(PageThreshold(), [images / "b.png", images / "a.png"], tmp_path / "out", progress=False,
                      bases=bases)
    assert not (tmp_path / "out").exists()
