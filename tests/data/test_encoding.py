"""Mask encodings chosen from the masks: colour discovery, thresholding and snapping of noisy
edges, stray values, and --label-map from the command line to the run folder."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from seglab import config as config_io
import seglab
from seglab.cli import build_parser, main
from seglab.cli.values import parse_label_map as parse_label_map_text
from seglab.data import audit, discover, read_mask, resolve_classes, scan
from seglab.data.encodings import encoding
from seglab.data.checking.checks import FATAL, severity
from seglab.data.encodings.colours import LOSSY_NEAR, discover_colours
from seglab.data.encodings.label_maps import inferred_class_count, parse_label_map
from seglab.data.classes.mapping import (
    BinaryMapping,
    ColourMapping,
    IdentityMapping,
    LabelMapping,
    MaskMapping,
    NearestColourMapping,
    ThresholdMapping,
)
from seglab.errors import ConfigError, DataError
from seglab.runs.checkpoint import load_checkpoint

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress", "--epochs", "1", "--size", "32"]
NAMES = [f"p{i}" for i in range(6)]
BLACK, RED, BLUE = (0, 0, 0), (255, 0, 0), (0, 0, 255)


def dataset(root: Path, masks: dict[str, np.ndarray]) -> Path:
    """images/ + masks/ with one random 32x32 RGB image per mask."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for name, mask in masks.items():
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / "images" / f"{name}.png")
        Image.fromarray(mask).save(root / "masks" / f"{name}.png")
    return root


def colour_mask() -> np.ndarray:
    """Black with 256 red pixels (top rows) and 128 blue pixels (bottom left)."""
    mask = np.zeros((32, 32, 3), np.uint8)
    mask[:8] = RED
    mask[24:, :16] = BLUE
    return mask


def binary_mask() -> np.ndarray:
    mask = np.zeros((32, 32), np.uint8)
    mask[:, 16:] = 255
    return mask


def test_colour_masks_without_classes_json_become_classes_ordered_by_colour(tmp_path):
    root = dataset(tmp_path / "d", {name: colour_mask() for name in NAMES})
    index = discover(root)
    assert index.classes.names == ("#000000", "#0000ff", "#ff0000")  # code order: black, blue, red
    assert index.classes.colours == (BLACK, BLUE, RED)
    assert index.mapping == ColourMapping((BLACK, BLUE, RED)) and index.problems == []
    stats = scan(index)
    assert stats.mask_values == {0: 6 * (1024 - 384), 1: 6 * 128, 2: 6 * 256} and stats.problems == []


def test_noisy_colour_edges_snap_to_the_nearest_colour_and_are_counted(tmp_path):
    masks = {name: colour_mask() for name in NAMES}
    for name in ("p1", "p4"):
        masks[name][8, :2] = (128, 0, 0)  # between black and red: nearer red; under 0.1 % of pixels
        masks[name][23, :3] = (250, 5, 5)  # a JPEG shift of red
    masks["p4"][30, 0] = (10, 10, 200)  # nearer blue
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.mapping == NearestColourMapping((BLACK, BLUE, RED)) and len(index.classes.names) == 3
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels" and severity(snapped) != FATAL
    assert snapped.message.startswith("11 mask pixels in 2 masks (most here: 6) have 3 colours that are not class")
    assert snapped.path == root / "masks" / "p4.png" and snapped.related == (root / "masks" / "p1.png",)
    labels = read_mask(root / "masks" / "p4.png", index.mapping)
    assert (labels[8, :2] == 2).all() and (labels[23, :3] == 2).all() and labels[30, 0] == 1
    assert scan(index).mask_values[2] == 6 * 256 + 2 * 5


def test_discovered_classes_json_can_be_named_and_passed_back(tmp_path):
    masks = {name: colour_mask() for name in NAMES}
    masks["p2"][8, 0] = (128, 0, 0)
    root = dataset(tmp_path / "d", masks)
    spec = discover(root).classes.to_dict()
    spec["names"] = ["background", "water", "building"]
    (tmp_path / "classes.json").write_text(json.dumps(spec))
    index = discover(root, classes_file=str(tmp_path / "classes.json"))
    assert index.classes.names == ("background", "water", "building")
    assert index.mapping == NearestColourMapping((BLACK, BLUE, RED))  # the same reading as before


def test_frequent_colours_are_classes_and_close_jpeg_shifts_are_not():
    counts = {0x000000: 5000, 0xFF0000: 3000, 0xFE0101: 400, 0x0000FF: 20, 0x7F0000: 3}
    assert discover_colours(counts) == (BLACK, BLUE, RED)  # 0xfe0101 is red shifted; 0x7f0000 is rare


def test_white_on_the_most_pixels_is_the_first_colour_class():
    """Rico's semantic screenshots paint components on white: white, ordered by code, was the last
    class, so class 0 was a component; now white on the most pixels is class 0, as grey levels'
    white background is offered (REFUGE), and white on fewer pixels keeps its place by code."""
    white = (255, 255, 255)
    rico = {0xFFFFFF: 7000, 0x42A6F6: 1100, 0xFFE0B2: 700, 0x141414: 100}
    assert discover_colours(rico) == (white, (20, 20, 20), (66, 166, 246), (255, 224, 178))
    jpeg = {0xFEFFFD: 7000, 0xFF0000: 2000, 0x000000: 1000}  # white shifted by a lossy save
    assert discover_colours(jpeg, near=LOSSY_NEAR) == ((254, 255, 253), BLACK, RED)
    assert discover_colours({0x000000: 5000, 0xFFFFFF: 3000, 0xFF0000: 2000}) == (BLACK, RED, white)


def test_blends_of_two_class_colours_are_not_classes():
    # JPEG chroma bleeding: dark red between black and red, rarer than both; a real class
    # colour as frequent as its neighbours stays, even on the line between them
    counts = {0x000000: 5000, 0xFF0000: 3000, 0x0000FF: 2000, 0x2D0000: 900, 0x0708C5: 400}
    assert discover_colours(counts) == (BLACK, BLUE, RED)
    assert discover_colours({0x000000: 5000, 0xC00000: 3000, 0x400000: 2000}) == (BLACK, (64, 0, 0), (192, 0, 0))


def test_rare_colours_and_blends_that_fill_regions_are_classes():
    # 0x007fbf lies between 0x007f7f and 0x007fff and is rarer than both (iSAID's soccer field)
    counts = {0x000000: 50000, 0x007F7F: 30000, 0x007FFF: 30000, 0x007FBF: 9000, 0x00FF00: 30}
    assert discover_colours(counts) == (BLACK, (0, 127, 127), (0, 127, 255))
    filled = {0x007FBF: 8000, 0x00FF00: 9}  # a 5x5 patch of green: under 0.1% of the pixels, but painted
    assert discover_colours(counts, filled) == (BLACK, (0, 127, 127), (0, 127, 191), (0, 127, 255), (0, 255, 0))


def test_a_blend_colour_painted_as_a_region_is_a_class_not_snapped(tmp_path):
    """iSAID's harbour (0, 100, 155) lies between two class colours, rarer than both: as a region
    of its own it is a class (it was merged into its nearest neighbour)."""
    dark_red = (128, 0, 0)  # between black and red
    masks = {name: colour_mask() for name in NAMES}
    masks["p2"][12:18, 20:26] = dark_red
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.classes.colours == (BLACK, BLUE, dark_red, RED) and index.problems == []
    assert index.mapping == ColourMapping((BLACK, BLUE, dark_red, RED))
    assert scan(index).mask_values[2] == 36


def test_a_region_of_a_colour_the_sample_missed_is_refused_with_the_colour(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "sample_masks", partial(encoding.sample_masks, size=3))  # p0, p2, p5
    masks = {name: colour_mask() for name in NAMES}
    for name in NAMES:
        masks[name][8, :2] = (128, 0, 0)  # edge noise: snapped
    masks["p1"][12:18, 20:26] = (250, 5, 5)  # a JPEG shift of red, even as a flat block: snapped
    masks["p3"][12:18, 20:26] = (0, 255, 0)  # a class the sample did not see
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert isinstance(index.mapping, NearestColourMapping) and len(index.classes.names) == 3
    [refused] = audit(index).fatal
    assert refused.code == "unknown-colour" and refused.path == root / "masks" / "p3.png"
    assert "no class colour and fill regions, not antialiased or JPEG edges: (0, 255, 0) (36 px)" in refused.message
    assert 'list them in classes.json "colours" beside the 3 class colours' in refused.message
    spec = {"names": ["background", "water", "grass", "building"], "colours": [BLACK, BLUE, (0, 255, 0), RED]}
    (tmp_path / "classes.json").write_text(json.dumps(spec))
    listed = discover(root, classes_file=str(tmp_path / "classes.json"))
    assert audit(listed).fatal == [] and read_mask(root / "masks" / "p3.png", listed.mapping)[12, 20] == 2


def test_jpeg_colour_masks_get_three_classes_and_snap_the_rest(tmp_path):
    root = dataset(tmp_path / "d", {})
    for name in NAMES:
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        Image.fromarray(colour_mask()).save(root / "masks" / f"{name}.jpg", quality=90)
    index = discover(root)
    assert len(index.classes.names) == 3 and isinstance(index.mapping, NearestColourMapping)
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels" and "in 6 masks" in snapped.message
    assert audit(index).fatal == []


def test_each_sampled_mask_is_told_lossy_or_not_once(tmp_path, monkeypatch):
    """Whether a mask is saved lossy is told once, as it is sampled (`MaskSample.lossy`): the
    most-masks-lossy check, the photo share and the painted-shade refusal each read every colour
    mask's header again."""
    from seglab.data.files import lossy

    told = []
    sniff = lossy.format_by_content
    monkeypatch.setattr(lossy, "format_by_content", lambda path: told.append(path) or sniff(path))
    root = dataset(tmp_path / "d", {name: np.zeros((32, 32, 3), np.uint8) for name in NAMES})
    for name in NAMES:
        (root / "masks" / f"{name}.png").unlink()
        Image.fromarray(colour_mask()).save(root / "masks" / f"{name}.jpg", quality=90)
    assert isinstance(discover(root).mapping, NearestColourMapping)
    assert sorted(told) == sorted(root.glob("masks/*.jpg"))


def id_mask(first: int) -> np.ndarray:
    """Stanford 2D-3D-S's semantic/: 8 objects, each two 8x8 squares apart, numbered in RGB
    (R*65536 + G*256 + B, ids `first`..`first`+7, 1 level apart)."""
    ids = first + (np.arange(16) % 8).reshape(4, 4).repeat(8, axis=0).repeat(8, axis=1)
    return np.stack([ids >> 16, (ids >> 8) & 255, ids & 255], axis=-1).astype(np.uint8)


def test_colours_numbering_objects_in_lossless_masks_are_refused_not_snapped(tmp_path):
    """Stanford 2D-3D-S's ids read as 12 colour classes, 56 other colours snapped into them as
    'antialiased or JPEG edges' though each fills regions of a PNG: one class split, others merged."""
    root = dataset(tmp_path / "d", {f"p{k}": id_mask(1 + 8 * k) for k in range(8)})
    with pytest.raises(DataError) as refused:
        discover(root)
    message = str(refused.value)
    assert f"lossless colour masks such as '{root / 'masks' / 'p0.png'}' hold " in message
    assert "fill regions within 10 levels of one of the" in message and "no edge noise to snap" in message
    assert "64 colours in the sampled masks look like numbers encoded in RGB (ids, R*65536 + G*256 + B)" in message
    assert "semantic_labels.json, Stanford 2D-3D-S's assets/) in DATA or DATA/assets names their classes" in message
    assert 'classes.json "colours" list and pass it with --classes' in message
    spec = {"names": [f"object_{i}" for i in range(1, 65)],
            "colours": [[0, 0, i] for i in range(1, 65)]}  # the route: every colour listed
    (tmp_path / "classes.json").write_text(json.dumps(spec))
    listed = discover(root, classes_file=str(tmp_path / "classes.json"))
    assert listed.mapping == ColourMapping(tuple((0, 0, i) for i in range(1, 65))) and listed.problems == []


def stanford_2d3ds(root: Path) -> list[str]:
    """Stanford 2D-3D-S as downloaded: `area_N/data/rgb/<frame>_rgb.png` + `semantic/<frame>_semantic.png`
    (`id_mask`'s objects, ids 1..16) and `assets/semantic_labels.json`, the label of each id; pixels
    of id 0x0D0D0D (no label) in one corner. Returns the labels."""
    labels = ["<UNK>_0_<UNK>_0_0"] + [f"{c}_{k}_office_1_1" for k, c in enumerate(
        ["wall", "chair", "ceiling", "chair", "board", "wall", "window", "<UNK>"] * 2, start=1)]
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "semantic_labels.json").write_text(json.dumps(labels))
    for area in ("area_1", "area_2"):
        for i in range(3):
            frame = f"camera_{i:032x}_office_1_frame_{i}_domain"
            mask = id_mask(1 + 8 * (i % 2))
            mask[:4, :4] = 0x0D
            for folder, picture in (("rgb", np.full((32, 32, 3), 40 * i, np.uint8)), ("semantic", mask)):
                (root / area / "data" / folder).mkdir(parents=True, exist_ok=True)
                Image.fromarray(picture).save(root / area / "data" / folder / f"{frame}_{folder}.png")
    return labels


def test_ids_numbered_in_rgb_are_read_through_the_label_table_shipped_beside(tmp_path):
    """Stanford 2D-3D-S's ids (R*65536 + G*256 + B) index assets/semantic_labels.json, whose first
    words are the classes: they were refused as region-filling colours with no route but listing
    thousands of colours; `<UNK>` and ids past the table (0x0D0D0D) are the ignore label."""
    from seglab.data.encodings.rgb_ids import RgbIdMapping

    labels = stanford_2d3ds(tmp_path / "s3d")
    index = discover(tmp_path / "s3d")
    assert index.classes.names == ("board", "ceiling", "chair", "wall", "window")
    assert index.classes.ignore_index == 255 and len(index.pairs) == 6
    assert isinstance(index.mapping, RgbIdMapping)
    assert MaskMapping.from_dict(json.loads(json.dumps(index.mapping.to_dict()))) == index.mapping
    pair = next(p for p in index.pairs if p.mask.name.startswith(f"camera_{1:032x}"))
    mask = read_mask(pair.mask, index.mapping)
    ids = id_mask(9).astype(np.int64)
    expected = np.array([[{"<UNK>": 255}.get(labels[int(i)].split("_")[0], -1) for i in row] for row in ids[..., 2]])
    names = index.classes.names
    for k, name in enumerate(names):
        expected[[[labels[int(i)].startswith(name + "_") for i in row] for row in ids[..., 2]]] = k
    expected[:4, :4] = 255  # 0x0D0D0D: past the table
    assert np.array_equal(mask, expected) and set(np.unique(mask)) == {0, 1, 2, 3, 4, 255}
    report = scan(index)
    assert [p for p in report.problems if severity(p.code) == FATAL] == []


def test_a_near_shade_painted_in_a_png_is_refused_but_a_jpeg_shift_is_snapped(tmp_path):
    masks = {name: colour_mask() for name in NAMES}
    masks["p1"][12:18, 20:26] = (250, 5, 5)  # a region, in a lossless file: no JPEG shifted it
    with pytest.raises(DataError, match=r"masks such as '.*p1.png' hold 1 colours \(#fa0505\) that fill regions "
                       r"within 10 levels of one of the 3 class colours: no JPEG shifted them, so they are no "
                       r"edge noise to snap\. List every class colour"):
        discover(dataset(tmp_path / "png", masks))
    root = dataset(tmp_path / "jpeg", {name: colour_mask() for name in NAMES})
    Image.fromarray(masks["p1"]).save(root / "masks" / "p1.jpg", quality=100)
    (root / "masks" / "p1.png").unlink()
    index = discover(root)
    assert isinstance(index.mapping, NearestColourMapping) and len(index.classes.names) == 3


def test_a_near_shade_painted_small_in_several_pngs_is_refused_naming_one(tmp_path):
    """Regions pooled over the masks pass `SOLID` though none holds as many inside pixels alone
    (Hi-UCD's change ids): the refusal named its example mask with `next()` over single masks and
    crashed with StopIteration instead of refusing."""
    masks = {name: colour_mask() for name in NAMES}
    for name in ("p1", "p2", "p3"):
        masks[name][12:16, 20:24] = (250, 5, 5)  # 4 pixels inside each patch, 12 in all
    with pytest.raises(DataError, match=r"masks such as '.*p[123].png' hold 1 colours \(#fa0505\) that fill regions "
                       r"within 10 levels of one of the 3 class colours"):
        discover(dataset(tmp_path / "d", masks))


def test_rgb_masks_of_a_label_map_per_channel_are_refused_naming_each_channels_values(tmp_path):
    """Hi-UCD's masks: land cover of 2017 in R, of 2018 in G, the change (0 unlabelled, 1 unchanged,
    2 changed) in B. Their colours, a level or a few apart, were read as colours of classes and
    refused with a classes.json of every colour as the route; they hold labels, one map a channel."""
    masks = {}
    for i, name in enumerate(NAMES):
        before = np.full((32, 32), 2, np.uint8)
        before[:10], before[20:, :16] = 1, 3
        after = before.copy()
        after[20:, 16:] = 3 + i % 3
        masks[name] = np.dstack([before, after, np.where(before == after, 1, 2).astype(np.uint8)])
    with pytest.raises(DataError, match=r"they hold a label map in each channel \(R: 1, 2, 3; G: 1, 2, 3, 4, 5; B: "
                       r"1, 2\), not colours of classes .*save the channel to train on as a grey mask"):
        discover(dataset(tmp_path / "d", masks))


def test_a_near_shade_painted_in_a_lossless_webp_is_refused_but_a_lossy_webps_is_snapped(tmp_path):
    """A WebP is lossy or lossless by its image chunk ('VP8 ' or 'VP8L'), not its suffix: a lossless
    one is as exact as a PNG, and a colour filling regions in it was painted."""
    masks = {name: colour_mask() for name in NAMES}
    masks["p1"][12:18, 20:26] = (250, 5, 5)
    for kind, options in (("lossless", {"lossless": True}), ("lossy", {"quality": 100})):
        root = dataset(tmp_path / kind, {})
        for name in NAMES:
            Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
            Image.fromarray(masks[name]).save(root / "masks" / f"{name}.webp", **options)
        if kind == "lossless":
            with pytest.raises(DataError, match=r"lossless colour masks such as '.*p1\.webp' hold 1 colours \(#fa0505\)"):
                discover(root)
        else:
            index = discover(root)
            assert isinstance(index.mapping, NearestColourMapping) and len(index.classes.names) == 3


def field_mask(i: int) -> np.ndarray:
    """48x64 black soil with a green crop disc and a red weed disc (radius 14), placed by `i`."""
    y, x = np.mgrid[:48, :64]
    mask = np.zeros((48, 64, 3), np.uint8)
    for colour, (cy, cx) in (((0, 255, 0), (14 + 2 * i, 16 + 3 * i)), (RED, (34 - i, 48 - 2 * i))):
        mask[np.hypot(y - cy, x - cx) < 14] = colour
    return mask


@pytest.mark.parametrize("declared", [False, True], ids=["found", "classes-json"])
@pytest.mark.parametrize("suffix", ["webp", "jpg"])
def test_small_lossy_colour_masks_snap_to_their_class_colours(tmp_path, suffix, declared):
    """A labelling tool's colour masks downloaded as lossy WebP (quality 80) shift most pixels a
    level or two off their class colour: they were refused as photos (58% of pixels 'no class
    colour'), with a classes.json of the three colours too, and so were small JPEG ones, whose
    chroma rings shades up to 14 levels off black beside red (#0b0000, #00000b: classes, once
    not refused). Only colours beyond a lossy shift count towards photos, a shift reaches
    `LOSSY_NEAR` in lossy masks, and declared colours are snapped to, never refused."""
    root = dataset(tmp_path / "d", {})
    for i in range(8):
        Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(root / "images" / f"f{i}.png")
        Image.fromarray(field_mask(i)).save(root / "masks" / f"f{i}.{suffix}", quality=80)
    colours = (BLACK, (0, 255, 0), RED)
    if declared:
        (root / "classes.json").write_text(json.dumps({"names": ["soil", "crop", "weed"], "colours": colours}))
    index = discover(root)
    assert isinstance(index.mapping, NearestColourMapping) and index.classes.num_classes == 3
    if declared:
        assert index.mapping.colours == colours
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels" and "each was snapped to the nearest class colour" in snapped.message
    report = audit(index)
    assert report.fatal == [] and {p.code for p in report.problems} == {"snapped-pixels", "lossy-mask"}
    truth = np.argmax([np.all(field_mask(3) == c, axis=2) for c in colours], axis=0)
    assert (read_mask(root / "masks" / f"f3.{suffix}", index.mapping) == truth).mean() > 0.97


def test_antialiased_edges_of_three_colours_are_still_snapped_with_the_warning(tmp_path):
    """Edges drawn at 4x and shrunk (as drawing tools antialias): blends along every border,
    one or two pixels wide, snapped to the nearest class colour."""
    big = np.zeros((128, 128, 3), np.uint8)
    big[:42] = RED
    big[85:, 18:90] = BLUE
    big[53:78, 30:110] = (0, 255, 0)
    shrunk = np.asarray(Image.fromarray(big).resize((32, 32), Image.Resampling.BILINEAR))
    root = dataset(tmp_path / "d", {name: shrunk for name in NAMES})
    index = discover(root)
    assert index.classes.colours == (BLACK, BLUE, (0, 255, 0), RED)
    assert isinstance(index.mapping, NearestColourMapping)
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels" and "(antialiased or JPEG edges); each was snapped" in snapped.message
    assert audit(index).fatal == []


def test_photos_as_colour_masks_are_refused_with_the_file(tmp_path):
    rng = np.random.default_rng(1)
    root = dataset(tmp_path / "d", {name: rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for name in NAMES})
    with pytest.raises(DataError, match=r"colour masks such as '.*p0.png' hold 6,1\d\d colours, none frequent"):
        discover(root)


def test_grey_masks_saved_as_rgb_are_label_masks(tmp_path):
    grey = binary_mask()
    root = dataset(tmp_path / "d", {name: np.stack([grey] * 3, axis=-1) for name in NAMES})
    index = discover(root)
    assert index.mapping == BinaryMapping() and audit(index).problems == []


def test_16_bit_rgb_masks_are_read_by_their_first_channel(tmp_path, caplog):
    """SYNTHIA's GT/LABELS (class id in R, instance number in G) were read by Pillow as their high
    bytes, every class 0: each mask empty, and the run stopped with one class."""
    import imagecodecs

    root = dataset(tmp_path / "d", {})
    classes = np.zeros((32, 32), np.uint16)
    classes[:, 10:] = 3
    classes[20:, :] = 8
    for k, name in enumerate(NAMES):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        instances = np.where(classes == 8, 100 + k, 0).astype(np.uint16)
        mask = np.stack([classes, instances, np.zeros_like(classes)], axis=-1)
        (root / "masks" / f"{name}.png").write_bytes(imagecodecs.png_encode(mask))
    with caplog.at_level("INFO", logger="seglab"):
        index = discover(root)
    assert "are 16-bit RGB: their first channel (R) is read as the class" in caplog.text
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), classes)
    assert resolve_classes(index, scan(index)).num_classes == 9
    assert audit(index).fatal == []


def test_antialiased_binary_masks_are_thresholded_and_counted(tmp_path):
    masks = {name: binary_mask() for name in NAMES}
    for name in ("p0", "p3"):
        masks[name][:6, 15] = [20, 60, 100, 140, 180, 220]  # a soft edge
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.mapping == ThresholdMapping(128) and index.classes.names == ("class_0", "class_1")
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels"
    assert "12 mask pixels in 2 masks (most here: 6) lie between 0 and 255" in snapped.message
    np.testing.assert_array_equal(read_mask(root / "masks" / "p0.png", index.mapping)[:6, 15], [0, 0, 0, 1, 1, 1])


def test_ids_between_0_and_255_that_fill_regions_are_labels_not_antialiased_edges(tmp_path: Path) -> None:
    """Falling Things' .seg.png hold object ids 12, 24, ... (mixed/) beside masks of 0 and 255
    (single/): over 90% of the pixels are 0 or 255 and the ids were 'antialiased or JPEG edges',
    thresholded at 128, so its 21 objects became one foreground class."""
    masks = {name: binary_mask() for name in NAMES}
    for k, name in enumerate(NAMES[:3]):
        masks[name][:] = 0
        masks[name][2:8, 2:8] = 12 * (2 * k + 1)
        masks[name][20:26, 4:10] = 12 * (2 * k + 2)
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.mapping == IdentityMapping()
    assert not [p for p in index.problems if p.code == "snapped-pixels"]
    np.testing.assert_array_equal(read_mask(root / "masks" / "p1.png", index.mapping)[[3, 21], [3, 5]], [36, 48])


def ndds_capture(folder: Path, objects: dict[str, int], seed: int) -> None:
    """An NDDS capture folder (Falling Things): `NNNNNN.left.jpg` beside `NNNNNN.left.seg.png`, and the
    `_object_settings.json` naming each object's class and the value it is painted with."""
    folder.mkdir(parents=True)
    (folder / "_object_settings.json").write_text(json.dumps({
        "exported_object_classes": list(objects),
        "exported_objects": [{"class": name, "segmentation_class_id": value, "segmentation_instance_id": 100 * value}
                             for name, value in objects.items()]}))
    rng = np.random.default_rng(seed)
    for frame in range(3):
        mask = np.zeros((32, 32), np.uint8)
        for k, value in enumerate(objects.values()):
            mask[2 + 10 * k : 8 + 10 * k, 4 + frame : 20] = value
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{frame:06d}.left.jpg")
        Image.fromarray(mask).save(folder / f"{frame:06d}.left.seg.png")


def test_each_folders_object_settings_name_its_values_and_a_single_objects_255_is_that_object(tmp_path: Path) -> None:
    """Falling Things: mixed/<scene>/ paints its objects 12, 24, ..., and each single/<object>/<scene>/
    its one object 255, as the _object_settings.json beside the masks says. Read as one table of
    values, the classes were class_0 to class_72 with 255 outside them, and the single scenes'
    masks binary masks of no class; the --label-map offered named no object."""
    fat = tmp_path / "fat"
    ndds_capture(fat / "mixed" / "kitchen_0", {"002_master_chef_can_16k": 12, "003_cracker_box_16k": 24,
                                                "037_scissors_16k": 204}, 0)
    ndds_capture(fat / "single" / "037_scissors_16k" / "forest_2", {"037_scissors_16k": 255}, 1)
    ndds_capture(fat / "single" / "011_banana_16k" / "temple_1", {"011_banana_16k": 255}, 2)
    index = discover(tmp_path)
    assert index.classes.names == ("background", "002_master_chef_can_16k", "003_cracker_box_16k",
                                   "037_scissors_16k", "011_banana_16k")
    read = {folder: np.unique(read_mask(fat / folder / "000000.left.seg.png", index.mapping)).tolist()
            for folder in ("mixed/kitchen_0", "single/037_scissors_16k/forest_2", "single/011_banana_16k/temple_1")}
    assert read == {"mixed/kitchen_0": [0, 1, 2, 3], "single/037_scissors_16k/forest_2": [0, 3],
                    "single/011_banana_16k/temple_1": [0, 4]}
    assert not [p for p in audit(index).problems if severity(p) == FATAL]
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping  # as a run folder stores it


def test_regions_are_counted_on_lossy_masks_and_lossless_ones_that_may_paint_levels_between_0_and_255(
    tmp_path: Path
) -> None:
    """Region counts serve `_painted_levels` and `lossy_labels`: lossless masks of 0 and 255 only,
    or of values past 255, are sampled without them; in JPEG ones a region is a 5x5 patch."""
    from seglab.data.encodings.mask_sample import sample_masks
    block = np.zeros((32, 32), np.uint8)
    block[4:20, 4:20] = 255
    block[22:30, 22:30] = 12
    arrays = {"ids.png": block, "binary.png": np.where(block == 12, 0, block).astype(np.uint8),
              "wide.png": block.astype(np.uint16) * 4, "ids.jpg": block}
    for name, array in arrays.items():
        Image.fromarray(array).save(tmp_path / name, quality=95)
    sample = sample_masks(sorted(tmp_path / name for name in arrays))
    assert len(sample.labels) == 4
    assert list(sample.label_filled) == [tmp_path / "ids.jpg", tmp_path / "ids.png"]
    assert sample.label_filled[tmp_path / "ids.png"][12] == 36  # the 8x8 patch less its edge
    assert sample.label_filled[tmp_path / "ids.jpg"][12] <= 16  # the 8x8 patch less two pixels round


def test_0_255_masks_white_on_most_pixels_warn_that_black_may_mark_the_objects(tmp_path: Path) -> None:
    """PALM's Disc_Masks draw the optic disc black (0) on white (255, on 96% of the pixels): read as
    class 0 the disc and class 1 the background, with no word. The warning names the --label-map
    that turns them round; ISBI 2012's white cells around black membranes (white on 78%) stay quiet."""
    disc = np.full((32, 32), 255, np.uint8)
    disc[10:16, 10:16] = 0
    root = dataset(tmp_path / "palm", {name: disc for name in NAMES})
    index = discover(root)
    assert index.mapping == BinaryMapping()
    [white] = index.problems
    assert white.code == "white-background" and severity(white) != FATAL
    assert "white (255, read as class 1) on 96% of the sampled pixels" in white.message
    assert "--label-map 0:1,255:0 reads black as class 1" in white.message
    turned = discover(root, label_map=parse_label_map_text("0:1,255:0"))
    assert turned.problems == []
    np.testing.assert_array_equal(read_mask(root / "masks" / "p0.png", turned.mapping)[[12, 0], [12, 0]], [1, 0])
    membranes = np.full((32, 32), 255, np.uint8)
    membranes[::4] = 0
    assert discover(dataset(tmp_path / "isbi", {name: membranes for name in NAMES})).problems == []


def test_stray_values_in_binary_masks_are_one_finding_with_counts_and_files(tmp_path):
    masks = {name: binary_mask() for name in NAMES}
    masks["p0"][0, :2] = 3
    masks["p2"][5, 5] = 3
    masks["p5"][9, 9] = 4
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.mapping == BinaryMapping()
    report = audit(index)
    [stray] = report.fatal
    assert stray.code == "values-outside-classes" and report.problems == [stray]
    assert "values outside the classes (0..1): 3 (3 px in 2 files: p0.png, p2.png), 4 (1 px in 1 file: p5.png)" \
        in stray.message
    assert "--label-map 255:1,3:ignore,4:ignore" in stray.message
    assert stray.path == root / "masks" / "p0.png"
    assert stray.related == (root / "masks" / "p2.png", root / "masks" / "p5.png")
    splits = {"train": index.pairs, "val": [], "test": []}
    clean, skipped, unplaced = report.drop_bad(splits)
    assert [pair.name for pair, _ in skipped] == ["p0", "p2", "p5"] and unplaced == []
    assert [pair.name for pair in clean["train"]] == ["p1", "p3", "p4"]


def test_label_map_maps_stray_values_and_ignore_becomes_255(tmp_path):
    masks = {name: binary_mask() for name in NAMES}
    masks["p0"][0, :2] = 3
    root = dataset(tmp_path / "d", masks)
    index = discover(root, label_map={255: 1, 3: "ignore"})
    assert index.mapping == LabelMapping(((3, 255), (255, 1))) and index.ignore_index == 255
    assert audit(index).problems == []
    classes = resolve_classes(index, scan(index))
    assert classes.names == ("class_0", "class_1") and classes.ignore_index == 255
    labels = read_mask(root / "masks" / "p0.png", index.mapping)
    assert labels[0, 0] == 255 and labels[0, 20] == 1 and labels[5, 0] == 0
    # an ignore index that is set is what 'ignore' means; a map can also merge classes
    assert discover(root, label_map={3: "ignore", 255: 1}, ignore_index=9).mapping == LabelMapping(((3, 9), (255, 1)))
    assert discover(root, label_map={3: 0, 255: 1}).ignore_index is None


def test_void_border_in_label_masks_suggests_the_ignore_index(tmp_path):
    mask = np.zeros((32, 32), np.uint8)
    mask[8:16] = 1
    mask[16:24] = 2
    mask[0] = 255  # a VOC-style void border, no classes.json
    root = dataset(tmp_path / "d", {name: mask for name in NAMES})
    index = discover(root)
    report = audit(index)
    [stray] = report.fatal
    assert "(0..2, inferred from the masks" in stray.message and "255 (192 px in 6 files: p0.png" in stray.message
    assert "--ignore-index 255 if it marks void pixels" in stray.message
    assert resolve_classes(index, report.stats).num_classes == 3
    index = discover(root, ignore_index=255)
    assert audit(index).problems == [] and resolve_classes(index, scan(index)).num_classes == 3


def test_one_far_value_never_sizes_the_model(tmp_path, capsys):
    mask = np.zeros((32, 32), np.uint16)
    mask[16:] = 1
    odd = mask.copy()
    odd[0, 0] = 65535
    root = dataset(tmp_path / "d", {**{name: mask for name in NAMES}, "p6": odd})
    index = discover(root)
    assert resolve_classes(index, scan(index)).num_classes == 2
    assert main(["train", "--no-plan", str(root), "--out", str(tmp_path / "run"), *TINY]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "[values-outside-classes]" in last and "65535 (1 px in 1 file: p6.png)" in last
    assert not (tmp_path / "run" / "checkpoints" / "best.safetensors").exists()


def test_inferred_class_count_stops_at_a_wide_gap():
    assert inferred_class_count([0, 1, 2]) == 3
    assert inferred_class_count([0, 5, 11]) == 12  # CamVid-like ids with absent classes
    assert inferred_class_count([0, 1, 255]) == 2
    assert inferred_class_count([0, 1, 65535, -1]) == 2
    assert inferred_class_count([40]) == 0


def test_label_map_checks_and_parsing(tmp_path):
    assert parse_label_map({"255": 1, 3: "ignore"}) == {255: 1, 3: "ignore"}  # JSON keys are strings
    for bad, message in (({"x": 1}, "'x' is not a raw mask value"), ({3: -1}, "3 maps to -1"),
                         ({3: "void"}, "3 maps to 'void'"), ({}, "must map raw mask values")):
        with pytest.raises(ConfigError, match=message):
            parse_label_map(bad)
    args = build_parser().parse_args(["inspect", "d", "--label-map", "255:1, 3:ignore"])
    assert vars(args)["data.label_map"] == {255: 1, 3: "ignore"}
    with pytest.raises(SystemExit):
        build_parser().parse_args(["inspect", "d", "--label-map", "255=1"])
    assert "--label-map RAW:CLASS" in build_parser()._subparsers._group_actions[0].choices["train"].format_help()


def test_label_map_on_colour_masks_is_refused(tmp_path, capsys):
    root = dataset(tmp_path / "d", {name: colour_mask() for name in NAMES})
    assert main(["inspect", str(root), "--label-map", "1:2"]) == 2
    err = capsys.readouterr().err
    assert "has colour masks; name their classes in a classes.json" in err and "Traceback" not in err


def test_inspect_shows_discovered_colours(tmp_path, capsys):
    root = dataset(tmp_path / "d", {name: colour_mask() for name in NAMES})
    assert main(["inspect", str(root)]) == 0
    out = capsys.readouterr().out
    assert "#ff0000" in out and "1,536 px" in out and "rgb(255, 0, 0)" in out


def test_label_map_reaches_the_python_api_and_yaml(tmp_path):
    masks = {name: binary_mask() for name in NAMES}
    masks["p0"][0, :2] = 3
    root = dataset(tmp_path / "d", masks)
    ds = seglab.load_dataset(root, label_map={255: 1, 3: "ignore"})
    assert ds.classes.num_classes == 2 and ds.classes.ignore_index == 255
    (tmp_path / "exp.yaml").write_text("data:\n  label_map: {255: 1, 3: ignore}\n")
    cfg = config_io.load(tmp_path / "exp.yaml")
    assert cfg.data.label_map == {255: 1, 3: "ignore"}
    config_io.save(cfg, tmp_path / "again.yaml")
    assert config_io.load(tmp_path / "again.yaml") == cfg


def test_train_on_colour_masks_writes_classes_json_to_the_run(tmp_path, capsys):
    root = dataset(tmp_path / "d", {name: colour_mask() for name in NAMES})
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(root), "--out", str(run), *TINY]) == 0
    written = json.loads((run / "classes.json").read_text())
    assert written["names"] == ["#000000", "#0000ff", "#ff0000"]
    assert written["colours"] == [list(BLACK), list(BLUE), list(RED)]
    assert "pass it back with --classes" in capsys.readouterr().err
    card = load_checkpoint(run / "checkpoints" / "best.safetensors").card
    assert MaskMapping.from_dict(card.mapping) == ColourMapping((BLACK, BLUE, RED))


def test_train_with_label_map_stores_it_for_evaluation(tmp_path):
    masks = {name: binary_mask() for name in NAMES}
    masks["p0"][0, :2] = 3
    root = dataset(tmp_path / "d", masks)
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(root), "--out", str(run), "--label-map", "255:1,3:ignore", *TINY]) == 0
    saved = yaml.safe_load((run / "config.yaml").read_text())["data"]
    assert saved["label_map"] == {255: 1, 3: "ignore"} and saved["ignore_index"] == 255
    card = load_checkpoint(run / "checkpoints" / "best.safetensors").card
    assert MaskMapping.from_dict(card.mapping) == LabelMapping(((3, 255), (255, 1)))
    assert card.classes["ignore_index"] == 255
    # evaluation re-reads the folder from config.yaml: the same mapping and ignore label
    again = discover(root, **{k: saved[k] for k in ("label_map", "ignore_index")})
    assert again.mapping == LabelMapping(((3, 255), (255, 1))) and again.ignore_index == 255


def test_evaluating_another_folder_keeps_the_trained_colour_indices(tmp_path):
    from seglab.evaluation.scoring import pairs_to_evaluate
    from seglab.runs.run_folder import RunFolder

    root = dataset(tmp_path / "d", {name: colour_mask() for name in NAMES})
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(root), "--out", str(run), *TINY]) == 0
    no_blue = colour_mask()
    no_blue[24:, :16] = BLACK  # alone, this folder would discover only black and red
    other = dataset(tmp_path / "other", {"q0": no_blue, "q1": no_blue})
    pairs, _, mapping = pairs_to_evaluate(RunFolder(run), other, "test")
    assert mapping == ColourMapping((BLACK, BLUE, RED))
    assert read_mask(pairs[0].mask, mapping)[0, 0] == 2  # red is still class 2


def test_masks_without_any_value_near_zero_are_refused_clearly(tmp_path, capsys):
    mask = np.full((32, 32), 40, np.uint8)
    mask[16:] = 80
    root = dataset(tmp_path / "d", {name: mask for name in NAMES})
    assert main(["inspect", str(root)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "(values: 40, 80)" in last and "--label-map 40:0,80:1" in last
    index = discover(root)
    [stray] = scan(index).problems
    assert "outside the classes (none, inferred" in stray.message and "--label-map 40:ignore,80:ignore" in stray.message


@pytest.mark.parametrize("noisy", [False, True], ids=["exact", "jpeg-edges"])
def test_class_dict_grey_colours_name_grey_masks_by_level(tmp_path: Path, noisy: bool) -> None:
    """DeepGlobe Road (Kaggle) ships `class_dict.csv` with road 255,255,255 first and background
    0,0,0 second, over grey 0/255 masks: the names were taken in row order and the masks read
    by value, so every road pixel was called background and back."""
    root = tmp_path / "road"
    (root / "train").mkdir(parents=True)
    (root / "class_dict.csv").write_text("name,r,g,b\nroad,255,255,255\nbackground,0,0,0\n")
    for i in range(4):
        mask = np.zeros((32, 32), np.uint8)
        mask[4 + i:20, 6:12] = 255
        if noisy:
            mask[20, 6:12] = np.arange(100, 220, 20)  # antialiased edge
            mask[4 + i, 12:20] = 200
        Image.fromarray(mask).convert("RGB").save(root / "train" / f"{100 + i}_mask.png")
        Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(root / "train" / f"{100 + i}_sat.jpg")
    index = discover(root)
    assert index.classes.names == ("road", "background")
    labels = read_mask(index.pairs[0].mask, index.mapping)
    assert (labels[5:20, 6:12] == 0).all() and labels[25, 25] == 1  # road where the mask is white


def test_class_dict_grey_levels_map_to_their_classes(tmp_path: Path) -> None:
    """Grey masks of several levels named by a class_dict.csv of greys (0, 128, 255) read as
    those classes; before, 128 and 255 were values beyond the three classes."""
    masks = {}
    for name in NAMES:
        mask = np.zeros((32, 32), np.uint8)
        mask[2:12, 2:12], mask[15:30, 15:30] = 128, 255
        masks[name] = mask
    root = dataset(tmp_path / "d", masks)
    (root / "class_dict.csv").write_text("name,r,g,b\nsoil,0,0,0\nplant,128,128,128\nsky,255,255,255\n")
    index = discover(root)
    labels = read_mask(index.pairs[0].mask, index.mapping)
    assert index.classes.names == ("soil", "plant", "sky")
    assert labels[5, 5] == 1 and labels[20, 20] == 2 and labels[0, 31] == 0
    assert audit(index).fatal == []


def test_a_label_class_dict_names_the_classes(tmp_path: Path) -> None:
    """The Massachusetts roads and buildings (Kaggle) name theirs label_class_dict.csv: it was
    listed as ignored and the classes were class_0, class_1."""
    root = dataset(tmp_path / "d", {name: binary_mask() for name in NAMES})
    (root / "label_class_dict.csv").write_text("name,r,g,b\nbackground,0,0,0\nbuilding,255,255,255\n")
    index = discover(root)
    assert index.classes.names == ("background", "building") and index.mapping == BinaryMapping()


@pytest.mark.parametrize(("stray", "levels"), [([63, 126, 189, 252], "63:1,126:2,189:3,252:4"),
                                               ([127, 255], "127:1,255:2"), ([85, 170, 255], "85:1,170:2,255:3")])
def test_evenly_spaced_grey_levels_are_offered_as_classes(stray: list[int], levels: str) -> None:
    """CHAOS' MR masks hold 0, 63, 126, 189 and 252 (liver, kidneys, spleen): the one flag
    offered was --label-map 63:ignore,126:ignore,..., which would ignore every organ."""
    from seglab.data.encodings.label_maps import relabel_hint
    from seglab.data.classes.mapping import IdentityMapping
    hint = relabel_hint(IdentityMapping(), stray, num_classes=1)
    assert f"--label-map {levels} reads them as classes 1 to {len(stray)}" in hint and "ignore" not in hint
    assert "evenly" not in relabel_hint(IdentityMapping(), [3, 40, 200], num_classes=1)


def test_evenly_spaced_soft_levels_are_offered_cut_at_half() -> None:
    """CUB-200-2011's segmentations average 5 annotators (0, 51, ..., 255): read as 5 classes they
    are agreement levels, not classes; the hint also offers the object cut at half (3 of 5)."""
    from seglab.data.encodings.label_maps import relabel_hint
    from seglab.data.classes.mapping import IdentityMapping
    hint = relabel_hint(IdentityMapping(), [51, 102, 153, 204, 255], num_classes=1)
    assert "--label-map 51:0,102:0,153:1,204:1,255:1 reads it cut at half" in hint


def test_grey_levels_whose_top_covers_most_pixels_keep_that_background_class_0(tmp_path: Path) -> None:
    """REFUGE's disc and cup masks hold 0 cup, 128 disc rim, 255 background: the offered
    --label-map 128:1,255:2 made the cup class 0, the index read as background, and the
    background class 2. Masks whose 0 is the background (CHAOS') keep the levels-up map."""
    refuge = np.full((32, 32), 255, np.uint8)
    refuge[8:24, 8:24] = 128
    refuge[12:20, 12:20] = 0
    problems = audit(discover(dataset(tmp_path / "refuge", {name: refuge for name in NAMES}))).fatal
    message = next(p.message for p in problems if p.code == "values-outside-classes")
    assert "255 on the most pixels (75%)" in message and "--label-map 255:0,128:1,0:2 reads 255 as class 0" in message
    chaos = np.zeros((32, 32), np.uint8)
    chaos[4:12, 4:12], chaos[20:28, 20:28] = 128, 255
    problems = audit(discover(dataset(tmp_path / "chaos", {name: chaos for name in NAMES}))).fatal
    message = next(p.message for p in problems if p.code == "values-outside-classes")
    assert "--label-map 128:1,255:2 reads them as classes 1 to 2" in message and "255:0" not in message


def cholecseg8k(root: Path) -> None:
    """CholecSeg8k as Kaggle ships it: video01/video01_00080/frame_80_endo.png with, beside it,
    frame_80_endo_watershed_mask.png (grey codes as RGB: 80 background, 33 liver, 18 fat, 49
    grasper; a white 255 edge and 0 where nothing was annotated), _endo_color_mask.png and the
    annotation tool's _endo_mask.png."""
    for video in (1, 9, 12):
        for frame in (80, 81):
            folder = root / f"video{video:02d}" / f"video{video:02d}_00080"
            folder.mkdir(parents=True, exist_ok=True)
            codes = np.full((32, 48), 80, np.uint8)
            codes[4:16, 4:20], codes[16:28, 4:20], codes[6:20, 26:32], codes[26:30, 30:40] = 33, 18, 49, 0
            codes[0], codes[-1], codes[:, 0], codes[:, -1] = 255, 255, 255, 255
            photo = np.random.default_rng(video * 100 + frame).integers(0, 120, (32, 48, 3), dtype=np.uint8)
            Image.fromarray(photo + codes[..., None] // 2).save(folder / f"frame_{frame}_endo.png")
            for suffix, mask in (("watershed_mask", [codes] * 3), ("color_mask", [codes, codes // 2, 255 - codes]),
                                 ("mask", [codes + 1] * 3)):
                Image.fromarray(np.stack(mask, -1)).save(folder / f"frame_{frame}_endo_{suffix}.png")


def test_class_codes_far_apart_are_offered_numbered_in_their_order(tmp_path: Path) -> None:
    """CholecSeg8k's watershed masks hold codes 18, 33, 49, 80 past 0 and a 255 edge: the offers
    were 81 classes or --label-map 18:ignore,...,80:ignore, which ignores every organ; the values
    numbered in their order, as the hint now gives them, read the four classes."""
    cholecseg8k(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}_watershed_mask.png")
    [stray] = [p for p in audit(index).fatal if p.code == "values-outside-classes"]
    offered = "--label-map 18:1,33:2,49:3,80:4,255:ignore"
    assert f"if they are classes, {offered} reads the 5 values found as classes 0 to 4 in their order (255 " \
           "ignored)" in stray.message
    assert "18:ignore" not in stray.message and "instance" not in stray.message
    label_map = parse_label_map_text(offered.split()[1])  # as typed
    index = discover(tmp_path, mask_pattern="{stem}_watershed_mask.png", label_map=label_map)
    assert audit(index).fatal == [] and sorted(scan(index).mask_values) == [0, 1, 2, 3, 4, 255]


def goals_layers() -> np.ndarray:
    """GOALS 2022's OCT layer masks: 255 background around 0 RNFL, 80 GCIPL and 160 choroid."""
    mask = np.full((32, 32), 255, np.uint8)
    mask[6:9], mask[9:13], mask[20:25] = 0, 80, 160
    return mask


def octa_vessels() -> np.ndarray:
    """OCTA-500's GroundTruth: 0 background, 100 the foveal avascular zone, 255 large vessels (lines)."""
    mask = np.zeros((32, 32), np.uint8)
    mask[:, 10], mask[16, :] = 255, 255
    mask[13:19, 13:19] = 100
    return mask


def ocelot_tissue(unknown: bool) -> np.ndarray:
    """OCELOT 2023's tissue masks: 1 background, 2 cancer area, 255 unknown (in some masks)."""
    mask = np.ones((32, 32), np.uint8)
    mask[4:16, 6:26] = 2
    if unknown:
        mask[24:29, :10] = 255
    return mask


@pytest.mark.parametrize(("masks", "offered", "classes"), [
    ([goals_layers()] * 6, "255:0,0:1,80:2,160:3", 4),
    ([octa_vessels()] * 6, "100:1,255:2", 3),
    ([ocelot_tissue(i % 2 == 0) for i in range(6)], "1:0,2:1,255:ignore", 2),
], ids=["goals-white-background", "octa-vessels", "ocelot-unknown"])
def test_the_offered_label_map_keeps_every_class_and_ignores_only_void(
        tmp_path: Path, masks: list[np.ndarray], offered: str, classes: int) -> None:
    """255 was always offered as ignored: GOALS' background (65% of the pixels) and OCTA-500's
    vessels (100:ignore,255:ignore, which left class 0 alone) were dropped, and OCELOT's unknown
    255 and its values 1, 2 skipping 0 took two maps joined by hand. 255 is void only where it looks
    void (a small share past class indices, or bands); the one map offered reads every class."""
    root = dataset(tmp_path / "d", dict(zip(NAMES, masks)))
    [stray] = [p for p in audit(discover(root)).fatal if p.code == "values-outside-classes"]
    assert f"--label-map {offered} reads the {classes} values found as classes 0 to {classes - 1}" in stray.message
    index = discover(root, label_map=parse_label_map_text(offered))  # as typed
    report = audit(index)
    assert report.fatal == [] and resolve_classes(index, report.stats).num_classes == classes
    assert all(p.code != "empty-mask" for p in report.problems)


def test_void_bands_are_contours_and_frames_not_thin_classes() -> None:
    """VOC's 255 contours part an object from the background and CholecSeg8k's 255 frame parts
    the codes from the mask's edge; OCTA-500's 255 vessels run across the one background."""
    from seglab.data.encodings.void_bands import in_bands
    voc = np.zeros((32, 32), np.int64)
    voc[6:26, 6:26] = 255
    voc[10:22, 10:22] = 15  # a person inside a 4 px void contour
    assert in_bands(voc, 255).sum() == (voc == 255).sum() - 4 * 4 * 4  # but the square's corners
    framed = np.full((32, 32), 80, np.int64)
    framed[0], framed[-1], framed[:, 0], framed[:, -1] = 255, 255, 255, 255
    assert in_bands(framed, 255).sum() == (framed == 255).sum() - 4  # the corners part nothing
    assert not in_bands(octa_vessels().astype(np.int64), 255)[:, 10].any()


def test_codes_below_the_gap_are_numbered_with_those_past_it() -> None:
    """The full CholecSeg8k's codes 5, 17, ..., 51 lie within gaps of 16, so only 80 and 255 are
    past the first wide gap: the offer numbers every value found, not 80 alone."""
    from seglab.data.encodings.label_maps import relabel_hint
    from seglab.data.classes.mapping import IdentityMapping
    codes = [0, 5, 17, 18, 19, 33, 34, 35, 36, 37, 49, 50, 51]
    hint = relabel_hint(IdentityMapping(), [80, 255], num_classes=52, found=codes)
    assert "--label-map 5:1,17:2,18:3,19:4,33:5,34:6,35:7,36:8,37:9,49:10,50:11,51:12,80:13,255:ignore reads " \
           "the 14 values found as classes 0 to 13" in hint
    assert "set --label-map 80:ignore,255:ignore" in hint  # several classes stay: void is a reading
    assert "values found" not in relabel_hint(IdentityMapping(), [100, 255], num_classes=3, found=[0, 1, 2])
    assert "values found" not in relabel_hint(IdentityMapping(), list(range(40, 72)), num_classes=1, found=[0])


def test_the_offered_label_map_holds_every_value_not_only_those_listed(tmp_path: Path) -> None:
    """PASCAL-S averages 12 annotators (0, 21, ..., 255): the finding lists 10 values 'and 2 more',
    and its --label-map left out 234 and 255, the core every annotator marks; run as offered, the
    next finding offered them as ignore, 27 % of the object's pixels."""
    levels = [round(255 * k / 12) for k in range(13)]
    masks = {name: np.resize(np.array(levels, np.uint8), (32, 32)) for name in NAMES}
    problems = audit(discover(dataset(tmp_path / "d", masks))).fatal
    message = next(p.message for p in problems if p.code == "values-outside-classes")
    assert "and 2 more values" in message and "212:1,234:1,255:1 reads it cut at half" in message


def test_jpeg_masks_blurred_past_the_exact_share_are_still_thresholded(tmp_path: Path) -> None:
    """Kvasir-SEG ships its 0/255 masks as JPEGs; resized or re-saved copies keep fewer exact 0 and
    255 pixels than the 90% the thresholding asked for, and were read as up to 256 classes."""
    root = tmp_path / "Kvasir-SEG"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        mask = np.zeros((24, 32), np.uint8)
        for _ in range(5):
            y, x = (int(v) for v in rng.integers(2, 18, 2))
            mask[y:y + 5, x:x + 6] = 255
        Image.fromarray(mask).save(root / "masks" / f"p{i}.jpg", quality=20)
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(root / "images" / f"p{i}.jpg")
    values = np.concatenate([np.asarray(Image.open(root / "masks" / f"p{i}.jpg")).ravel() for i in range(4)])
    assert ((values == 0) | (values == 255)).mean() < 0.9  # as blurred as the case reported
    index = discover(root)
    assert isinstance(index.mapping, ThresholdMapping) and index.classes.num_classes == 2


def test_a_mask_of_one_value_is_no_soft_mask(tmp_path: Path) -> None:
    """The soft-mask test read the two commonest values of any 0..255 mask: a mask of 255 alone
    (a hostile property test's find) raised ValueError unpacking one value."""
    from PIL import Image

    from seglab.data.encodings.encoding import choose_encoding

    Image.fromarray(np.full((1, 1), 255, np.uint8)).save(tmp_path / "m.png")
    assert choose_encoding([tmp_path / "m.png"], None).mapping is not None


def test_masks_packing_class_and_instance_are_read_by_their_class(tmp_path):
    """KITTI MOTS' instances/<seq>/<frame>.png hold class * 1000 + instance (1001, 1003 cars, 2002 a
    pedestrian) and 10000 for an ignore region: read as they were, every object was a class past a
    gap, a fatal finding whose --label-map listed each object."""
    import imagecodecs

    root = dataset(tmp_path / "d", {})
    for k, name in enumerate(NAMES):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        mask = np.zeros((32, 32), np.uint16)
        mask[2:10, 3:15] = 1001
        mask[12:22, 20:26] = 2002 + k
        mask[25:30, 10:30] = 10000
        if k % 2:
            mask[5:15, 16:20] = 1003
        (root / "masks" / f"{name}.png").write_bytes(imagecodecs.png_encode(mask))
    index = discover(root)
    assert index.mapping.kind == "class-instance"
    labels = read_mask(root / "masks" / "p1.png", index.mapping)
    assert set(np.unique(labels).tolist()) == {0, 1, 2, 255} and labels[3, 4] == 1 and labels[26, 12] == 255
    assert index.classes.names == ("class_0", "class_1", "class_2") and index.ignore_index == 255
    assert audit(index).fatal == []
    objects = discover(root, instance_masks=True)  # every object one class; the ignore region no object
    assert objects.ignore_index == 255 and objects.classes.names == ("background", "object")
    np.testing.assert_array_equal(read_mask(root / "masks" / "p1.png", objects.mapping)[[0, 3, 13, 26], [0, 4, 21, 12]],
                                  [0, 1, 1, 255])


@pytest.mark.parametrize("fill", [255, 0])
def test_packed_classes_alone_are_numbered_after_the_background(tmp_path, fill):
    """The CVPR 2018 WAD challenge's train_label/<frame>_instanceIds.png (uint16, class * 1000 +
    instance, classes 33 to 40, other pixels 255): 255 was a class of its own (256 classes), and
    with a 0 background the classes ran 0 to 38, 33 of them empty. The background is 0, the classes
    those the masks hold, numbered from 1; a 255 beside a 0 background is void."""
    import imagecodecs

    root = tmp_path / "wad2018"
    (root / "train_color").mkdir(parents=True)
    (root / "train_label").mkdir()
    for k, name in enumerate(f"170908_061502{408 + 120 * k}_Camera_5" for k in range(4)):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "train_color" / f"{name}.jpg")
        mask = np.full((32, 32), fill, np.uint16)
        mask[2:10, 3:15], mask[12:22, 20:26], mask[25:30, 10:30] = 33000, 33001 + k % 2, 36000
        if k % 2:
            mask[12:22, 2:8] = 38000
        if fill == 0:
            mask[31] = 255  # a void border
        (root / "train_label" / f"{name}_instanceIds.png").write_bytes(imagecodecs.png_encode(mask))
    index = discover(root)
    labels = read_mask(root / "train_label" / "170908_061502528_Camera_5_instanceIds.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 3, 13, 26, 13], [0, 4, 21, 12, 4]], [0, 1, 1, 2, 3])
    assert index.classes.names == ("class_0", "class_1", "class_2", "class_3")
    assert index.ignore_index == (None if fill else 255) and (labels[31, 0] == 255) == (fill == 0)
    assert audit(index).fatal == []


def test_a_packed_class_the_sample_missed_reads_past_the_numbered_ones() -> None:
    """A class absent from the masks the encoding was chosen on is no numbered class: it reads past
    them all, where the audit names it, not as another class's number."""
    from seglab.data.encodings.class_instances import ClassInstanceMapping

    mapping = ClassInstanceMapping(classes=(33, 36), background=(255,))
    np.testing.assert_array_equal(mapping.apply(np.array([[255, 33001, 36000, 2000]])), [[0, 1, 2, 5]])
    assert ClassInstanceMapping.from_dict(mapping.to_dict()) == mapping


def test_masks_packing_class_by_100_are_read_by_their_class_and_named(tmp_path):
    """VIPSeg's panomasks hold a stuff class as its id and a thing as class * 100 + instance (4801 a
    car, 6001 and 6002 two people), its names in panoVIPSeg_categories.json: read as labels, they
    were a fatal values-outside-classes whose --label-map made each object a class."""
    import imagecodecs

    root = dataset(tmp_path / "d", {})
    names = [{"id": k, "name": f"thing{k}" if k >= 40 else f"stuff{k}", "isthing": int(k >= 40)} for k in range(75)]
    (root / "panoVIPSeg_categories.json").write_text(json.dumps(names))
    for k, name in enumerate(NAMES):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        mask = np.full((32, 32), 18, np.uint16)
        mask[:8] = 28
        mask[10:18, 12:18], mask[20:26, 20:26], mask[2:6, 2:8] = 6001, 6002 + k % 2, 4801
        (root / "masks" / f"{name}.png").write_bytes(imagecodecs.png_encode(mask))
    index = discover(root)
    assert index.mapping.kind == "class-instance" and index.mapping.packing == 100
    labels = read_mask(root / "masks" / "p1.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 30, 12, 22, 3], [0, 0, 14, 22, 3]], [28, 18, 60, 60, 48])
    assert index.classes.num_classes == 75 and index.classes.names[60] == "thing60"
    assert audit(index).fatal == []


def test_a_class_table_longer_than_the_packing_factor_keeps_its_ids_plain() -> None:
    """VIPSeg's 124 classes, things packed by 100: a stuff id of 110 is a class, 6002 class 60."""
    from seglab.data.encodings.class_instances import ClassInstanceMapping

    mapping = ClassInstanceMapping(packing=100, plain_below=124)
    np.testing.assert_array_equal(mapping.apply(np.array([[0, 18, 110, 6002]])), [[0, 18, 110, 60]])
    assert ClassInstanceMapping.from_dict(mapping.to_dict()) == mapping


def test_plain_labels_of_more_classes_than_a_packing_factor_stay_labels(tmp_path):
    """ADE20K's 150 classes: values 0..150 are labels, not class * 100 + instance."""
    masks = {name: np.arange(32 * 32).reshape(32, 32).astype(np.uint8) % 151 for name in NAMES}
    assert discover(dataset(tmp_path / "d", masks)).mapping.kind == "identity"


def test_rgb_masks_holding_the_class_in_red_are_read_by_it(tmp_path):
    """KITTI-STEP's panoptic maps hold the train id in R (255 void) and the instance in G * 256 + B;
    their colours, a level or two of R apart, were refused as near colours filling regions, to be
    listed one by one in a classes.json."""
    masks = {}
    for k, name in enumerate(NAMES):
        mask = np.zeros((32, 32, 3), np.uint8)
        mask[:8] = (1, 0, 0)
        mask[8:16, :16] = (2, 0, 0)
        mask[8:16, 16:] = (13, 0, 1 + k)  # a car, numbered
        mask[16:24, :16] = (11, 0, 3)
        mask[24:] = (255, 0, 0)
        masks[name] = mask
    root = dataset(tmp_path / "d", masks)
    index = discover(root)
    assert index.mapping.kind == "red-class"
    labels = read_mask(root / "masks" / "p2.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 9, 9, 17, 30], [0, 0, 20, 0, 0]], [1, 2, 13, 11, 255])
    assert index.classes.num_classes == 14 and index.ignore_index == 255
    assert audit(index).fatal == []


def test_rgb_masks_of_a_class_in_red_alone_are_named_by_a_shipped_table(tmp_path):
    """UECFoodPix Complete's masks hold the food category in R, G and B zero, and category.txt
    names them: the route was a classes.json of 103 colours [i, 0, 0]."""
    masks = {}
    for k, name in enumerate(NAMES):
        mask = np.zeros((32, 32, 3), np.uint8)
        mask[4:14, 4:14, 0] = 1 + k % 2
        mask[18:28, 10:30, 0] = 3
        masks[name] = mask
    root = dataset(tmp_path / "d", masks)
    (root / "category.txt").write_text("id\tname\n1\trice\n2\teels on rice\n3\tpilaf\n")
    index = discover(root)
    assert index.mapping.kind == "red-class"
    assert read_mask(root / "masks" / "p1.png", index.mapping)[5, 5] == 2
    assert index.classes.names == ("class_0", "rice", "eels on rice", "pilaf")
    assert audit(index).fatal == []


def test_integer_masks_of_bit_sets_are_read_multilabel_a_class_per_bit(tmp_path):
    """PENGWIN Task 2's X-ray masks are uint32, bit k set where fragment k lies (bits 1-10 sacrum,
    11-20 left hip, 21-30 right hip), fragments overlapping: read as labels, every sum of bits was
    a value outside the classes (2048 ... 2103302), a fatal finding, and --multilabel refused the
    (H, W) masks."""
    import tifffile

    root = dataset(tmp_path / "d", {})
    for k, name in enumerate(NAMES):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        mask = np.zeros((32, 32), np.uint32)
        mask[2:20, 2:20] |= 1 << 1
        mask[10:30, 10:30] |= 1 << (11 + k % 2)
        mask[8:14, 16:32] |= 1 << 21
        mask[4:6, 4:6] |= 1 << 2
        tifffile.imwrite(root / "masks" / f"{name}.tif", mask)
        (root / "masks" / f"{name}.png").unlink(missing_ok=True)
    index = discover(root)
    assert index.mapping.kind == "bit-sets" and index.mapping.bits == (1, 2, 11, 12, 21)
    assert index.classes.names == ("bit_1", "bit_2", "bit_11", "bit_12", "bit_21")
    labels = read_mask(root / "masks" / "p1.tif", index.mapping)
    assert labels[15, 15] == 0b1001 and labels[5, 5] == 0b11 and labels[12, 18] == 0b11001  # overlaps kept
    assert index.ignore_index == -1  # multi-label: a bit set per pixel, as seglab.labelsets packs them
    assert audit(index).fatal == []


def test_sparse_object_numbers_past_a_byte_are_objects_not_bit_sets(tmp_path):
    """CANDELS' SExtractor segmentation maps (int32) number each galaxy by its catalogue NUMBER
    (4589 ... 38917), a few objects a stamp: read as 16 overlapping bit classes (bit_0..bit_15,
    no problem reported) and --instance-masks refused as multi-label. Ids hold about half their
    bits each, where a bit set holds the few classes overlapping at a pixel: they are objects."""
    import tifffile

    rng = np.random.default_rng(11)
    root = dataset(tmp_path / "d", {})
    for name in NAMES:
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(root / "images" / f"{name}.png")
        mask = np.zeros((32, 32), np.int32)
        for k in range(3):
            mask[10 * k + 2 : 10 * k + 8, 4:12] = rng.integers(1, 40000)
        tifffile.imwrite(root / "masks" / f"{name}.tif", mask)
    index = discover(root)
    assert index.mapping.kind == "identity"
    assert [p.code for p in index.problems] == ["instance-ids"]
    objects = discover(root, instance_masks=True)
    assert objects.classes.names == ("background", "object")
    assert read_mask(root / "masks" / "p1.tif", objects.mapping)[[0, 5], [0, 5]].tolist() == [0, 1]
    assert audit(objects).fatal == []


def test_a_grey_code_table_numbers_the_classes_by_its_label_ids_and_keeps_255_a_class(tmp_path):
    """The EL solar-cell benchmark's grey masks hold the Gray column of its
    ListOfClassesAndColorCodes_20221008.csv (`Class, Desc, Color, Red, Green, Blue, Label, Gray`),
    255 its 'crack'. The table was never read (no name or index column seglab knew), and the
    refusal's --label-map left 255 out as the ignore label. Its Gray values are the classes its
    Label ids number, named by Desc, 255 among them."""
    masks = {}
    for k, name in enumerate(NAMES):
        mask = np.full((32, 32), (128, 80)[k % 2], np.uint8)  # sp multi / sp mono
        mask[:2] = 65  # border
        mask[10:20, 10:20] = 255  # crack
        masks[name] = mask
    root = dataset(tmp_path / "d", masks)
    (root / "ListOfClassesAndColorCodes_20221008.csv").write_text(
        "Class,Desc,Color,Red,Green,Blue,Label,Gray\nfeature,bckgnd,Black,0,0,0,0,0\n"
        "feature,sp multi,gray light,128,128,128,1,128\nfeature,sp mono,gray dark,80,80,80,2,80\n"
        "defect,crack,White,255,255,255,4,255\nfeature,border,Brown,100,50,50,3,65\n")
    index = discover(root)
    assert index.classes.names == ("bckgnd", "sp multi", "sp mono", "border", "crack")
    labels = read_mask(root / "masks" / "p1.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 15, 30], [0, 15, 30]], [3, 4, 2])
    assert audit(index).fatal == []


def test_label_maps_and_object_ids_past_a_byte_are_no_bit_sets():
    """A 16-bit mask numbering 300 objects fills its range; class ids 0..40 stay below a byte."""
    from collections import Counter

    from seglab.data.encodings.bit_sets import bit_set_bits

    assert bit_set_bits(Counter(range(301))) is None
    assert bit_set_bits(Counter(range(41))) is None
    assert bit_set_bits(Counter([0, 2, 2050, 4098, 2097154, 2099202, 2101248, 2103298])) == (1, 11, 12, 21)
    assert bit_set_bits(Counter([100, 200, 300, 400, 500, 600, 700, 800])) is None  # NAIC 2020's classes
    candels = [0, 4589, 6341, 6777, 7769, 8966, 11732, 15158, 16378, 24241, 24764, 26528, 26944, 27224, 27482,
               28753, 28922, 31756, 32304, 32723, 32968, 34872, 38040, 38099, 38917]
    assert bit_set_bits(Counter(candels)) is None  # SExtractor's object NUMBERs, about half their bits each


def test_class_ids_in_round_decimal_steps_are_no_bit_sets(tmp_path):
    """NAIC 2020's uint16 label PNGs hold 100 (water) ... 800 (other), one class a pixel: read as
    bit sets (bits 2..9, multi-label, the report's values 25, 50, ...). Ids all multiples of 10
    are a person's numbering; their classes are refused with the --label-map that reads them."""
    steps = [400, 100, 200, 300, 500, 600, 700, 800]
    masks = {}
    for i, name in enumerate(NAMES):
        mask = np.full((32, 32), steps[0], np.uint16)
        for k, value in enumerate(steps[1:]):
            mask[4 * k : 4 * k + 4, 3 * i : 3 * i + 8] = value
        masks[name] = mask
    root = dataset(tmp_path / "naic", masks)
    index = discover(root)
    assert index.mapping.kind == "identity"
    with pytest.raises(DataError, match=r"--label-map 100:0,200:1,300:2,400:3,500:4,600:5,700:6,800:7"):
        resolve_classes(index, scan(index))
    index = discover(root, label_map={100 * (k + 1): k for k in range(8)})
    assert index.mapping.kind == "labels" and not index.mapping.multilabel
    assert read_mask(root / "masks" / "p1.png", index.mapping)[4, 3] == 1  # 200: class 1, one class a pixel


def test_red_class_codes_a_gt_code_table_names_are_compacted_and_its_dont_care_ignored(tmp_path):
    """NuCLS' masks hold the class code in R (1 tumor ... 8 AMBIGUOUS, 253 the background inside
    the field of view, 0 outside it) and the nucleus id in G * B; nucleus_GTcodes.csv (`group,
    overlay_order, GT_code, ...`) names the codes. 253 was a fatal value outside classes 0..8,
    all named class_N. Its codes are classes in code order; 'outside_roi' and 'AMBIGUOUS' (void
    names) the ignore label; the table writes the codes back."""
    from seglab.inference.raw_values import raw_values

    masks = {}
    for k, name in enumerate(NAMES):
        mask = np.zeros((32, 32, 3), np.uint8)
        mask[:, :28, 0] = 253
        mask[4:12, 4:12] = (1, 1, 1 + k)
        mask[16:24, 4:12] = (5, 1, 2)
        mask[16:24, 16:24] = (8, 1, 3)
        masks[name] = mask
    root = dataset(tmp_path / "d", masks)
    (root / "nucleus_GTcodes.csv").write_text(
        "group,overlay_order,GT_code,is_roi,is_background_class,color,comments\n"
        "outside_roi,0,0,0,0,rgb(255,255,255),don't care\nfov,1,253,1,1,rgb(190,190,190),background inside FOV\n"
        "tumor_nonMitotic,2,1,0,0,rgb(255, 0, 0),\nlymphocyte,3,5,0,0,rgb(0, 0, 255),\n"
        "AMBIGUOUS,4,8,0,0,rgb(80, 80, 80),\n")
    index = discover(root)
    assert index.mapping.kind == "red-class"
    assert index.classes.names == ("tumor_nonMitotic", "lymphocyte", "fov") and index.ignore_index == 255
    labels = read_mask(root / "masks" / "p1.png", index.mapping)
    np.testing.assert_array_equal(labels[[0, 5, 20, 20, 0], [0, 5, 5, 20, 30]], [2, 0, 1, 255, 255])
    assert audit(index).fatal == []
    assert raw_values(index.mapping.to_dict(), 3).tolist() == [1, 5, 253]
