"""ADE20K's full release read as shipped: the folder of per-object masks beside each image."""

from __future__ import annotations

import numpy as np
from PIL import Image

from seglab.data import discover


def test_a_folder_named_after_an_image_holds_its_files_not_its_mask_nor_unlabelled_images(tmp_path):
    """ADE20K keeps each image's per-object masks in a folder named after it
    (`<scene>/ADE_val_x/instance_000_ADE_val_x.png`) beside its mask (`ADE_val_x_seg.png`): in a
    scene folder without part masks the first object's mask was paired as the image's mask, and
    under a val split the folders were counted as unlabelled images. The mask beside is read; the
    folders are files of the image, left out."""
    for split in ("train", "val"):
        (tmp_path / split).mkdir()
        for i in range(3):
            name = f"{split}_{i}"
            mask = np.zeros((32, 32), np.uint8)
            mask[:, 8 * i:] = 1
            Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(tmp_path / split / f"{name}.jpg")
            Image.fromarray(mask).save(tmp_path / split / f"{name}_mask.png")
            (tmp_path / split / name).mkdir()
            Image.fromarray(mask * 255).save(tmp_path / split / name / f"instance_000_{name}.png")
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and index.unlabelled == []
    assert all(p.mask.name == f"{p.image.stem}_mask.png" for p in index.pairs)
    assert {p.name for p in index.ignored} >= {"instance_000_val_0.png", "instance_000_train_0.png"}
