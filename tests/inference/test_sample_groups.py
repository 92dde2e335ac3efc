"""HDF5 files of a sample per group (ChaBuD's `train_eval.hdf5`) predicted group by group, each
group's image read as training read it, into a mask per group named by the group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_image
from seglab.errors import DataError
from seglab.inference.loading import load_segmenter

from ..data.test_array_stacks import H, W, chabud  # type: ignore[import-not-found]
from ..data.test_multichannel import TINY  # type: ignore[import-not-found]


def test_a_file_of_a_sample_per_group_is_predicted_a_mask_per_group_named_by_it(tmp_path: Path) -> None:
    """A run trained on ChaBuD's `train_eval.hdf5` (each group's `post_fire`, 12 bands) could not
    predict it: 'holds 17 datasets ... and none is named image'. Each group is one image, its
    `post_fire` read as training read it (`pre_fire`, which some groups lack, is not), its outputs
    named by the group; `--rle-csv` names each row by its group too."""
    path = tmp_path / "chabud" / "train_eval.hdf5"
    groups = list(chabud(path, pre_fire=range(1, 6)))
    run = tmp_path / "run"
    assert main(["train", str(path.parent), "--out", str(run), *TINY]) == 0
    out, table = tmp_path / "pred", tmp_path / "pred.csv"
    assert main(["predict", str(run), str(path), "--out", str(out), "--no-progress", "--rle-csv", str(table)]) == 0
    assert sorted(p.name for p in out.glob("*_mask.png")) == sorted(f"{group}_mask.png" for group in groups)
    predictor = load_segmenter([str(run)], "cpu")
    trained = {pair.name.removeprefix("train_eval_"): pair.image for pair in discover(path.parent).pairs}
    for group in groups:
        expected = predictor.predict(read_image(trained[group])).mask
        assert expected.shape == (H, W)
        np.testing.assert_array_equal(np.asarray(Image.open(out / f"{group}_mask.png")), expected)
    assert {line.split(",")[0] for line in table.read_text().splitlines()[1:]} <= set(groups)


def test_a_file_whose_every_group_holds_two_images_names_the_flag_that_records_the_one_read(tmp_path: Path) -> None:
    """Every group holding `pre_fire` and `post_fire`: the run must say which it read (`--images`)."""
    from seglab.inference.sample_groups import sample_files

    path = tmp_path / "train_eval.hdf5"
    chabud(path)
    with pytest.raises(DataError, match=r"train_eval.hdf5' keeps a sample per group, and every group holds "
                                        r"'mask', 'post_fire', 'pre_fire': 'post_fire' and 'pre_fire' could each be "
                                        r"the image.*train with --images post_fire"):
        sample_files([path])
    [found] = sample_files([path], images="pre_fire")
    assert found.datasets == ("pre_fire",) and len(found.sources()) == 6


def test_a_run_of_stacked_datasets_predicts_them_stacked_from_the_groups_holding_them_all(tmp_path: Path) -> None:
    """A run trained with `--bands pre_fire,post_fire` (each image the two datasets of its group,
    stacked) read only `post_fire` at predict, a model of 4 channels fed 2. Each group holding both
    is predicted from both, in that order, as training read it; the groups lacking `pre_fire`,
    which training left out, are not predicted."""
    path = tmp_path / "chabud" / "train_eval.hdf5"
    groups = list(chabud(path, pre_fire=range(1, 6), bands=2))
    run = tmp_path / "run"
    assert main(["train", str(path.parent), "--bands", "pre_fire,post_fire", "--out", str(run), *TINY]) == 0
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(path), "--out", str(out), "--no-progress"]) == 0
    assert sorted(p.name for p in out.glob("*_mask.png")) == sorted(f"{group}_mask.png" for group in groups[1:])
    predictor = load_segmenter([str(run)], "cpu")
    trained = {pair.name.removeprefix("train_eval_"): pair.image
               for pair in discover(path.parent, bands=("pre_fire", "post_fire")).pairs}
    for group in groups[1:]:
        image = read_image(trained[group])
        assert image.shape == (H, W, 4)
        np.testing.assert_array_equal(np.asarray(Image.open(out / f"{group}_mask.png")), predictor.predict(image).mask)
