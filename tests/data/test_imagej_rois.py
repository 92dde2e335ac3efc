"""Fiji/ImageJ ROI Manager sets beside their images (`a.tif` + `a_RoiSet.zip` or `a.zip`, `a.roi`, a
folder's `RoiSet.zip`): polygons, rectangles and ovals painted as the pixels whose centres they hold, one
class `roi` or a class per ROI group; lines left out; composite and text ROIs refused naming them."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

roifile = pytest.importorskip("roifile", reason="ImageJ ROIs need the 'imagej' extra (roifile)")

H, W = 12, 16


def picture(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 4000, (H, W)).astype(np.uint16)).save(path)


def polygon(points: list[list[int]], group: int = 0):
    roi = roifile.ImagejRoi.frompoints(points)
    roi.group = group
    return roi


def box(kind: str, left: int, top: int, right: int, bottom: int, group: int = 0, **more: object):
    return roifile.ImagejRoi(roitype=roifile.ROI_TYPE[kind], left=left, top=top, right=right, bottom=bottom,
                             group=group, **more)


def roi_set(path: Path, rois: list) -> None:
    """A ROI Manager set as Fiji saves it: a zip of `.roi` files named by their centres."""
    with zipfile.ZipFile(path, "w") as archive:
        for k, roi in enumerate(rois):
            archive.writestr(f"{k:04d}-{2 * k:04d}.roi", roi.tobytes())


def test_roi_sets_beside_their_images_are_painted_as_one_class(tmp_path):
    """The survey's Fiji layout (an `annotated/` folder, two images unannotated): it was a refusal
    saying 'unzip', and once unzipped '24 .roi files, a format seglab does not read'."""
    folder = tmp_path / "annotated"
    for k in range(4):
        picture(folder / f"nuclei_{k:02d}.tif", k)
    line = roifile.ImagejRoi(roitype=roifile.ROI_TYPE.LINE, x1=0.0, y1=0.0, x2=15.0, y2=11.0)
    roi_set(folder / "nuclei_00_RoiSet.zip", [polygon([[2, 1], [9, 1], [9, 6], [2, 6]]), box("RECT", 11, 7, 15, 10),
                                              line])
    (folder / "nuclei_01.roi").write_bytes(box("OVAL", 3, 2, 11, 10).tobytes())
    roi_set(folder / "nuclei_02.zip", [box("RECT", 0, 0, 4, 4)])  # the set saved under the image's name
    with zipfile.ZipFile(folder / "nuclei_03.zip", "w") as archive:  # a zip of the image is no ROI set
        archive.write(folder / "nuclei_03.tif", "nuclei_03.tif")
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "imagej-roi" and index.classes.names == ("background", "roi")
    assert [(p.path.name, p.code) for p in index.problems] == [("nuclei_03.tif", "image-without-mask")]
    masks = {p.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    expected = np.zeros((H, W), np.uint8)
    expected[1:6, 2:9] = expected[7:10, 11:15] = 1  # the polygon and the rectangle; the line has no area
    np.testing.assert_array_equal(masks["nuclei_00"], expected)
    oval = masks["nuclei_01"]
    assert oval[6, 7] == 1 and oval[2, 3] == oval[9, 10] == 0 and oval[2:10, 3:11].sum() == oval.sum()
    assert masks["nuclei_02"][:4, :4].all() and masks["nuclei_02"].sum() == 16
    assert "1 lines, angles and points left out" in index.pairing[0]


def test_roi_groups_are_classes_and_a_folders_roiset_is_its_one_images(tmp_path):
    """Each image in a folder of its own with Fiji's default `RoiSet.zip`; ROIs in ROI Manager
    groups 1 and 2 are a class each, ungrouped ones `roi`, later over earlier."""
    for k in range(2):
        picture(tmp_path / f"cell_{k}" / "image.tif", k)
        roi_set(tmp_path / f"cell_{k}" / "RoiSet.zip", [box("RECT", 0, 0, 8, 6, group=2), box("RECT", 4, 3, 12, 9),
                                                        box("RECT", 10, 8, 16, 12, group=1)])
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "imagej-roi" and len(index.pairs) == 2
    assert index.classes.names == ("background", "roi", "group_1", "group_2")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[0, 0], mask[5, 5], mask[11, 15], mask[11, 0]) == (3, 1, 2, 0)


@pytest.mark.parametrize("roi, refused", [
    (box("RECT", 1, 1, 5, 5, subtype=roifile.ROI_SUBTYPE.TEXT, text="scale"), "is a text overlay"),
    (box("RECT", 1, 1, 5, 5, shape_roi_size=9,
         multi_coordinates=np.array([0, 1, 1, 1, 4, 1, 1, 4, 4], np.float32)), "is a composite ROI"),
])
def test_composite_and_text_rois_are_refused_naming_the_file_and_the_roi(tmp_path, roi, refused):
    for k in range(2):
        picture(tmp_path / f"a{k}.tif", k)
        roi_set(tmp_path / f"a{k}_RoiSet.zip", [box("RECT", 0, 0, 4, 4)] + [roi] * k)
    with pytest.raises(DataError, match=rf"ImageJ ROI '0001-0002.roi' of '.*a1_RoiSet.zip' {refused}"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_without_roifile_the_refusal_names_the_extra(tmp_path, monkeypatch):
    for k in range(2):
        picture(tmp_path / f"a{k}.tif", k)
        (tmp_path / f"a{k}.roi").write_bytes(box("RECT", 0, 0, 4, 4).tobytes())
    monkeypatch.setitem(sys.modules, "roifile", None)  # import roifile: ImportError
    with pytest.raises(DataError, match=r"a0.roi' needs roifile to be read: pip install 'seglab\[imagej\]'"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_unzipped_rois_are_named_with_the_way_back_to_a_set(tmp_path):
    """`unzip` of the sets leaves `.roi` files named by their centres, which pair with no image."""
    for k in range(2):
        picture(tmp_path / f"nuclei_{k}.tif", k)
    for k in range(3):
        (tmp_path / f"{k:04d}-{2 * k:04d}.roi").write_bytes(box("RECT", k, k, k + 4, k + 4).tobytes())
    with pytest.raises(DataError, match=r"3 '.roi' files, ImageJ ROIs that pair with no image: .* zip each image's ROIs "
                                        r"again \(zip nuclei_00_RoiSet.zip \*.roi\)"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
