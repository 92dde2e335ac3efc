"""Outlines shipped as text files of points, a file per image and structure: Sunnybrook Cardiac
Data (`challenge_training/SC-HF-I-1/IM-0001-0048.dcm` + `TrainingDataContours/SC-HF-I-01/
contours-manual/IRCCI-expert/IM-0001-0048-icontour-manual.txt`, 'x y' a line) and DRIONS-DB
(`images/image_001.jpg` + `experts_anotation/anotExpert1_001.txt` and `anotExpert2_001.txt`,
'x , y' a line, two raters). Before, both found no known layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover, read_mask
from seglab.errors import DataError

from .test_dicom_images import dicom
from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

H, W = 24, 20


def square(x0: int, y0: int, x1: int, y1: int) -> list[tuple[float, float]]:
    """A square's corners; filled with its outline it covers x0..x1 and y0..y1 inclusive."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def outline(path: Path, points: list[tuple[float, float]], separator: str = " ") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{x:.2f}{separator}{y:.2f}\n" for x, y in points))


def sunnybrook(root: Path) -> None:
    """Two cases whose frames share names, the contour folders zero-padded; frames 1 and 5 of
    each outlined (epicardium around endocardium), case 2's squares 1 pixel right of case 1's,
    and a papillary muscle on case 1's frame 1."""
    for case, (images, contours) in enumerate((("SC-HF-I-1", "SC-HF-I-01"), ("SC-N-2", "SC-N-02"))):
        for frame in range(1, 7):
            dicom(root / "challenge_training" / images / f"IM-0001-{frame:04d}.dcm",
                  np.full((H, W), 300 + frame, np.uint16))
        folder = root / "ContoursPart3" / "TrainingDataContours" / contours / "contours-manual" / "IRCCI-expert"
        for frame in (1, 5):
            outline(folder / f"IM-0001-{frame:04d}-ocontour-manual.txt", square(4 + case, 4, 15 + case, 15))
            outline(folder / f"IM-0001-{frame:04d}-icontour-manual.txt", square(7 + case, 7, 12 + case, 12))
        if case == 0:
            outline(folder / "IM-0001-0001-p1contour-manual.txt", square(8, 8, 9, 9))


def test_sunnybrook_contours_pair_with_their_case_frames_and_nest_as_ring_and_inside(tmp_path):
    sunnybrook(tmp_path)
    index = discover(tmp_path)
    assert index.format == "contour-text"
    assert index.classes.names == ("background", "icontour", "ocontour", "p1contour")
    assert sorted(p.image.relative_to(tmp_path).as_posix() for p in index.pairs) == [
        f"challenge_training/{case}/IM-0001-{frame:04d}.dcm" for case in ("SC-HF-I-1", "SC-N-2") for frame in (1, 5)]
    assert len(index.unlabelled) == 8  # the frames without a contour
    masks = {p.image.relative_to(tmp_path).as_posix(): read_mask(p.mask, index.mapping) for p in index.pairs}
    for case, shift in (("SC-HF-I-1", 0), ("SC-N-2", 1)):
        mask = masks[f"challenge_training/{case}/IM-0001-0005.dcm"]
        assert mask.shape == (H, W)
        expected = np.zeros((H, W), np.int64)
        expected[4:16, 4 + shift:16 + shift] = 2  # the ring: myocardium
        expected[7:13, 7 + shift:13 + shift] = 1  # inside the endocardium: the cavity
        assert (mask == expected).all(), case
    papillary = masks["challenge_training/SC-HF-I-1/IM-0001-0001.dcm"]
    assert (papillary[8:10, 8:10] == 3).all() and (papillary == 1).sum() == 36 - 4


def test_sunnybrook_masks_pick_the_structures_to_read(tmp_path):
    sunnybrook(tmp_path)
    index = discover(tmp_path, masks="*[io]contour-manual.txt")
    assert index.format == "contour-text" and index.classes.names == ("background", "icontour", "ocontour")


def drions(root: Path) -> None:
    for i in range(1, 4):
        save(root / "images" / f"image_{i:03d}.jpg", photo(i, (H, W)))
        for expert in (1, 2):
            outline(root / "experts_anotation" / f"anotExpert{expert}_{i:03d}.txt",
                    square(5, 5 + expert, 10, 12), separator=" , ")


def test_two_raters_outlines_are_refused_with_the_masks_that_pick_one(tmp_path):
    drions(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "has 2 outlines of class 'object' (experts_anotation/anotExpert1_001.txt, " in message
    assert "--masks 'anotExpert1_*': 3 outline files" in message and "--masks 'anotExpert2_*': 3" in message


def test_one_raters_outlines_paint_one_class_paired_by_number(tmp_path):
    drions(tmp_path)
    index = discover(tmp_path, masks="anotExpert2_*")
    assert index.format == "contour-text" and index.classes.names == ("background", "object")
    assert [p.image.name for p in sorted(index.pairs, key=lambda p: p.image.name)] == [
        "image_001.jpg", "image_002.jpg", "image_003.jpg"]
    expected = np.zeros((H, W), np.int64)
    expected[7:13, 5:11] = 1
    for pair in index.pairs:
        assert (read_mask(pair.mask, index.mapping) == expected).all()


def test_outline_files_that_pair_with_no_image_are_named(tmp_path):
    """Outlines named after no image are refused by name, with the naming that pairs them."""
    for i in range(1, 4):
        save(tmp_path / "images" / f"photo_{i}.jpg", photo(i, (H, W)))
        outline(tmp_path / "outlines" / f"disc_{chr(96 + i)}.txt", square(1, 1, 5, 5))
    with pytest.raises(DataError, match=r"outlines/: 3 '.txt' files, outlines, a point a line, that pair with no "
                                        r"image: the contour-text layout reads each as the outline of the image whose "
                                        r"name or number it carries"):
        discover(tmp_path)


def test_text_files_beside_images_that_mask_files_pair_with_are_no_outlines(tmp_path: Path) -> None:
    """FaceSynthetics ships `000000.png` + `000000_seg.png` + `000000_ldmks.txt`, 70 landmark points
    a line each: the outline layout took the folder and drew the landmarks as a polygon, the masks
    unread. Masks that pair with the images come first."""
    for i in range(3):
        save(tmp_path / f"{i:06d}.png", photo(i))
        save(tmp_path / f"{i:06d}_seg.png", (photo(i)[..., 0] > 128).astype(np.uint8))
        (tmp_path / f"{i:06d}_ldmks.txt").write_text("".join(f"{x}.5 {x + 1}.25\n" for x in range(10)))
    index = discover(tmp_path)
    assert index.format == "folder-pairs" and len(index.pairs) == 3
    assert {p.mask.name for p in index.pairs} == {f"{i:06d}_seg.png" for i in range(3)}


def papila(root: Path, overlays: bool = True) -> None:
    """PAPILA's layout: fundus photos, a disc and a cup outline per photo and expert
    (`RET002OD_disc_exp1.txt`), and, when `overlays`, each photo with the outlines drawn in, named
    as the photo, in `ExpertsSegmentations/ImagesWithContours/`."""
    for i, name in enumerate(("RET002OD", "RET002OS", "RET004OD"), start=1):
        save(root / "FundusImages" / f"{name}.jpg", photo(i, (H, W)))
        if overlays:
            save(root / "ExpertsSegmentations" / "ImagesWithContours" / f"{name}.jpg", photo(i, (H, W)))
        for expert in (1, 2):
            contours = root / "ExpertsSegmentations" / "Contours"
            outline(contours / f"{name}_disc_exp{expert}.txt", square(3, 3, 14 + expert, 14))
            outline(contours / f"{name}_cup_exp{expert}.txt", square(6, 6, 10 + expert, 10))


@pytest.mark.parametrize("overlays", [True, False])
def test_experts_numbered_after_the_class_are_refused_with_the_masks_that_read_every_class(tmp_path, overlays):
    """`exp1` names a rater as `anotExpert1` does: before, the experts were read as classes
    (`cup_exp1`, ..., `disc_exp2`), or, with the overlay pictures shipped, the overlays were
    taken for mask files and the photos found no mask."""
    papila(tmp_path, overlays)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "FundusImages/RET002OD.jpg' has 2 outlines of class 'cup'" in message
    assert "--masks '*_exp1.txt': 6 outline files" in message and "--masks '*_exp2.txt': 6" in message


def test_one_experts_outlines_pair_with_the_photos_not_the_overlay_pictures(tmp_path):
    """Before, the outlines paired with the overlays of `ImagesWithContours/` (which share the
    outlines' `ExpertsSegmentations/` folder): training on the answers drawn in."""
    papila(tmp_path)
    index = discover(tmp_path, masks="*_exp1.txt")
    assert index.format == "contour-text" and index.classes.names == ("background", "cup", "disc")
    assert sorted(p.image.relative_to(tmp_path).as_posix() for p in index.pairs) == [
        "FundusImages/RET002OD.jpg", "FundusImages/RET002OS.jpg", "FundusImages/RET004OD.jpg"]
    expected = np.zeros((H, W), np.int64)
    expected[3:15, 3:16] = 2
    expected[6:11, 6:12] = 1
    assert (read_mask(index.pairs[0].mask, index.mapping) == expected).all()
