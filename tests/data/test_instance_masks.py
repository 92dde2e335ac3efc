"""Instance masks: label masks whose values number objects (1, 2, 3, ... per image), as Cellpose's
`000_img.png` + `000_masks.png` and the Cell Tracking Challenge's `01/t000.tif` +
`01_ST/SEG/man_seg000.tif` ship them. Read as classes they make one class per object; seglab
warns (`instance-ids`) and `--instance-masks` reads them as background and object.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data import discover, inspect_dataset, read_image, read_mask
from seglab.data.classes.mapping import MaskMapping
from seglab.data.encodings.mask_sample import sample_masks
from seglab.errors import ConfigError, DataError

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]


def objects(seed: int, count: int, size: tuple[int, int] = (48, 64)) -> np.ndarray:
    """An instance mask: `count` separate 4x4 objects numbered 1..count (uint16, as tools save them)."""
    mask = np.zeros(size, np.uint16)
    cells = np.random.default_rng(seed).permutation((size[0] // 6) * (size[1] // 6))[:count]
    for number, cell in enumerate(cells, start=1):
        y, x = divmod(int(cell), size[1] // 6)
        mask[6 * y + 1 : 6 * y + 5, 6 * x + 1 : 6 * x + 5] = number
    return mask


def cellpose(root: Path) -> dict[str, np.ndarray]:
    masks = {}
    for split, numbers in (("train", range(5)), ("test", range(100, 102))):
        for i in numbers:
            save(root / split / f"{i:03d}_img.png", photo(i, (48, 64)))
            masks[f"{i:03d}_img"] = save_mask(root / split / f"{i:03d}_masks.png", objects(i, 12 + 3 * (i % 100)))
    return masks


def save_mask(path: Path, mask: np.ndarray) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask).save(path)
    return mask


def test_cellpose_pairs_side_by_side_and_warns_of_object_numbers(tmp_path):
    masks = cellpose(tmp_path)
    index = discover(tmp_path)
    assert len(index.pairs) == 7 and {p.split for p in index.pairs} == {"train", "test"}
    assert all(p.mask.name == p.image.name.replace("_img", "_masks") for p in index.pairs)
    found = [p for p in index.problems if p.code == "instance-ids"]
    assert len(found) == 1 and "--instance-masks" in found[0].message

    index = discover(tmp_path, instance_masks=True)
    assert index.classes.names == ("background", "object") and not index.problems
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), (masks[pair.name] > 0).astype(np.int64))


def test_cell_tracking_challenge_silver_truth_with_many_objects_warns(tmp_path):
    for t in range(3):
        save(tmp_path / "01" / f"t{t:03d}.tif", photo(t, (48, 64))[..., 0])
        save_mask(tmp_path / "01_ST" / "SEG" / f"man_seg{t:03d}.tif", objects(t, 60 - t)[:, ::-1])
    index = discover(tmp_path, images="01", masks="01_ST/SEG")
    assert len(index.pairs) == 3 and [p.code for p in index.problems] == ["instance-ids"]
    assert "60 values in this mask, each one region" in index.problems[0].message


def ctc_z_stacks(root: Path) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """The Cell Tracking Challenge's 3-D sets (Fluo-N3DH-CHO): `01/t000.tif` a Z stack beside its 3-D
    silver truth `01_ST/SEG/man_seg000.tif`, and the gold truth of single planes,
    `01_GT/SEG/man_seg_001_002.tif` plane 2 of `t001.tif`; (frame, plane) -> (image, objects)."""
    planes = {(t, z): (photo(10 * t + z, (48, 64))[..., 0], objects(10 * t + z, 3 + z))
              for t in range(3) for z in range(4)}
    for t in range(3):
        for folder, name, k in (("01", "t", 0), ("01_ST/SEG", "man_seg", 1)):
            (root / folder).mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(root / folder / f"{name}{t:03d}.tif", np.stack([planes[t, z][k] for z in range(4)]),
                             imagej=True, metadata={"axes": "ZYX"})
    for t, z in ((1, 2), (1, 3), (2, 0)):
        save_mask(root / "01_GT" / "SEG" / f"man_seg_{t:03d}_{z:03d}.tif", planes[t, z][1])
    return planes


def test_cell_tracking_challenge_z_stacks_pair_page_by_page_with_their_silver_truth(tmp_path):
    """The route the refusal offered, `--masks '*_ST/SEG' --instance-masks`, read each stack's first
    page alone (a `multi-page` warning each, the masks of a plane above the cells all empty)."""
    planes = ctc_z_stacks(tmp_path)
    silver = inspect_dataset(tmp_path, masks="*_ST/SEG", instance_masks=True)
    assert [p.code for p in silver.problems] == [] and len(silver.index.pairs) == 12
    for pair in silver.index.pairs:
        t, z = int(pair.name[1:4]), int(pair.name[-1])  # t001_00002: page 2 of t001.tif
        np.testing.assert_array_equal(read_image(pair.image)[..., 0], planes[t, z][0])
        np.testing.assert_array_equal(read_mask(pair.masks, silver.index.mapping), planes[t, z][1] > 0)
        assert pair.sources == {pair.image: f"page {z} of '{tmp_path / '01' / f't{t:03d}.tif'}'",
                                pair.mask: f"page {z} of '{tmp_path / '01_ST' / 'SEG' / f'man_seg{t:03d}.tif'}'"}
    assert {p.group for p in silver.index.pairs} == {"01/t000", "01/t001", "01/t002"}  # a stack's planes never split


def test_cell_tracking_challenge_gold_planes_pair_with_the_page_they_name(tmp_path):
    """`man_seg_001_002.tif` paired with nothing, or by its last number with `t002.tif`."""
    planes = ctc_z_stacks(tmp_path)
    with pytest.raises(DataError, match=r"01_GT/SEG/: 3 pairs by the stack's number, then the plane's"):
        discover(tmp_path)
    gold = inspect_dataset(tmp_path, masks="*_GT/SEG", instance_masks=True)
    assert sorted(p.name for p in gold.index.pairs) == ["t001_00002", "t001_00003", "t002_00000"]
    for pair in gold.index.pairs:
        t, z = int(pair.name[1:4]), int(pair.name[-1])
        np.testing.assert_array_equal(read_image(pair.image)[..., 0], planes[t, z][0])
        np.testing.assert_array_equal(read_mask(pair.masks, gold.index.mapping), planes[t, z][1] > 0)
        assert pair.sources == {pair.image: f"page {z} of '{tmp_path / '01' / f't{t:03d}.tif'}'"}  # the mask shipped
    assert [p.message for p in gold.problems] == [
        "image has no mask (expected a mask of one of its planes, numbered 0 and the plane, in 01_GT/SEG/)"]


def test_glas_glands_numbered_per_image_warn_however_few(tmp_path):
    """GlaS: `train_1.bmp` + `train_1_anno.bmp`, each gland its own number; a subset of 1 to 3
    glands per image was read as 4 classes with no warning."""
    for i in range(6):
        save(tmp_path / f"train_{i + 1}.bmp", photo(i, (48, 64)))
        save_mask(tmp_path / f"train_{i + 1}_anno.bmp", objects(i, 1 + i % 3).astype(np.uint8))
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and [p.code for p in index.problems] == ["instance-ids"]


def ships(count: int) -> np.ndarray:
    """An HRSC2016 `Segmentations/` mask: ships numbered 1..count, each under a row of 255 (void)."""
    mask = np.zeros((36, 48), np.uint8)
    for number in range(1, count + 1):
        y, x = 10 * number - 6, 3 + 3 * number
        mask[y : y + 6, x : x + 20] = number
        mask[y - 1, x : x + 20] = 255
    return mask


def test_objects_numbered_inside_a_void_border_warn_and_the_border_stays_void(tmp_path):
    """HRSC2016 numbers its ships 1..n inside a 255 void border (as VOC's SegmentationObject):
    ships 1..3 were read as 3 classes with no `instance-ids` warning, 255 spoiling the count 1..n
    and the one region of each value; and `--instance-masks --ignore-index 255` read the border
    as object, ignoring no pixel."""
    for i in range(6):
        save(tmp_path / "AllImages" / f"{i}.bmp", photo(i, (36, 48)))
        save_mask(tmp_path / "Segmentations" / f"{i}.png", ships(1 + i % 3))
    assert [p.code for p in discover(tmp_path).problems] == ["instance-ids"]
    index = discover(tmp_path, instance_masks=True, ignore_index=255)
    expected = np.zeros((36, 48), np.int64)  # mask 1.png: two ships, each under its border row
    expected[4:10, 6:26] = expected[14:20, 9:29] = 1
    expected[3, 6:26] = expected[13, 9:29] = 255
    np.testing.assert_array_equal(read_mask(tmp_path / "Segmentations" / "1.png", index.mapping), expected)


def test_object_numbers_stored_as_floats_warn(tmp_path):
    """Float masks of whole numbers (HoVer-Net's float64 `inst_map`, saved here as .npy) were never
    counted: only integer masks were, and 58 nuclei read as 58 classes with no warning; values
    that are not whole numbers are no object numbers and stay uncounted."""
    (tmp_path / "masks").mkdir()
    for i in range(4):
        save(tmp_path / "images" / f"{i}.png", photo(i, (48, 64)))
        np.save(tmp_path / "masks" / f"{i}.npy", objects(i, 30 + i).astype(np.float32 if i % 2 else np.float64))
    index = discover(tmp_path)
    assert len(index.pairs) == 4 and [p.code for p in index.problems] == ["instance-ids"]
    assert "33 values in this mask, each one region" in index.problems[0].message
    np.save(tmp_path / "masks" / "soft.npy", objects(0, 30) / 7)
    assert (tmp_path / "masks" / "soft.npy") not in sample_masks(sorted((tmp_path / "masks").glob("*.npy"))).regions


def test_class_masks_with_one_region_per_class_are_not_taken_for_objects(tmp_path):
    """Face-parsing-like masks: 12 classes, each one region, but not numbered 1..n in each mask
    (a class absent leaves a gap); street-like masks whose classes lie in several places; and
    trimaps, 1..3 in every mask."""
    for i in range(6):
        save(tmp_path / "faces" / "images" / f"{i}.png", photo(i, (48, 64)))
        parts = objects(i, 14)
        parts[parts == 1 + i % 5] = 0  # one class missing in each face
        save_mask(tmp_path / "faces" / "masks" / f"{i}.png", parts.astype(np.uint8))
        save(tmp_path / "streets" / "images" / f"{i}.png", photo(i, (48, 64)))
        save_mask(tmp_path / "streets" / "masks" / f"{i}.png", (objects(i, 40) % 12).astype(np.uint8))
        save(tmp_path / "trimaps" / "images" / f"{i}.png", photo(i, (48, 64)))
        trimap = np.ones((48, 64), np.uint8)  # Oxford Pet: 1 pet, 2 background, 3 border, each one region
        trimap[:, 40:] = 2
        trimap[:, 38:40] = 3
        save_mask(tmp_path / "trimaps" / "masks" / f"{i}.png", trimap)
    for name in ("faces", "streets", "trimaps"):
        index = discover(tmp_path / name)
        assert not [p for p in index.problems if p.code == "instance-ids"], name


def test_organ_classes_in_a_few_counts_and_one_past_a_gap_are_not_taken_for_objects(tmp_path):
    """MedSAM's FLARE22 slices (`gts/CT_Abd_FLARE22_Tr_0001-012.npy`): organs 1..3 on some slices, 1..4
    on others, and on one the left kidney's 13 beside 1..4, each organ one region, warned
    `instance-ids`: the 13-slice's five values were counted as a third n of 1..n."""
    for i in range(12):
        organs = np.zeros((48, 64), np.uint8)
        for value, (y, x) in enumerate(((4, 4), (4, 30), (26, 4), (26, 30)), start=1):
            if value < 4 or i % 2 == 0:
                organs[y : y + 12, x : x + 20] = value
        if i == 4:
            organs[40:46, 54:60] = 13
        save(tmp_path / "imgs" / f"{i}.png", photo(i, (48, 64)))
        save_mask(tmp_path / "gts" / f"{i}.png", organs)
    index = discover(tmp_path)
    assert len(index.pairs) == 12 and not [p for p in index.problems if p.code == "instance-ids"]


def test_instance_masks_refuses_what_it_cannot_read(tmp_path):
    cellpose(tmp_path / "cells")
    with pytest.raises(ConfigError, match="maps values to 2; map values to 0, 1 or ignore"):
        discover(tmp_path / "cells", instance_masks=True, label_map={1: 2})
    (tmp_path / "cells" / "classes.json").write_text(json.dumps({"names": ["bg", "nucleus", "cytoplasm"]}))
    with pytest.raises(ConfigError, match="names 3: bg, nucleus, cytoplasm"):
        discover(tmp_path / "cells", instance_masks=True)
    (tmp_path / "cells" / "classes.json").write_text(json.dumps({"names": ["bg", "nucleus"]}))
    assert discover(tmp_path / "cells", instance_masks=True).classes.names == ("bg", "nucleus")


def test_a_label_map_with_instance_masks_maps_the_values_first(tmp_path):
    """OCID's labels: 0 unlabelled, 1 the table, 2.. objects. --instance-masks read the table as an
    object, and --label-map 1:0 beside it was refused as a second say on the classes."""
    for k in range(6):
        mask = np.zeros((32, 48), np.uint8)
        mask[10:] = 1
        mask[12:18, 5:12], mask[20:26, 30:40], mask[0:4, 0:4] = 2, 3 + k, 7
        save(tmp_path / "rgb" / f"r{k}.png", photo(k))
        save(tmp_path / "label" / f"r{k}.png", mask)
    index = discover(tmp_path, instance_masks=True, label_map={1: 0, 7: "ignore"})
    labels = read_mask(tmp_path / "label" / "r1.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 5, 14, 22, 30], [0, 5, 6, 35, 20]], [255, 0, 1, 1, 0])
    assert index.classes.names == ("background", "object") and index.ignore_index == 255
    assert MaskMapping.from_dict(json.loads(json.dumps(index.mapping.to_dict()))) == index.mapping  # the run folder's
    assert discover(tmp_path, instance_masks=True).mapping.apply(np.array([[1]])).item() == 1  # the table, alone


def coloured(mask: np.ndarray, seed: int) -> np.ndarray:
    """An instance mask painted as BBBC039 ships it: each object a random colour of its own on black."""
    colours = np.random.default_rng(seed).integers(40, 256, (int(mask.max()) + 1, 3), dtype=np.uint8)
    colours[0] = 0
    return colours[mask]


def test_colour_masks_with_a_colour_per_object_warn_and_read_as_objects(tmp_path):
    """BBBC039's `masks/*.png` paint each nucleus its own colour on black: every colour became a
    class (78 on 16 images) with no warning, and --instance-masks refused colour masks."""
    for i in range(6):
        save(tmp_path / "images" / f"IXMtest_A0{i}_s1.png", photo(i, (48, 64)))
        save(tmp_path / "masks" / f"IXMtest_A0{i}_s1.png", coloured(objects(i, 4 + i), i))
    found = [p for p in discover(tmp_path).problems if p.code == "instance-ids"]
    assert len(found) == 1 and "--instance-masks" in found[0].message and "colours" in found[0].message

    index = discover(tmp_path, instance_masks=True)
    assert index.classes.names == ("background", "object") and not index.problems
    for i, pair in enumerate(sorted(index.pairs, key=lambda p: p.name)):
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), (objects(i, 4 + i) > 0).astype(np.int64))


def test_colour_objects_too_many_to_be_classes_read_as_objects(tmp_path):
    """Hundreds of nuclei over a few masks are more colours than a class table holds: they were
    refused as photos, so --instance-masks could not read them either."""
    for i in range(5):
        save(tmp_path / "images" / f"{i}.png", photo(i, (48, 64)))
        save(tmp_path / "masks" / f"{i}.png", coloured(objects(i, 70), i))
    for instance_masks in (False, True):
        index = discover(tmp_path, instance_masks=instance_masks)
        assert index.classes.names == ("background", "object")
        assert [p.code for p in index.problems] == ([] if instance_masks else ["instance-ids"])
        np.testing.assert_array_equal(read_mask(index.pairs[0].masks, index.mapping), (objects(0, 70) > 0))


def test_colour_class_masks_are_not_taken_for_objects(tmp_path):
    """ISPRS-like masks (6 class colours, each in many places) and face-parsing-like ones (a colour
    per part, one region each, the same colours in every mask) are classes."""
    palette = coloured(np.arange(16)[None], 99)[0]  # one class table for all masks
    for i in range(6):
        save(tmp_path / "isprs" / "images" / f"{i}.png", photo(i, (48, 64)))
        save(tmp_path / "isprs" / "masks" / f"{i}.png", palette[objects(i, 40) % 6])
        save(tmp_path / "faces" / "images" / f"{i}.png", photo(i, (48, 64)))
        save(tmp_path / "faces" / "masks" / f"{i}.png", palette[objects(0, 14 - i % 3)])
    for name, classes in (("isprs", 6), ("faces", 15)):
        index = discover(tmp_path / name)
        assert index.classes.num_classes == classes, name
        assert not [p for p in index.problems if p.code == "instance-ids"], name


def test_a_run_reads_instance_masks_as_two_classes(tmp_path):
    cellpose(tmp_path / "cells")
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tmp_path / "cells"), "--instance-masks", "--epochs", "1", "--size", "32x32",
                 "--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "2",
                 "--precision", "fp32", "--out", str(run), "--no-progress"]) == 0
    assert json.loads((run / "classes.json").read_text())["names"] == ["background", "object"]
    assert "instance_masks: true" in (run / "config.yaml").read_text()
    assert main(["evaluate", str(run)]) == 0
    metrics = json.loads((run / "eval" / "test" / "metrics.json").read_text())
    assert list(metrics["classes"]) == ["background", "object"]
    assert sum(metrics["confusion"][1]) == (12 + 15) * 16  # the test masks' objects, 4x4 pixels each, all scored


def test_a_huge_stray_value_costs_no_memory_in_the_region_count(tmp_path):
    """Region counting indexed boxes by value: one pixel of 4,000,000,000 in a uint32 mask asked
    for a list of four billion boxes (a hostile upload found by the random-file test)."""
    from seglab.data.encodings.mask_sample import _one_region_values

    mask = np.zeros((12, 16), np.uint32)
    mask[2:5, 2:5], mask[8:10, 1:3], mask[8:10, 12:14] = 4_000_000_000, 7, 7
    assert _one_region_values(mask) == (2, 1)  # the huge value one region, 7 in two places
    (tmp_path / "masks").mkdir()
    for i in range(2):
        np.save(tmp_path / "masks" / f"{i}.npy", mask)
    assert set(sample_masks(sorted((tmp_path / "masks").glob("*.npy"))).regions.values()) == {(2, 1)}


def growliflower(root: Path) -> None:
    """GrowliFlower as the IPB loader reads it: images/<Split>/*.jpg, labels/<Split>/maskPlants/*.png
    numbering each plant by an id that starts high and is not successive (40 + 7k + i here), with
    maskLeaves/, maskStems/ and maskVoid/ beside."""
    for s, (split, count) in enumerate((("Train", 6), ("Val", 2), ("Test", 2))):
        for i in range(count):
            name = f"{split.lower()}_{i:04d}"
            save(root / "images" / split / f"{name}.png", photo(10 * s + i, (48, 64)))
            plants = np.zeros((48, 64), np.uint8)
            for k, (y, x) in enumerate([(2, 2), (24, 34)]):
                plants[y : y + 20, x : x + 24] = 40 + 7 * k + i
            save_mask(root / "labels" / split / "maskPlants" / f"{name}.png", plants)
            save_mask(root / "labels" / split / "maskVoid" / f"{name}.png", np.full((48, 64), 255 * (i % 2), np.uint8))


def test_sparse_object_ids_warn_and_the_refusal_offers_instance_masks(tmp_path):
    """GrowliFlower's maskPlants/ number plants 40, 47, 41, 48, ...: the values were offered as 53
    classes or as --label-map 40:ignore,..., which erases every plant, and --instance-masks, the
    reading that works, was never named."""
    from seglab.data import audit

    growliflower(tmp_path)
    index = discover(tmp_path, images="images", masks="maskPlants")
    [found] = [p for p in index.problems if p.code == "instance-ids"]
    assert "12 values from 40 to 52 in 10 masks, 2 at most in one" in found.message
    [stray] = [p for p in audit(index).fatal if p.code == "values-outside-classes"]
    assert "if each value is one object, --instance-masks reads every object as one foreground class; " \
           "if they are classes, --label-map 40:1,41:2," in stray.message
    assert "40:ignore" not in stray.message  # 0 alone left: a reading of one class
    index = discover(tmp_path, images="images", masks="maskPlants", instance_masks=True)
    assert index.classes.names == ("background", "object") and not audit(index).fatal


def test_class_codes_recurring_in_every_mask_are_no_sparse_ids(tmp_path):
    """Codes far apart that each fill one region but recur from mask to mask are classes
    (CholecSeg8k's watershed codes), and so are ids 1..n spread over few values."""
    for i in range(6):
        save(tmp_path / "codes" / "images" / f"{i}.png", photo(i, (48, 64)))
        codes = objects(0, 12).astype(np.uint8) * 20  # 20, 40, ..., 240: the same codes in every mask
        codes[codes == 20 * (1 + i)] = 0
        save_mask(tmp_path / "codes" / "masks" / f"{i}.png", codes)
    index = discover(tmp_path / "codes")
    assert not [p for p in index.problems if p.code == "instance-ids"]


def komatsuna(root: Path, masks: list[list[tuple[int, int, int]]]) -> None:
    """KOMATSUNA's multi_plant/multi_plant/rgb_<camera>_<plant>_<time>_00.png + multi_label/multi_label/
    label_*.png: each leaf coloured by its order of appearance, blue the first, green the second, ..."""
    for i, colours in enumerate(masks):
        name = f"{i % 2:02d}_{i // 2:02d}_{i:03d}_00"
        save(root / "multi_plant" / "multi_plant" / f"rgb_{name}.png", photo(i, (48, 64)))
        label = np.zeros((48, 64, 3), np.uint8)
        for k, colour in enumerate(colours):
            y, x = 2 + (k // 4) * 16, 2 + (k % 4) * 16
            label[y : y + 12, x : x + 12] = colour
        save(root / "multi_label" / "multi_label" / f"label_{name}.png", label)


LEAF_COLOURS = [(0, 0, 255), (0, 255, 0), (0, 255, 255), (255, 0, 0), (255, 0, 255), (255, 255, 0), (128, 128, 128)]
LEAVES = [2, 3, 4, 2, 3, 5, 6, 4]  # per mask, as the plants grow


def test_colour_masks_colouring_objects_by_their_order_warn(tmp_path, caplog):
    """KOMATSUNA's leaves, the same few colours in every mask: read as colour classes with no
    warning, and named as GID's land-cover classes (its first colours are 4 of GID's 5)."""
    komatsuna(tmp_path, [LEAF_COLOURS[:n] for n in LEAVES])
    with caplog.at_level("INFO"):
        index = discover(tmp_path, images="multi_plant", masks="multi_label")
    [found] = [p for p in index.problems if p.code == "instance-ids"]
    assert "each mask holds the first n of one colour order, n from 2 to 6" in found.message
    assert "--instance-masks" in found.message and "GID" not in caplog.text
    index = discover(tmp_path, images="multi_plant", masks="multi_label", instance_masks=True)
    assert index.classes.names == ("background", "object") and not index.problems


def test_colour_classes_in_changing_sets_are_not_taken_for_ordered_objects(tmp_path):
    """Class colours each one region, as many per mask, but not the first n of one order (a class
    present where a commoner one is not) are classes."""
    komatsuna(tmp_path, [(LEAF_COLOURS[i % 3 :] + LEAF_COLOURS[: i % 3])[:n] for i, n in enumerate(LEAVES)])
    index = discover(tmp_path, images="multi_plant", masks="multi_label")
    assert index.classes.num_classes == 8 and not [p for p in index.problems if p.code == "instance-ids"]


def bunches(seed: int, count: int, size: tuple[int, int] = (36, 48)) -> np.ndarray:
    """H x W x `count` uint8, a 0/1 channel per object: 5x6 boxes on a grid, the first two
    touching the next one by a column (WGISD's bunches overlap a little)."""
    planes = np.zeros((*size, count), np.uint8)
    cells = np.random.default_rng(seed).permutation(12)[:count]
    for k, cell in enumerate(cells):
        y, x = 3 + 10 * (cell // 4), 2 + 11 * (cell % 4)
        planes[y : y + 5, x : x + 6 + (k < 2), k] = 1
    return planes


def wgisd(root: Path, counts: tuple[int, ...] = (2, 3, 4, 2, 3, 5), boxed: int = 2) -> list[np.ndarray]:
    """Embrapa WGISD: data/<stem>.jpg with data/<stem>.txt (YOLO boxes, class 0) for every image,
    data/<stem>.npz (`arr_0` H x W x N, a channel per grape bunch) for the masked ones, and
    train.txt / test.txt at the top naming them all (the last image, boxes only, a test one)."""
    stems = [f"CDY_{2015 + i}" for i in range(len(counts) + boxed)]
    masks = []
    for i, stem in enumerate(stems):
        save(root / "data" / f"{stem}.jpg", photo(i, (36, 48)))
        (root / "data" / f"{stem}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
        if i < len(counts):
            masks.append(bunches(i, counts[i]))
            np.savez_compressed(root / "data" / f"{stem}.npz", masks[-1])
    (root / "train.txt").write_text("\n".join(stems[:4] + stems[len(counts) : -1]) + "\n")
    (root / "test.txt").write_text("\n".join(stems[4 : len(counts)] + stems[-1:]) + "\n")
    return masks


def test_channel_stacks_of_as_many_channels_as_objects_read_as_objects(tmp_path):
    """WGISD's `.npz` masks stack a channel per grape bunch, 2 to 5 here: they were taken for
    one-hot classes as many as the first mask's channels, so every mask of another count was a
    fatal bad-mask, the overlapping ones pointed to --task multilabel, and --instance-masks read
    them as colour masks."""
    from seglab.data import audit

    masks = wgisd(tmp_path)
    for instance_masks in (False, True):
        index = discover(tmp_path, instance_masks=instance_masks)
        assert index.mapping.kind == "object-channels" and index.classes.names == ("background", "object")
        found = [p for p in index.problems if p.code == "instance-ids"]
        if instance_masks:
            assert not found
        else:
            assert len(found) == 1 and "2 to 5 channels of 0 and 1 per mask" in found[0].message
            assert "--instance-masks" in found[0].message and "multilabel" not in found[0].message
        assert not audit(index).fatal and len(index.pairs) == 6
        assert {p.name: p.split for p in index.pairs} == {f"CDY_{2015 + i}": "train" if i < 4 else "test"
                                                          for i in range(6)}
        for pair, planes in zip(sorted(index.pairs, key=lambda p: p.name), masks):
            np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), planes.any(axis=-1))
    with pytest.raises(ConfigError, match="a channel per object"):
        discover(tmp_path, task="multilabel")


def test_instance_masks_reads_stacks_of_one_count_as_their_union(tmp_path):
    """Stacks of as many channels in every mask are one-hot classes unless --instance-masks says
    they are objects; then any count reads, overlaps too."""
    (tmp_path / "masks").mkdir()
    for i in range(4):
        save(tmp_path / "images" / f"{i}.png", photo(i, (36, 48)))
        np.save(tmp_path / "masks" / f"{i}.npy", bunches(i, 3))
    assert discover(tmp_path).mapping.kind == "one-hot"
    index = discover(tmp_path, instance_masks=True)
    assert index.mapping.kind == "object-channels" and index.classes.names == ("background", "object")
    for shape, planes in (("20", np.concatenate([bunches(9, 12), bunches(8, 8)], axis=-1)), ("1", bunches(9, 1)),
                          ("first", np.moveaxis(bunches(9, 5), -1, 0)),
                          ("squeezed", bunches(9, 1)[..., 0])):
        np.save(tmp_path / "masks" / "0.npy", planes)
        expected = planes.any(axis=0 if shape == "first" else -1) if planes.ndim == 3 else planes
        np.testing.assert_array_equal(read_mask(tmp_path / "masks" / "0.npy", index.mapping), expected, err_msg=shape)
    np.save(tmp_path / "masks" / "0.npy", bunches(9, 3) * 255)
    with pytest.raises(DataError, match="0.npy' has shape .*: not channels of 0 and 1, one per object"):
        read_mask(tmp_path / "masks" / "0.npy", index.mapping)


def sstem_stack(root: Path, neuron_ids: bool) -> None:
    """The Drosophila VNC ssTEM stack: `stack1/raw/NN.tif` + `stack1/{membranes,mitochondria,synapses}/NN.png`
    (0/255) + `stack1/labels/labelsNNNNNNNN.png`: neuron ids (even numbers, so some are skipped) between
    membranes at 0, two neurons cut by the section into two pieces each (`neuron_ids`), or the
    release's merged classes (membrane 0 and 64, mitochondria 191, inside 255)."""
    stack = root / "stack1"
    membranes = np.zeros((48, 64), bool)
    membranes[::16] = membranes[:, ::16] = True
    for i in range(6):
        (stack / "raw").mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(stack / "raw" / f"{i:02d}.tif", photo(i, (48, 64))[..., 0])
        cells = 2 * np.random.default_rng(i).choice(np.arange(1, 41), 12, replace=False)
        cells[10:] = cells[:2]
        neurons = np.kron(cells.reshape(3, 4), np.ones((16, 16), int)).astype(np.uint16)
        neurons[membranes] = 0
        merged = np.where(membranes, 64 * (i % 2), 255).astype(np.uint8)
        merged[20:26, 20:28] = 191
        save_mask(stack / "labels" / f"labels{i:08d}.png", neurons if neuron_ids else merged)
        for folder, on in (("membranes", membranes), ("mitochondria", merged == 191), ("synapses", neurons == cells[3])):
            save_mask(stack / folder / f"{i:02d}.png", (on * 255).astype(np.uint8))


def test_neuron_ids_beside_class_masks_are_not_the_example_and_warn_as_objects(tmp_path):
    """The ssTEM stack with neuron ids in labels/: the refusal's example was --masks labels (read as
    41 classes), and with it the skipped ids were offered a renumbering --label-map, as the ids,
    each neuron kept apart by membranes at 0 but in two pieces now and then, failed the test of one
    region each. With the release's merged classes, labels/ stays the example."""
    from seglab.data import audit

    sstem_stack(tmp_path / "ids", neuron_ids=True)
    with pytest.raises(DataError, match=r"(?s)labels/: 6 pairs by first number in the name \(its first mask, "
                                        r"'labels00000000.png', numbers objects: --instance-masks .*"
                                        r"e\.g\. --masks membranes$"):
        discover(tmp_path / "ids")
    index = discover(tmp_path / "ids", masks="labels")
    [found] = [p for p in index.problems if p.code == "instance-ids"]
    assert "none touching another (each kept apart by 0)" in found.message
    [skipped] = [p for p in audit(index).problems if p.code == "skipped-values"]
    assert "skip 1, 3, 5" in skipped.message and "; if each value is one object, --instance-masks" in skipped.message
    sstem_stack(tmp_path / "classes", neuron_ids=False)
    with pytest.raises(DataError, match=r"e\.g\. --masks labels$") as refused:
        discover(tmp_path / "classes")
    assert "numbers objects" not in str(refused.value)
    assert not [p for p in discover(tmp_path / "classes", masks="labels").problems if p.code == "instance-ids"]
