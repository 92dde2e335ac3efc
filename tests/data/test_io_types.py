"""File types beyond PNG/JPEG: compressed TIFFs, GIF, BMP, upper-case suffixes, .npz, and the
message for a file whose codec is not installed."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import tifffile.tifffile as tifffile_module
from PIL import Image

from seglab.data import discover, read_image, read_raw_mask
from seglab.data.checking.checks import CHECKS, FATAL
from seglab.data.files.io import read_header, read_mask
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.files.read_errors import ReadError

RNG = np.random.default_rng(0)
GREY = RNG.integers(0, 256, (16, 24), dtype=np.uint8)
RGB = RNG.integers(0, 256, (16, 24, 3), dtype=np.uint8)


@pytest.mark.parametrize("compression", ["lzw", "zlib", "deflate", "packbits", "zstd", "lzma"])
def test_lossless_tiff_compressions_read_back_exactly(tmp_path, compression):
    path = tmp_path / f"a_{compression}.tif"
    tifffile.imwrite(path, RGB, compression=compression)
    np.testing.assert_array_equal(read_image(path), RGB)
    tifffile.imwrite(path, GREY, compression=compression)
    np.testing.assert_array_equal(read_raw_mask(path), GREY)


def test_jpeg_compressed_tiff_reads_close_to_the_original(tmp_path):
    smooth = np.broadcast_to(np.linspace(0, 255, 24, dtype=np.uint8), (16, 24))
    rgb = np.stack([smooth, smooth[::-1], np.full_like(smooth, 90)], axis=-1)
    tifffile.imwrite(tmp_path / "j.tif", rgb, compression="jpeg")
    out = read_image(tmp_path / "j.tif")
    assert out.shape == (16, 24, 3) and np.abs(out.astype(int) - rgb).max() < 24


def test_missing_imagecodecs_names_the_package_not_corruption(tmp_path, monkeypatch):
    tifffile.imwrite(tmp_path / "a.tif", GREY, compression="lzw")
    monkeypatch.setattr(tifffile_module, "imagecodecs", None)  # as if it was never installed
    monkeypatch.setattr(tifffile_module.TIFF.DECOMPRESSORS, "_codecs", {})
    with pytest.raises(ReadError) as info:
        read_image(tmp_path / "a.tif")
    message = str(info.value)
    assert info.value.code == "missing-codec" and CHECKS["missing-codec"].severity == FATAL
    assert str(tmp_path / "a.tif") in message and "pip install imagecodecs" in message
    assert "corrupt" not in message


def test_missing_pillow_decoder_names_the_fix(tmp_path, monkeypatch):
    Image.fromarray(RGB).save(tmp_path / "a.jpg")
    monkeypatch.delattr(Image.core, "jpeg_decoder")
    with pytest.raises(ReadError) as info:
        read_image(tmp_path / "a.jpg")
    assert info.value.code == "missing-codec"
    assert "'jpeg' decoder" in str(info.value) and "pip install" in str(info.value)
    assert "corrupt" not in str(info.value)


def test_missing_single_imagecodecs_codec_is_a_missing_codec(tmp_path, monkeypatch):
    tifffile.imwrite(tmp_path / "a.tif", GREY, compression="zstd")

    def without_codec(*args, **kwargs):
        raise ImportError("could not import name 'zstd_decode' from 'imagecodecs'")

    monkeypatch.setattr(tifffile_module.TiffPage, "asarray", without_codec)  # what read_tiff decodes with
    with pytest.raises(ReadError, match="zstd_decode.*pip install --upgrade imagecodecs") as info:
        read_image(tmp_path / "a.tif")
    assert info.value.code == "missing-codec"


def test_truncated_tiff_is_still_called_corrupt(tmp_path):
    tifffile.imwrite(tmp_path / "a.tif", RGB, compression="lzw")
    data = (tmp_path / "a.tif").read_bytes()
    (tmp_path / "a.tif").write_bytes(data[: len(data) // 3])
    with pytest.raises(ReadError, match="corrupt or truncated") as info:
        read_image(tmp_path / "a.tif")
    assert info.value.code == "unreadable"


def test_a_damaged_compressed_tiff_strip_is_unreadable_not_a_traceback(tmp_path):
    """imagecodecs reports damaged strips as RuntimeError subclasses (DeflateError, ZstdError,
    ImcdError, Jpeg8Error), which escaped every reader: a third of 3,000 damaged TIFFs did."""
    mask = (np.arange(32 * 32).reshape(32, 32) % 4 * 60).astype(np.uint8)
    tifffile.imwrite(tmp_path / "m.tif", mask, compression="zlib")
    data = bytearray((tmp_path / "m.tif").read_bytes())
    with tifffile.TiffFile(tmp_path / "m.tif") as tif:
        data[tif.pages[0].dataoffsets[0]] ^= 0xFF  # the strip's first byte: no longer a zlib stream
    (tmp_path / "m.tif").write_bytes(bytes(data))
    for read in (read_raw_mask, read_image):
        with pytest.raises(ReadError, match=r"m\.tif' cannot be read \(corrupt or truncated\?\)") as error:
            read(tmp_path / "m.tif")
        assert error.value.code == "unreadable"


def test_gif_and_bmp_images_and_masks(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "a.bmp")
    np.testing.assert_array_equal(read_image(tmp_path / "a.bmp"), RGB)
    labels = (GREY > 128).astype(np.uint8)
    Image.fromarray(labels * 255).save(tmp_path / "m.bmp")
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "m.bmp"), labels * 255)
    # a retina-style vessel mask: a palette GIF whose indices are the labels
    gif = Image.fromarray(labels, mode="L").convert("P")
    gif.putpalette([0, 0, 0, 255, 255, 255] + [0, 0, 0] * 254)
    gif.save(tmp_path / "21_manual1.gif")
    np.testing.assert_array_equal(read_mask(tmp_path / "21_manual1.gif", IdentityMapping()), labels)
    Image.fromarray(RGB).save(tmp_path / "a.gif")  # quantised to 256 colours
    out = read_image(tmp_path / "a.gif")
    assert out.shape == (16, 24, 3) and out.dtype == np.uint8
    assert read_header(tmp_path / "a.gif").format == "GIF"


def test_upper_case_suffixes_pair_and_read(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(RGB).save(tmp_path / "images" / "a.PNG", format="PNG")
    Image.fromarray(RGB).save(tmp_path / "images" / "b.JPG", format="JPEG")
    tifffile.imwrite(tmp_path / "images" / "c.TIF", RGB, compression="lzw")
    for name in "abc":
        Image.fromarray((GREY > 128).astype(np.uint8)).save(tmp_path / "masks" / f"{name}.PNG", format="PNG")
    index = discover(tmp_path)
    assert [p.image.name for p in index.pairs] == ["a.PNG", "b.JPG", "c.TIF"]
    assert all(read_image(p.image).shape == (16, 24, 3) for p in index.pairs)


@pytest.mark.parametrize("keys", [("arr_0",), ("whatever",), ("image", "meta"), ("img", "spacing")])
def test_npz_image_picks_the_single_or_named_array(tmp_path, keys):
    arrays = {key: (RGB if i == 0 else np.arange(3)) for i, key in enumerate(keys)}
    np.savez_compressed(tmp_path / "a.npz", **arrays)
    np.testing.assert_array_equal(read_image(tmp_path / "a.npz"), RGB)
    assert read_header(tmp_path / "a.npz").format == "NumPy"


def test_npz_mask_picks_mask_over_image(tmp_path):
    np.savez(tmp_path / "a.npz", image=RGB, mask=GREY)
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "a.npz"), GREY)
    np.testing.assert_array_equal(read_image(tmp_path / "a.npz"), RGB)


def test_npz_with_unnamed_arrays_lists_the_keys(tmp_path):
    np.savez(tmp_path / "a.npz", left=GREY, right=GREY)
    with pytest.raises(ReadError) as info:
        read_image(tmp_path / "a.npz")
    message = str(info.value)
    assert info.value.code == "npz-arrays" and CHECKS["npz-arrays"].severity == FATAL
    assert "2 arrays (left, right)" in message and "'image'" in message and str(tmp_path / "a.npz") in message


def test_npz_of_objects_and_non_zip_npz(tmp_path):
    np.savez(tmp_path / "o.npz", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ReadError, match="Python objects") as info:
        read_image(tmp_path / "o.npz")
    assert info.value.code == "bad-dtype"
    Image.fromarray(RGB).save(tmp_path / "p.npz", format="PNG")
    with pytest.raises(ReadError, match="holds PNG data but is named '.npz'"):
        read_image(tmp_path / "p.npz")
    (tmp_path / "z.png").write_bytes((tmp_path / "o.npz").read_bytes())
    with pytest.raises(ReadError, match="holds NumPy archive") as info:
        read_image(tmp_path / "z.png")
    assert info.value.code == "wrong-extension"


def test_missing_codec_is_one_fatal_finding_and_stops_training(tmp_path, monkeypatch, capsys):
    from seglab.cli import main

    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(4):
        tifffile.imwrite(root / "images" / f"p{i}.tif", RGB, compression="lzw" if i == 1 else None)
        Image.fromarray((GREY > 128).astype(np.uint8)).save(root / "masks" / f"p{i}.png")
    monkeypatch.setattr(tifffile_module, "imagecodecs", None)
    monkeypatch.setattr(tifffile_module.TIFF.DECOMPRESSORS, "_codecs", {})
    assert main(["inspect", str(root)]) == 2
    out = capsys.readouterr().out
    assert "missing-codec (1): install the package" in out and "p1.tif" in out and "pip install imagecodecs" in out


def test_every_npy_header_is_parsed_under_the_header_lock(tmp_path, monkeypatch):
    """NumPy parses .npy headers with ast.literal_eval, which CPython 3.11 can fail with a
    SystemError when threads parse at once (seen in CI while a scan decoded brain-MRI .npy files
    in threads): every reader of seglab's parses them under `npy_files.HEADER_LOCK`."""
    import ast

    from seglab.data.loading import cache as cache_module
    from seglab.data.files.npy_files import HEADER_LOCK, load_npz, memory_mapped, npy_header

    real = ast.literal_eval
    parsed = []

    def literal_eval(text):
        parsed.append(HEADER_LOCK.locked())
        return real(text)

    monkeypatch.setattr(ast, "literal_eval", literal_eval)  # numpy imports ast inside its header reader
    np.save(tmp_path / "a.npy", np.zeros((4, 5), np.float32))
    np.save(tmp_path / "m.npy", np.zeros((4, 5), np.int64))
    np.savez(tmp_path / "a.npz", image=np.zeros((4, 5), np.uint8))
    read_image(tmp_path / "a.npy")
    npy_header(tmp_path / "a.npy")
    memory_mapped(tmp_path / "a.npy")
    load_npz(tmp_path / "a.npz", "image")
    cache_module._read((tmp_path / "a.npy", tmp_path / "m.npy"))
    assert len(parsed) >= 6 and all(parsed)


@pytest.mark.parametrize("hit", [b"(", b")", b"{"])
def test_a_npy_header_damaged_into_no_literal_is_a_value_error_and_a_stack_named_for_a_role_is_passed_over(tmp_path, hit):
    """NumPy parses a .npy header's text as a Python literal: a byte overwritten inside it fails with
    SyntaxError or tokenize's TokenError, which escaped the readers that catch ValueError (a
    damaged `seg.npy` beside images ended discovery with a traceback)."""
    from seglab.data.files.npy_files import npy_header

    np.save(tmp_path / "good.npy", np.zeros((4, 5), np.uint8))
    data = bytearray((tmp_path / "good.npy").read_bytes())
    data[data.index(hit)] = 0  # a NUL in the literal: numpy fails with SyntaxError or TokenError
    (tmp_path / "b_seg.npy").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="header"):
        npy_header(tmp_path / "b_seg.npy")
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(tmp_path / "b.png")
    try:
        discover(tmp_path)
    except Exception as err:  # a refusal names the folder; never a parser's exception
        assert type(err).__module__.startswith("seglab"), repr(err)
