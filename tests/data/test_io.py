from __future__ import annotations

import io
import struct
import zlib

import imagecodecs
import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from seglab.data.files.io import image_scale, read_image, read_mask, read_raw_mask, write_mask_png
from seglab.data.classes.mapping import BinaryMapping, ColourMapping, IdentityMapping
from seglab.errors import DataError


def save(array: np.ndarray, path, **kwargs):
    Image.fromarray(array).save(path, **kwargs)
    return path


def test_read_image_grey_rgb_rgba(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = read_image(save(grey, tmp_path / "g.png"))
    assert out.shape == (3, 4, 1) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 0], grey)
    rgba = np.random.default_rng(0).integers(0, 256, (3, 4, 4), dtype=np.uint8)
    out = read_image(save(rgba, tmp_path / "a.png"))
    np.testing.assert_array_equal(out, rgba[..., :3])


def test_read_image_palette_becomes_rgb_and_la_becomes_grey(tmp_path):
    indices = np.array([[0, 1], [1, 0]], np.uint8)
    write_mask_png(tmp_path / "p.png", indices, [(10, 20, 30), (200, 100, 0)])
    out = read_image(tmp_path / "p.png")
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[0, 1], (200, 100, 0))
    Image.new("LA", (5, 4), (77, 128)).save(tmp_path / "la.png")
    out = read_image(tmp_path / "la.png")
    assert out.shape == (4, 5, 1) and out.max() == 77


def test_read_image_keeps_16_bit_and_float(tmp_path):
    deep = (np.arange(20, dtype=np.uint16) * 3000).reshape(4, 5)
    Image.fromarray(deep).save(tmp_path / "d.png")
    out = read_image(tmp_path / "d.png")
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out[..., 0], deep)
    tifffile.imwrite(tmp_path / "d.tif", deep)
    np.testing.assert_array_equal(read_image(tmp_path / "d.tif")[..., 0], deep)
    floats = np.random.default_rng(0).random((6, 7)).astype(np.float64)
    np.save(tmp_path / "f.npy", floats)
    out = read_image(tmp_path / "f.npy")
    assert out.dtype == np.float32 and out.shape == (6, 7, 1)
    np.save(tmp_path / "b.npy", floats > 0.5)
    assert read_image(tmp_path / "b.npy").max() == 255


def _png16(path, array: np.ndarray, exif: Image.Exif | None = None):
    """A 16-bit PNG (Pillow writes 16 bits of grey only), with an eXIf chunk after IHDR if given."""
    data = imagecodecs.png_encode(np.ascontiguousarray(array))
    if exif is not None:
        body = exif.tobytes()[6:]  # PNG's eXIf holds the TIFF block, without the "Exif\0\0" of JPEG
        chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body))
        data = data[:33] + chunk + data[33:]
    path.write_bytes(data)
    return path


def test_16_bit_colour_pngs_keep_every_bit(tmp_path):
    """Pillow opens 16-bit RGB, RGBA and grey + alpha PNGs as 8-bit, keeping each sample's high
    byte: SYNTHIA's class ids 0..22 all became 0."""
    rgb = (np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1001) % 65535
    out = read_image(_png16(tmp_path / "rgb.png", rgb))
    assert out.dtype == np.uint16 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, rgb)
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "rgb.png"), rgb)
    rgba = np.dstack([rgb, np.full((4, 5), 7, np.uint16)])
    np.testing.assert_array_equal(read_image(_png16(tmp_path / "rgba.png", rgba)), rgb)
    grey_alpha = rgba[..., 2:]
    out = read_image(_png16(tmp_path / "la.png", grey_alpha))
    assert out.shape == (4, 5, 1)
    np.testing.assert_array_equal(out[..., 0], rgb[..., 2])
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "la.png"), rgb[..., 2])


def test_16_bit_colour_png_is_turned_as_its_exif_says(tmp_path):
    rgb = np.arange(4 * 6 * 3, dtype=np.uint16).reshape(4, 6, 3) * 300
    for orientation, shown in ((3, rgb[::-1, ::-1]), (6, np.rot90(rgb, -1)), (7, rgb.swapaxes(0, 1)[::-1, ::-1])):
        exif = Image.Exif()
        exif[0x0112] = orientation
        out = read_image(_png16(tmp_path / f"o{orientation}.png", rgb, exif))
        np.testing.assert_array_equal(out, shown)


def test_truncated_16_bit_colour_png_names_the_file(tmp_path):
    rng = np.random.default_rng(0)
    path = _png16(tmp_path / "t16.png", rng.integers(0, 65536, (64, 64, 3), dtype=np.uint16))
    path.write_bytes(path.read_bytes()[:-2000])
    for read in (read_image, lambda p: read_mask(p, IdentityMapping())):
        with pytest.raises(DataError, match="t16.png.*cannot be read"):
            read(path)


def test_image_scale():
    assert image_scale(np.uint8) == 255
    assert image_scale(np.uint16) == 65535
    assert image_scale(np.float32) == 1
    with pytest.raises(ValueError):
        image_scale(np.int64)


def test_palette_mask_round_trip_keeps_indices_including_255(tmp_path):
    mask = np.array([[0, 1, 2], [3, 255, 0]], dtype=np.uint8)
    write_mask_png(tmp_path / "m.png", mask, [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)])
    with Image.open(tmp_path / "m.png") as image:
        assert image.mode == "P"
        assert image.convert("RGB").getpixel((1, 0)) == (255, 0, 0)
    out = read_mask(tmp_path / "m.png", IdentityMapping())
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, mask)


def test_write_mask_png_rejects_values_a_palette_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="0-255"):
        write_mask_png(tmp_path / "m.png", np.array([[0, 300]]), [(0, 0, 0)])


def test_read_mask_rgb_with_colours(tmp_path):
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    save(rgb, tmp_path / "c.png")
    out = read_mask(tmp_path / "c.png", ColourMapping(((0, 0, 0), (255, 0, 0))))
    np.testing.assert_array_equal(out, [[1, 0], [0, 0]])
    with pytest.raises(DataError, match="c.png.*classes.json"):
        read_mask(tmp_path / "c.png", IdentityMapping())


def test_read_mask_binary_and_raw(tmp_path):
    save(np.array([[0, 255]], np.uint8), tmp_path / "b.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "b.png", BinaryMapping()), [[0, 1]])
    assert read_raw_mask(tmp_path / "b.png").shape == (1, 2)


def test_read_mask_rejects_3d_npy(tmp_path):
    np.save(tmp_path / "m.npy", np.zeros((2, 3, 5), np.uint8))
    with pytest.raises(DataError, match="m.npy.*2-D"):
        read_mask(tmp_path / "m.npy", IdentityMapping())


def test_truncated_png_names_the_file(tmp_path):
    path = save(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8), tmp_path / "t.png")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="t.png.*cannot be read"):
        read_image(path)
    with pytest.raises(DataError, match="t.png"):
        read_mask(path, IdentityMapping())


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.png.*does not exist"):
        read_image(tmp_path / "nope.png")


def _valid_bytes(kind: str) -> bytes:
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    if kind == ".npy":
        np.save(buffer, rng.integers(0, 4, (8, 9), dtype=np.uint8))
    elif kind == "16-bit RGB .png":  # decoded by imagecodecs, not Pillow
        return imagecodecs.png_encode(rng.integers(0, 4, (8, 9, 3), dtype=np.uint16))
    else:
        Image.fromarray(rng.integers(0, 4, (8, 9), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


VALID = {kind: _valid_bytes(kind) for kind in (".png", "16-bit RGB .png", ".npy")}


@st.composite
def damaged_files(draw):
    """Random bytes, or a valid file that is truncated or has a few bytes overwritten."""
    name = draw(st.sampled_from(sorted(VALID)))
    suffix, valid = name[-4:], VALID[name]
    kind = draw(st.sampled_from(["random", "truncated", "mutated"]))
    if kind == "random":
        data = draw(st.binary(max_size=512))
    elif kind == "truncated":
        data = valid[: draw(st.integers(0, len(valid) - 1))]
    else:
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    return suffix, data


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damaged_files())
def test_damaged_files_raise_only_data_error(tmp_path, case):
    suffix, data = case
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    for read in (read_image, lambda p: read_mask(p, IdentityMapping()), lambda p: read_mask(p, BinaryMapping())):
        try:
            read(path)
        except DataError as err:
            assert "fuzz" in str(err)


def test_cmyk_jpeg_becomes_rgb_and_16_bit_masks_keep_labels(tmp_path):
    Image.new("CMYK", (6, 4), (0, 255, 255, 0)).save(tmp_path / "c.jpg")
    out = read_image(tmp_path / "c.jpg")
    assert out.shape == (4, 6, 3) and out.dtype == np.uint8
    labels = np.array([[0, 300], [1000, 2]], np.uint16)
    Image.fromarray(labels).save(tmp_path / "m16.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "m16.png", IdentityMapping()), labels)


def test_jpeg2000_images_read_exactly_at_every_depth(tmp_path):
    """GeoNRW's orthophotos are `.jp2`: 8-bit colour (Pillow's reading) and what Pillow misreads,
    16-bit colour (read as 8 bits) and 12-bit grey (scaled to 16 bits), all read as stored."""
    rng = np.random.default_rng(3)
    rgb8 = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    Image.fromarray(rgb8).save(tmp_path / "rgb8.jp2", irreversible=False)
    Image.fromarray(rgb8).save(tmp_path / "rgb8.j2k", irreversible=False)
    rgb16 = rng.integers(0, 65536, (10, 12, 3), dtype=np.uint16)
    (tmp_path / "rgb16.jp2").write_bytes(imagecodecs.jpeg2k_encode(rgb16, level=0, codecformat="JP2"))
    grey12 = rng.integers(0, 4096, (10, 12), dtype=np.uint16)
    (tmp_path / "grey12.j2k").write_bytes(imagecodecs.jpeg2k_encode(grey12, level=0, codecformat="J2K",
                                                                    bitspersample=12))
    for name, stored in (("rgb8.jp2", rgb8), ("rgb8.j2k", rgb8), ("rgb16.jp2", rgb16), ("grey12.j2k", grey12[..., None])):
        read = read_image(tmp_path / name)
        assert read.dtype == stored.dtype and np.array_equal(read, stored), name


def test_two_band_masks_are_refused_naming_their_bands_but_la_pngs_read_grey(tmp_path):
    """A TIFF or .npy of two label bands (WorldFloods' gt/: cloud and water) is not cut to its
    first band as grey + alpha; an LA PNG mask still is."""
    Image.new("LA", (5, 4), (3, 255)).save(tmp_path / "la.png")
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "la.png"), np.full((4, 5), 3))
    bands = np.stack([np.tile([0, 1, 2, 0], (4, 1)), np.tile([0, 2, 1, 1], (4, 1))], axis=2).astype(np.uint8)
    tifffile.imwrite(tmp_path / "gt.tif", bands, photometric="minisblack", planarconfig="contig")
    with pytest.raises(DataError, match=r"gt.tif' holds 2 label bands \(band 1: 0, 1, 2; band 2: 0, 1, 2\).*one-band"):
        read_raw_mask(tmp_path / "gt.tif")
    np.save(tmp_path / "flags.npy", (bands > 0).astype(np.uint8))
    with pytest.raises(DataError, match="flags.npy' holds 2 label bands.*--task multilabel"):
        read_mask(tmp_path / "flags.npy", IdentityMapping())
