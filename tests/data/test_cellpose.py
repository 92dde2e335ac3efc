"""The Cellpose GUI's `_seg.npy` beside each image: its pickled `masks` read without running the
pickle (numpy 2's and numpy 1's pickles), every numbered cell the class `cell`; a pickle naming
anything else refused, naming the file, with nothing of it run.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.annotations import cellpose
from seglab.data.annotations.cellpose import CellposeFormat
from seglab.data.discovery.folders import walk

H, W = 12, 16


def cells(seed: int) -> np.ndarray:
    """Three numbered cells, as Cellpose's `masks` holds them (uint16, 0 the background)."""
    masks = np.zeros((H, W), np.uint16)
    masks[1:4, 2 + seed:6 + seed], masks[6:9, 1:3], masks[8:11, 9:14] = 1, 2, 3
    return masks


def seg(masks: np.ndarray, **more: object) -> dict:
    """A `_seg.npy` dict as the Cellpose 3 GUI saves it."""
    return {"outlines": np.zeros_like(masks), "colors": np.zeros((3, 3), np.uint8), "masks": masks,
            "chan_choose": [0, 0], "filename": "/home/user/cells.tif", "ismanual": np.zeros(3, bool),
            "flows": [np.zeros((H, W, 3), np.uint8), np.zeros((2, H, W), np.float32)], "diameter": np.float64(12.0),
            "normalize_params": {"percentile": [1.0, 99.0], "normalize": True}, **more}


def save_seg(path: Path, content: dict, numpy1: bool = False) -> None:
    """`np.save` of a dict; `numpy1`: as numpy 1 writes it (pickle protocol 3, `numpy.core`)."""
    if not numpy1:
        np.save(path, np.array(content, dtype=object), allow_pickle=True)
        return
    data = pickle.dumps(np.array(content, dtype=object), protocol=3).replace(b"numpy._core", b"numpy.core")
    with path.open("wb") as file:
        np.lib.format.write_array_header_1_0(file, {"descr": "|O", "fortran_order": False, "shape": ()})
        file.write(data)


def picture(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W), np.uint8)).save(path)


def test_seg_files_are_read_as_cells_beside_their_images(tmp_path):
    """numpy 2's and numpy 1's pickles alike; Cellpose's `_cp_masks.png` beside is no image, an
    image without a `_seg.npy` is listed."""
    for i in range(3):
        picture(tmp_path / f"cells_{i:03d}.tif", i)
        save_seg(tmp_path / f"cells_{i:03d}_seg.npy", seg(cells(i)), numpy1=i == 1)
    Image.fromarray(cells(0)).save(tmp_path / "cells_000_cp_masks.png")
    picture(tmp_path / "cells_003.tif", 3)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "cellpose" and index.classes.names == ("background", "cell")
    assert [(p.path.name, p.code) for p in index.problems] == [("cells_003.tif", "image-without-mask")]
    for pair in sorted(index.pairs, key=lambda p: p.name):
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), cells(int(pair.name[-1])) > 0)


def test_the_seg_files_are_found_in_the_listing_walk_made(tmp_path, monkeypatch):
    """Cellpose is tried on every image folder of every dataset discovered: it listed each folder
    again for its `_seg.npy` files, which `walk` had listed already (`.npy` is an image suffix)."""
    for i in range(2):
        picture(tmp_path / "train" / f"cells_{i}.tif", i)
        save_seg(tmp_path / "train" / f"cells_{i}_seg.npy", seg(cells(i)))
    picture(tmp_path / "train" / "cells_2.tif", 2)
    picture(tmp_path / "other" / "plain.tif", 3)
    folders = walk(tmp_path)
    listed = []
    for name in ("scandir", "listdir"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path=".", real=real: listed.append(path) or real(path))
    found = CellposeFormat().find(tmp_path, folders)
    assert listed == []
    [(folder, pairs)] = found
    assert [p.name for p in folder.files] == ["cells_0.tif", "cells_1.tif", "cells_2.tif"]
    assert [(image.name, seg.name) for image, seg in pairs] == [("cells_0.tif", "cells_0_seg.npy"),
                                                                 ("cells_1.tif", "cells_1_seg.npy")]


OUTPUTS = cellpose.CELLPOSE_OUTPUT_NAME


def test_each_file_is_told_from_cellposes_outputs_once(tmp_path, monkeypatch):
    """`find` dropped Cellpose's outputs from each folder twice: for the folder and for its pairs."""
    for i in range(3):
        picture(tmp_path / f"cells_{i}.tif", i)
        save_seg(tmp_path / f"cells_{i}_seg.npy", seg(cells(i)))
    folders = walk(tmp_path)
    told = []

    class CountingOutputs:
        def fullmatch(self, name):
            told.append(name)
            return OUTPUTS.fullmatch(name)

    monkeypatch.setattr(cellpose, "CELLPOSE_OUTPUT_NAME", CountingOutputs())
    [(folder, pairs)] = CellposeFormat().find(tmp_path, folders)
    assert len(pairs) == 3 and sorted(told) == sorted(p.name.split(".")[0] for f in folders for p in f.files)


class _RunsCode:
    """What a hostile `_seg.npy` could hold: unpickled by `np.load(allow_pickle=True)`, it makes a folder."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.mkdir, (str(self.marker),)


def test_a_pickle_that_would_run_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    for i in range(3):
        picture(tmp_path / "data" / f"cells_{i}.tif", i)
        content = seg(cells(i), model_path=_RunsCode(marker)) if i == 2 else seg(cells(i))
        save_seg(tmp_path / "data" / f"cells_{i}_seg.npy", content)
    index = discover(tmp_path / "data", cache_dir=str(tmp_path / "cache"))
    assert not marker.exists()
    assert sorted(p.name for p in index.pairs) == ["cells_0", "cells_1"]
    [problem] = index.problems
    assert problem.path.name == "cells_2.tif" and problem.code == "unreadable"
    assert "Cellpose file '" in problem.message and "cells_2_seg.npy' is a pickle that names '" in problem.message
    assert ".mkdir', which seglab does not load" in problem.message and "--save_png" in problem.message


def test_masks_of_another_size_than_the_image_are_named(tmp_path):
    for i in range(2):
        picture(tmp_path / f"cells_{i}.tif", i)
        save_seg(tmp_path / f"cells_{i}_seg.npy", seg(cells(i)[:, :10] if i else cells(i)))
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in index.pairs] == ["cells_0"]
    assert "cells_1_seg.npy' has masks of 12x10 pixels, but its image is 12x16" in index.problems[0].message
