"""The BOP format as its pose datasets ship it (YCB-V, T-LESS, LM-O): a 0/255 visible mask per object
instance, painted with the object's id from the scene's scene_gt.json; splits from the split
folders, each scene a group. Before, the instance masks' namings were offered as classes
(`--mask-pattern '{stem}_000000.png'`, or one channel per instance with `--task multilabel`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.classes.mapping import MaskMapping
from seglab.errors import DataError

SIZE = (12, 16)
BOXES = ((slice(0, 4), slice(0, 5)), (slice(6, 12), slice(8, 16)), (slice(5, 9), slice(0, 4)))


def scene(folder: Path, objects: dict[int, tuple[int, ...]], extension: str = ".png") -> None:
    """A BOP scene: rgb/<im>, 16-bit depth/<im>.png, mask/ and mask_visib/<im>_<gt>.png, scene_gt.json."""
    rng = np.random.default_rng(len(str(folder)))
    gt = {}
    for im, ids in objects.items():
        for sub in ("rgb", "depth", "mask", "mask_visib"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (*SIZE, 3), dtype=np.uint8)).save(folder / "rgb" / f"{im:06d}{extension}")
        Image.fromarray(rng.integers(300, 2000, SIZE).astype(np.uint16)).save(folder / "depth" / f"{im:06d}.png")
        for k, _ in enumerate(ids):
            on = np.zeros(SIZE, np.uint8)
            on[BOXES[k]] = 255
            for sub in ("mask", "mask_visib"):
                Image.fromarray(on).save(folder / sub / f"{im:06d}_{k:06d}.png")
        gt[str(im)] = [{"cam_R_m2c": [1, 0, 0, 0, 1, 0, 0, 0, 1], "cam_t_m2c": [0, 0, 800], "obj_id": i} for i in ids]
    (folder / "scene_gt.json").write_text(json.dumps(gt))
    (folder / "scene_camera.json").write_text(json.dumps({str(im): {"depth_scale": 0.1} for im in objects}))


def ycbv(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "models" / "models_info.json").write_text(json.dumps({str(k): {"diameter": 100.0} for k in range(1, 22)}))
    scene(root / "train_pbr" / "000000", {0: (1, 5), 1: (5, 14, 1)}, ".jpg")
    scene(root / "train_pbr" / "000001", {0: (2,), 1: (2, 21)}, ".jpg")
    scene(root / "test" / "000048", {0: (14, 2), 1: (1,)})
    return root


def test_instance_masks_are_painted_with_their_objects_ids(tmp_path):
    index = discover(ycbv(tmp_path / "ycbv"))
    assert index.format == "bop" and len(index.pairs) == 6 and not index.problems
    assert index.classes.names[0] == "background" and len(index.classes.names) == 22  # models_info's 21 objects
    by_name = {p.name: p for p in index.pairs}
    pair = by_name["train_pbr_000000_000001"]
    mask = read_mask(pair.masks, index.mapping)
    expected = np.zeros(SIZE, np.int64)
    for box, obj in zip(BOXES, (5, 14, 1)):
        expected[box] = obj
    np.testing.assert_array_equal(mask, expected)
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping  # as a run's config keeps it
    assert not [p for p in index.ignored if "mask_visib" in p.parts] and any("depth" in p.parts for p in index.ignored)


def test_split_folders_give_the_splits_and_scenes_the_groups(tmp_path):
    index = discover(ycbv(tmp_path / "bop" / "ycbv").parent)
    assert {p.name: (p.split, p.group) for p in index.pairs if p.name.endswith("_000000")} == {
        "ycbv_train_pbr_000000_000000": ("train", "ycbv/train_pbr/000000"),
        "ycbv_train_pbr_000001_000000": ("train", "ycbv/train_pbr/000001"),
        "ycbv_test_000048_000000": ("test", "ycbv/test/000048")}


def test_scenes_without_visible_masks_name_the_toolkit_script(tmp_path):
    root = ycbv(tmp_path / "ycbv")
    for mask in (root / "test" / "000048" / "mask_visib").iterdir():
        mask.unlink()
    (root / "test" / "000048" / "mask_visib").rmdir()
    with pytest.raises(DataError, match="calc_gt_masks.py"):
        discover(root)


def test_a_frame_listing_no_instance_is_unlabelled(tmp_path):
    """A frame whose scene_gt.json list is empty has no mask_visib/ file to read: it is left
    unlabelled, where its pair took the first of no masks (an IndexError)."""
    root = ycbv(tmp_path / "ycbv")
    scene(root / "test" / "000049", {0: (), 1: (3,)})
    index = discover(root)
    assert len(index.pairs) == 7 and [p.name for p in index.unlabelled] == ["000000.png"]


def test_a_scene_given_as_data_names_its_pairs_as_in_its_split(tmp_path):
    """`seglab inspect ycbv/test/000048`: the scene's pairs were named `._000000`, as macOS'
    AppleDouble files are (left out of listings), grouped as `.`."""
    root = ycbv(tmp_path / "ycbv")
    index = discover(root / "test" / "000048")
    assert sorted((p.name, p.split, p.group) for p in index.pairs) == [
        ("000048_000000", "test", "000048"), ("000048_000001", "test", "000048")]
