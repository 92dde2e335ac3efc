"""WebP images and masks, read as every other picture format: listed, paired, read exactly when
lossless, trained on and predicted; a damaged or oversized WebP is a finding naming the file.
SegmentMeIfYouCan's RoadObstacle21 ships its frames as `.webp` beside PNG label masks."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.config import DEFAULT_MAX_PIXELS
from seglab.data import discover, read_image, read_mask, read_raw_mask, set_max_pixels
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.files.io import read_header
from seglab.data.files.lossy import lossy_format
from seglab.data.files.read_errors import ReadError

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (16, 24, 3), dtype=np.uint8)
LABELS = RNG.choice(np.array([0, 1, 2, 255], np.uint8), (16, 24))
TINY = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress", "--epochs", "1"]


def test_lossless_webp_images_and_masks_read_back_exactly(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "a.webp", lossless=True)
    np.testing.assert_array_equal(read_image(tmp_path / "a.webp"), RGB)
    assert read_header(tmp_path / "a.webp").format == "WEBP"
    rgba = np.dstack([RGB, np.full(RGB.shape[:2], 90, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "alpha.webp", lossless=True)
    np.testing.assert_array_equal(read_image(tmp_path / "alpha.webp"), RGB)  # alpha dropped
    Image.fromarray(LABELS).save(tmp_path / "m.webp", lossless=True)  # WebP has no grey: saved as R = G = B
    np.testing.assert_array_equal(read_mask(tmp_path / "m.webp", IdentityMapping()), LABELS)
    assert lossy_format(tmp_path / "m.webp") is None


@pytest.mark.parametrize("options", [{"quality": 80}, {"quality": 80, "icc_profile": b"p" * 101},
                                     {"quality": 80, "save_all": True, "append_images": [Image.new("RGB", (24, 16))]}],
                         ids=["plain", "extended", "animated"])
def test_a_lossy_webp_is_told_from_its_image_chunk_not_its_suffix(tmp_path, options):
    """'VP8 ' (lossy) or 'VP8L' (lossless) chunk, behind the VP8X header and metadata chunks of the
    extended format and inside an animation's first frame."""
    Image.fromarray(RGB).save(tmp_path / "lossy.webp", **options)
    Image.fromarray(RGB).save(tmp_path / "lossless.webp", **{**options, "lossless": True})
    assert lossy_format(tmp_path / "lossy.webp") == "WebP" and lossy_format(tmp_path / "lossless.webp") is None
    (tmp_path / "lossy.png").write_bytes((tmp_path / "lossy.webp").read_bytes())
    assert lossy_format(tmp_path / "lossy.png") == "WebP"


def test_a_damaged_webp_is_a_read_error_naming_the_file(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "a.webp", lossless=True)
    data = (tmp_path / "a.webp").read_bytes()
    (tmp_path / "cut.webp").write_bytes(data[: len(data) // 2])
    for read in (read_image, read_raw_mask):
        with pytest.raises(ReadError, match=r"cut\.webp' cannot be read \(corrupt or truncated\?\)") as error:
            read(tmp_path / "cut.webp")
        assert error.value.code == "unreadable"
    sound = io.BytesIO()  # a WAV file is RIFF too, but no WebP
    with wave.open(sound, "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000), wav.writeframes(bytes(64))
    (tmp_path / "sound.webp").write_bytes(sound.getvalue())
    with pytest.raises(ReadError, match=r"sound\.webp' is not an image file: it starts with bytes 52 49 46 46") as error:
        read_image(tmp_path / "sound.webp")
    assert error.value.code == "not-an-image"


def _declaring(width: int, height: int) -> bytes:
    """A lossless WebP of one colour whose header declares `width` x `height`: a single-colour
    image needs no bits per pixel, so these few bytes decode to the full size."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="WEBP", lossless=True)
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"VP8L" and data[20] == 0x2F  # the lossless bitstream's signature, then 14 + 14 bits
    bits = int.from_bytes(data[21:25], "little") & ~(2**28 - 1) | (width - 1) | (height - 1) << 14
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("size", [(2000, 1500), (16383, 16383)], ids=["over-budget", "over-pillow-limit"])
def test_a_webp_declaring_too_many_pixels_is_refused_from_its_header(tmp_path, size):
    path = tmp_path / "bomb.webp"
    path.write_bytes(_declaring(*size))
    assert Image.open(path).size == size
    set_max_pixels(1_000_000)
    try:
        for read in (read_image, read_raw_mask, read_header):
            with pytest.raises(ReadError, match=rf"bomb\.webp' is ({size[1]}x{size[0]} = )?{size[0] * size[1]:,} "
                               r"pixels, over seglab's limit of 1,000,000 \(refused before decoding\)") as error:
                read(path)
            assert error.value.code == "too-many-pixels"
    finally:
        set_max_pixels(DEFAULT_MAX_PIXELS)


def road_obstacle(root: Path) -> Path:
    """RoadObstacle21 as shipped: `dataset_ObstacleTrack/images/validation_<n>.webp` +
    `labels_masks/validation_<n>_labels_semantic.png` (0 road, 1 obstacle, 255 void off the road)
    and its `_labels_semantic_color.png` rendering; unlabelled test frames beside."""
    top = root / "dataset_ObstacleTrack"
    (top / "images").mkdir(parents=True)
    (top / "labels_masks").mkdir()
    for n in range(1, 9):
        labels = np.full((32, 32), 255, np.uint8)
        labels[12:] = 0
        labels[20:26, 8 + n:14 + n] = 1
        Image.fromarray(np.random.default_rng(n).integers(0, 256, (32, 32, 3), np.uint8)).save(
            top / "images" / f"validation_{n}.webp", lossless=True)
        Image.fromarray(labels).save(top / "labels_masks" / f"validation_{n}_labels_semantic.png")
        colour = np.array([(128, 64, 128), (255, 165, 0)] + [(0, 0, 0)] * 254, np.uint8)[labels]
        Image.fromarray(colour).save(top / "labels_masks" / f"validation_{n}_labels_semantic_color.png")
    Image.fromarray(RGB).save(top / "images" / "darkasphalt_basket_3.webp")
    return root


def test_webp_frames_with_png_label_masks_pair_read_and_train(tmp_path, capsys):
    root = road_obstacle(tmp_path / "obstacle")
    index = discover(root, ignore_index=255)
    assert [p.image.name for p in index.pairs] == [f"validation_{n}.webp" for n in range(1, 9)]
    assert all(p.mask.name.endswith("_labels_semantic.png") for p in index.pairs)
    pair = index.pairs[0]
    expected = np.array(Image.open(pair.image).convert("RGB"))
    np.testing.assert_array_equal(read_image(pair.image), expected)
    assert set(np.unique(read_mask(pair.mask, index.mapping))) == {0, 1, 255}
    assert not [p for p in index.problems if p.code == "unsupported-format"]
    assert main(["inspect", str(root), "--ignore-index", "255"]) == 0
    assert "8 pairs" in capsys.readouterr().out
    assert main(["train", "--no-plan", str(root), "--ignore-index", "255", "--out", str(tmp_path / "run"),
                 *TINY]) == 0


def test_predict_on_a_folder_of_webp_images_writes_their_masks(trained_run, tmp_path):
    (tmp_path / "frames").mkdir()
    for name, options in (("lossless", {"lossless": True}), ("lossy", {"quality": 70})):
        Image.fromarray(np.random.default_rng(1).integers(0, 256, (32, 40, 3), np.uint8)).save(
            tmp_path / "frames" / f"{name}.webp", **options)
    out = tmp_path / "out"
    assert main(["predict", str(trained_run), str(tmp_path / "frames"), "--out", str(out)]) == 0
    for name in ("lossless", "lossy"):
        assert np.array(Image.open(out / f"{name}_mask.png")).shape == (32, 40)
