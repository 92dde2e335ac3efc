"""CelebAMask-HQ as shipped: a 0/255 file per face part, painted in the dataset's own order into
19 classes, half-size masks upsampled to their images, CelebA's partition as the splits.

The replica keeps the real names and proportions (images twice the masks' size, 2000 images per
mask folder, `CelebA-HQ-to-CelebA-mapping.txt` with its header) at 32 x 32 pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.layouts.celebamask_hq import PARTS, PartFilesMapping
from seglab.data.classes.mapping import MaskMapping
from seglab.errors import DataError

SIZE = 16  # masks; images are 32 x 32
BOXES = {  # part -> rows, columns it covers in the masks
    "skin": (slice(2, 14), slice(2, 14)),
    "nose": (slice(6, 9), slice(7, 9)),  # inside the skin: painted over it
    "hair": (slice(0, 5), slice(0, 16)),  # over the skin's top rows (hair comes later in the order)
    "cloth": (slice(14, 16), slice(0, 16)),
}
ORIGINALS = {0: 1000, 1: 162770, 2: 162771, 3: 182637, 4: 182638, 5: 202599}  # CelebA file numbers


def part_mask(part: str) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE, 3), np.uint8)  # saved as RGB, as the dataset does
    mask[BOXES[part]] = 255
    return mask


def celebamask_hq(root: Path, originals: bool = True) -> Path:
    images, masks = root / "CelebA-HQ-img", root / "CelebAMask-HQ-mask-anno" / "0"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in ORIGINALS:
        Image.fromarray(rng.integers(0, 256, (2 * SIZE, 2 * SIZE, 3), dtype=np.uint8)).save(images / f"{i}.jpg")
        for part in reversed(BOXES):  # written in another order than the painting's
            if part != "nose" or i % 2 == 0:  # a part an image does not show has no file
                Image.fromarray(part_mask(part)).save(masks / f"{i:05d}_{part}.png")
    if originals:
        rows = [f"{i} {n - 1} {n}.jpg" for i, n in ORIGINALS.items()]
        (root / "CelebA-HQ-to-CelebA-mapping.txt").write_text("idx orig_idx orig_file\n" + "\n".join(rows) + "\n")
    (root / "CelebAMask-HQ-attribute-anno.txt").write_text("30000\n5_o_Clock_Shadow Arched_Eyebrows\n")
    return root


def painted(nose: bool) -> np.ndarray:
    """The label map worked out by hand at the images' size: skin 1, nose 2, hair 13, cloth 18."""
    labels = np.zeros((SIZE, SIZE), np.int64)
    for part in ("skin", "nose", "hair", "cloth"):
        if part != "nose" or nose:
            labels[BOXES[part]] = PARTS.index(part) + 1
    return labels.repeat(2, axis=0).repeat(2, axis=1)


def test_parts_are_painted_in_the_datasets_order_at_the_images_size(tmp_path):
    index = discover(celebamask_hq(tmp_path / "CelebAMask-HQ"))
    assert index.format == "celebamask-hq" and len(index.pairs) == 6 and not index.problems
    assert index.classes.names == ("background", *PARTS) and len(index.classes.names) == 19
    assert index.mapping == PartFilesMapping(PARTS, 2)
    for pair in index.pairs:
        mask = read_mask(pair.masks, index.mapping)
        assert mask.shape == (2 * SIZE, 2 * SIZE)
        np.testing.assert_array_equal(mask, painted(nose=int(pair.name) % 2 == 0), err_msg=pair.name)
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping  # as a run's config keeps it


def test_celeba_partition_gives_the_splits(tmp_path):
    index = discover(celebamask_hq(tmp_path / "CelebAMask-HQ"))
    assert {p.name: p.split for p in index.pairs} == {
        "0": "train", "1": "train", "2": "val", "3": "val", "4": "test", "5": "test"}
    assert "split by CelebA's partition" in index.pairing[0]


def test_without_the_mapping_file_the_split_is_drawn(tmp_path):
    index = discover(celebamask_hq(tmp_path / "CelebAMask-HQ", originals=False))
    assert all(p.split is None for p in index.pairs) and "the split is drawn" in index.pairing[0]


def test_unpaired_files_and_unknown_parts_are_reported(tmp_path):
    root = celebamask_hq(tmp_path / "CelebAMask-HQ")
    Image.fromarray(np.zeros((2 * SIZE, 2 * SIZE, 3), np.uint8)).save(root / "CelebA-HQ-img" / "6.jpg")
    Image.fromarray(part_mask("skin")).save(root / "CelebAMask-HQ-mask-anno" / "0" / "00007_skin.png")
    Image.fromarray(part_mask("skin")).save(root / "CelebAMask-HQ-mask-anno" / "0" / "00000_beard.png")
    index = discover(root)
    found = {(p.path.name, p.code) for p in index.problems}
    assert found == {("6.jpg", "image-without-mask"), ("00007_skin.png", "mask-without-image")}
    assert [p.name for p in index.ignored] == ["00000_beard.png"]


def test_numbers_int_does_not_read_are_no_image_number_nor_mapping_index(tmp_path):
    """`'²'.isdigit()` is true and `int('²')` a ValueError: an image named `²3.jpg` or a mapping line
    starting `²` crashed discovery with a traceback; they are files and lines of no index."""
    root = celebamask_hq(tmp_path / "CelebAMask-HQ")
    Image.fromarray(np.zeros((2 * SIZE, 2 * SIZE, 3), np.uint8)).save(root / "CelebA-HQ-img" / "\u00b23.jpg")
    mapping = root / "CelebA-HQ-to-CelebA-mapping.txt"
    mapping.write_text(mapping.read_text() + "\u00b2 7 8.jpg\n")
    index = discover(root)
    assert len(index.pairs) == len(ORIGINALS) and "\u00b23.jpg" in {p.name for p in index.ignored}


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00binary", "cannot be read as text"),
    (b"idx orig_idx orig_file\n0 999 x.jpg\n", "line 2: expected 'idx orig_idx orig_file'"),
])
def test_a_damaged_mapping_file_is_named(tmp_path, content, message):
    root = celebamask_hq(tmp_path / "CelebAMask-HQ")
    (root / "CelebA-HQ-to-CelebA-mapping.txt").write_bytes(content)
    with pytest.raises(DataError, match=message):
        discover(root)


def test_a_classes_json_of_another_count_is_refused(tmp_path):
    root = celebamask_hq(tmp_path / "CelebAMask-HQ")
    (root / "classes.json").write_text('{"names": ["background", "face"]}')
    with pytest.raises(DataError, match="paint 19: background, skin, nose"):
        discover(root)
