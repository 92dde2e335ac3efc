"""Masks that hold their label in the alpha channel: a layer exported from Photoshop or Procreate
(black RGB, the object opaque with a soft edge) and a "Remove background" cut-out (the photo's
RGB, white under the transparency). Their alpha was dropped: every mask empty and `inspect`
stopped on one class, or the cut-outs read as one class #ffffff with the photo snapped to white."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import audit, discover, read_mask, scan
from seglab.data.classes.mapping import ColourMapping, MaskMapping
from seglab.runs.checkpoint import load_checkpoint

NAMES = [f"p{i}" for i in range(6)]
ALPHA = {"kind": "alpha"}  # AlphaMapping, as a run's model card records it
TINY = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress", "--epochs", "1", "--size", "32"]


def soft_disc(i: int) -> np.ndarray:
    """An object's alpha, 32x32: a disc of 255 placed by `i`, its rim partly transparent."""
    y, x = np.mgrid[:32, :32]
    distance = np.hypot(y - 10 - 2 * i, x - 12 - i)
    return np.clip((9 - distance) * 128, 0, 255).astype(np.uint8)


def photo(i: int) -> np.ndarray:
    return np.random.default_rng(i).integers(60, 200, (32, 32, 3), dtype=np.uint8)


def alpha_dataset(root: Path, rgb: str) -> Path:
    """images/ + masks/ of RGBA masks whose alpha is `soft_disc`; their RGB black (`layer`), or
    the photo under the object and white elsewhere (`cutout`)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, name in enumerate(NAMES):
        alpha = soft_disc(i)
        colours = np.zeros((32, 32, 3), np.uint8) if rgb == "layer" else np.where(alpha[..., None] > 0, photo(i), 255)
        Image.fromarray(photo(i)).save(root / "images" / f"{name}.jpg")
        Image.fromarray(np.dstack([colours, alpha]).astype(np.uint8), "RGBA").save(root / "masks" / f"{name}.png")
    return root


@pytest.mark.parametrize("rgb", ["layer", "cutout"])
def test_masks_whose_rgb_holds_no_label_are_read_by_their_alpha(tmp_path, rgb, caplog):
    root = alpha_dataset(tmp_path / rgb, rgb)
    with caplog.at_level("INFO", logger="seglab"):
        index = discover(root)
    assert index.mapping.to_dict() == ALPHA and index.classes.names == ("class_0", "class_1")
    assert "hold their label in the alpha channel, their RGB none" in caplog.text
    np.testing.assert_array_equal(read_mask(root / "masks" / "p2.png", index.mapping), soft_disc(2) >= 128)
    [edges] = index.problems
    assert edges.code == "snapped-pixels" and "are partly transparent (a soft edge); each was thresholded" in \
        edges.message
    report = audit(index)
    assert report.fatal == [] and not [p for p in report.problems if p.code == "alpha-channel"]
    assert scan(index).mask_values[1] == sum(int((soft_disc(i) >= 128).sum()) for i in range(len(NAMES)))


def test_colours_on_a_transparent_background_stay_the_classes_and_mask_alpha_reads_the_alpha(tmp_path, capsys):
    """Two class colours under the opaque pixels are a label: the RGB is read, the dropped alpha
    a warning naming --mask-alpha, which reads the alpha instead (and the run records it)."""
    root = tmp_path / "d"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, name in enumerate(NAMES):
        colours = np.zeros((32, 32, 3), np.uint8)
        colours[:8] = (255, 0, 0)
        colours[24:, :16] = (0, 0, 255)
        alpha = np.where(colours.any(axis=2), 255, 0).astype(np.uint8)
        Image.fromarray(photo(i)).save(root / "images" / f"{name}.jpg")
        Image.fromarray(np.dstack([colours, alpha]), "RGBA").save(root / "masks" / f"{name}.png")
    index = discover(root)
    assert index.mapping == ColourMapping(((0, 0, 0), (0, 0, 255), (255, 0, 0)))
    dropped = [p for p in audit(index).problems if p.code == "alpha-channel"]
    assert len(dropped) == len(NAMES) and "--mask-alpha reads it as the mask" in dropped[0].message
    forced = discover(root, mask_alpha=True)
    assert forced.mapping.to_dict() == ALPHA and forced.classes.num_classes == 2
    assert read_mask(root / "masks" / "p0.png", forced.mapping)[:8].all()
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(root), "--mask-alpha", "--out", str(run), *TINY]) == 0
    card = load_checkpoint(run / "checkpoints" / "best.safetensors").card
    assert MaskMapping.from_dict(card.mapping).to_dict() == card.mapping == ALPHA  # evaluate reads the masks as training did
    assert main(["evaluate", str(run)]) == 0


def test_one_class_refusal_names_the_dropped_mask_alpha(tmp_path, capsys):
    """Most masks saved without alpha (empty ones, black), two with the label in it: the alpha is
    dropped and inspect's one-class refusal names --mask-alpha, not a --label-map."""
    root = alpha_dataset(tmp_path / "d", "layer")
    for name in NAMES[2:]:
        Image.fromarray(np.zeros((32, 32), np.uint8)).save(root / "masks" / f"{name}.png")
    assert main(["inspect", str(root)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "has only one class in its masks" in last
    assert "the masks' alpha channel is dropped: if it holds the label, --mask-alpha reads it as the mask" in last


def test_a_mask_without_alpha_read_by_alpha_is_a_finding_naming_it(tmp_path):
    root = alpha_dataset(tmp_path / "d", "layer")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(root / "masks" / "p5.png")
    index = discover(root)
    assert index.mapping.to_dict() == ALPHA
    [missing] = audit(index).fatal
    assert missing.path == root / "masks" / "p5.png" and "has no alpha channel" in missing.message
