"""Masks drawn as outlines: HC18's `000_HC_Annotation.png` is the ellipse around the fetal head
(a 1-2 px ring of 255 on 0), read as a binary mask whose class was the ring, without a word.
seglab now warns (`outline-masks`) and `--fill-outlines` reads each closed outline filled. Thin
structures that are the target (a membrane network, a vessel tree, a crack) and filled masks
are not flagged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.checking.audit import audit
from seglab.data.checking.checks import hint
from seglab.data.classes.mapping import BinaryMapping, ColourMapping
from seglab.data.encodings.outlines import FilledOutlineMapping, drawn_as_outlines, fill_outlines
from seglab.errors import ConfigError

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (96, 128)  # (H, W)


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", SIZE[::-1], 0)
    return image, ImageDraw.Draw(image)


def head(seed: int, filled: bool = False) -> np.ndarray:
    """HC18's annotation: an ellipse outline 1 or 2 px wide (or the filled head), 0/255."""
    rng = np.random.default_rng(seed)
    cy, cx, ry, rx = rng.integers(40, 56), rng.integers(50, 78), rng.integers(18, 30), rng.integers(25, 40)
    image, draw = canvas()
    box = (cx - rx, cy - ry, cx + rx, cy + ry)
    draw.ellipse(box, fill=255 if filled else None, outline=255, width=1 + seed % 2)
    return np.array(image)


def membranes(seed: int) -> np.ndarray:
    """An ISBI-like membrane map: 1-2 px walls between some 60 cells, one connected network."""
    rng = np.random.default_rng(seed)
    seeds = rng.uniform((0, 0), SIZE, (60, 2))
    yx = np.stack(np.mgrid[: SIZE[0], : SIZE[1]], axis=-1)
    cell = np.argmin(((yx[:, :, None, :] - seeds) ** 2).sum(-1), axis=-1)
    wall = np.zeros(SIZE, bool)
    wall[:, 1:] |= cell[:, 1:] != cell[:, :-1]
    wall[1:] |= cell[1:] != cell[:-1]
    return wall.astype(np.uint8) * 255


def vessels(seed: int) -> np.ndarray:
    """A DRIVE-like vessel tree: branches 1-3 px wide that split and never rejoin."""
    rng = np.random.default_rng(seed)
    image, draw = canvas()

    def branch(x: float, y: float, angle: float, length: float, width: int) -> None:
        if length < 6:
            return
        end = (x + length * np.cos(angle), y - length * np.sin(angle))
        draw.line((x, y, *end), fill=255, width=width)
        for turn in (-0.5, 0.5):
            branch(*end, angle + turn + rng.uniform(-0.1, 0.1), length * 0.7, max(1, width - 1))

    branch(64, 95, np.pi / 2, 34, 3)
    return np.array(image)


def crack(seed: int) -> np.ndarray:
    """A DeepCrack-like crack: an open wandering curve 1-2 px wide."""
    rng = np.random.default_rng(seed)
    image, draw = canvas()
    xs = np.linspace(10 + seed, 118, 12)
    ys = np.clip(48 + np.cumsum(rng.normal(0, 6, 12)), 5, 90)
    draw.line(list(zip(xs, ys)), fill=255, width=1 + seed % 2)
    return np.array(image)


def hc18(root: Path, draw=head) -> dict[str, Path]:
    """HC18 as shipped: training_set/NNN_HC.png beside NNN_HC_Annotation.png."""
    masks = {}
    for i, name in enumerate(["000_HC", "001_HC", "001_2HC", "002_HC", "003_HC", "004_HC"]):
        save(root / "training_set" / f"{name}.png", photo(i, SIZE)[..., 0])
        masks[name] = save(root / "training_set" / f"{name}_Annotation.png", draw(i))
    return masks


def outline_findings(index) -> list:
    return [p for p in audit(index).problems if p.code == "outline-masks"]


def test_hc18_outlines_are_warned_and_read_filled_with_the_flag(tmp_path):
    hc18(tmp_path)
    index = discover(tmp_path)
    assert index.mapping == BinaryMapping()
    [found] = outline_findings(index)
    assert found.path == tmp_path / "training_set" / "000_HC_Annotation.png"
    assert "6 of 6 masks (000_HC_Annotation.png, 001_2HC_Annotation.png, 001_HC_Annotation.png and 3 more) are " \
           "drawn as outlines" in found.message and len(found.related) == 5
    assert "--fill-outlines" in hint(found)

    index = discover(tmp_path, fill_outlines=True)
    assert index.mapping == FilledOutlineMapping(BinaryMapping(), None)
    assert not outline_findings(index)
    for pair in index.pairs:
        ring = np.array(Image.open(pair.mask)) > 0
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), ndimage.binary_fill_holes(ring))


@pytest.mark.parametrize("draw", [membranes, vessels, crack, lambda seed: head(seed, filled=True)],
                         ids=["membranes", "vessels", "crack", "filled"])
def test_thin_targets_and_filled_masks_are_no_outlines(tmp_path, draw):
    hc18(tmp_path, draw)
    index = discover(tmp_path)
    assert not outline_findings(index), [str(p) for p in audit(index).problems]


def test_what_each_mask_is_drawn_as():
    assert drawn_as_outlines(head(0) // 255) and drawn_as_outlines(head(1) // 255)
    assert drawn_as_outlines(np.zeros(SIZE, np.int64)) is None
    for mask in (membranes(0), vessels(0), crack(0), head(0, filled=True)):
        assert drawn_as_outlines(mask // 255) is False
    nuclei = np.zeros(SIZE, np.int64)  # a contour export: many separate outlines, each enclosing one nucleus
    for y in range(4, 90, 22):
        for x in range(4, 100, 22):
            nuclei[y : y + 16, x : x + 16] = 1
            nuclei[y + 1 : y + 15, x + 1 : x + 15] = 0
    assert drawn_as_outlines(nuclei)
    cup = np.zeros(SIZE, np.int64)  # a ring around another class (VOC's void border, a trimap's border)
    cup[20:70, 30:90] = 2
    cup[22:68, 32:88] = 1
    assert drawn_as_outlines(cup) is False and drawn_as_outlines(cup, ignore_index=2) is False


def test_an_outline_inside_another_keeps_its_class_and_other_pixels_stay():
    mask = np.zeros((40, 50), np.int64)
    mask[2:38, 2:38], mask[3:37, 3:37] = 1, 0  # class 1 around class 2's outline
    mask[10:30, 10:30], mask[11:29, 11:29] = 2, 0
    mask[5, 5] = 255  # an ignored pixel inside class 1's outline
    mask[5:25, 42:], mask[6:24, 43:] = 1, 0  # an outline cut by the image's edge encloses nothing
    filled = fill_outlines(mask, ignore_index=255)
    assert (filled[3:10, 3:37] == 1).sum() == 7 * 34 - 1 and filled[5, 5] == 255
    assert (filled[10:30, 10:30] == 2).all() and (filled[2:38, 2:38] > 0).all()
    np.testing.assert_array_equal(filled[:, 38:], mask[:, 38:])


def test_colour_outlines_are_read_as_colours_then_filled():
    mapping = FilledOutlineMapping(ColourMapping(((0, 0, 0), (255, 0, 0))))
    ring = head(0) > 0
    rgb = np.zeros((*SIZE, 3), np.uint8)
    rgb[ring] = (255, 0, 0)
    assert mapping.needs_rgb
    np.testing.assert_array_equal(mapping.apply(rgb), ndimage.binary_fill_holes(ring))


def test_fill_outlines_refuses_multilabel_masks(tmp_path):
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i, SIZE))
        for name in ("head", "brain"):
            save(tmp_path / "masks" / name / f"{i}.png", head(i))
    refused = r"--fill-outlines on .*: outlines are filled in class-index masks, not in multi-label ones \(class-folders"
    with pytest.raises(ConfigError, match=refused):
        discover(tmp_path, fill_outlines=True)


def test_a_run_reads_its_masks_filled_in_training_and_evaluation(tmp_path):
    masks = hc18(tmp_path / "hc18")
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tmp_path / "hc18"), "--fill-outlines", "--epochs", "1", "--size", "32x32",
                 "--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "2",
                 "--precision", "fp32", "--out", str(run), "--no-progress"]) == 0
    assert "fill_outlines: true" in (run / "config.yaml").read_text()
    assert main(["evaluate", str(run)]) == 0
    metrics = json.loads((run / "eval" / "test" / "metrics.json").read_text())
    names = json.loads((run / "splits.json").read_text())["test"]
    filled = sum(int(ndimage.binary_fill_holes(np.array(Image.open(masks[n])) > 0).sum()) for n in names)
    assert sum(metrics["confusion"][1]) == filled  # every pixel of the heads scored as head, not just the rings
