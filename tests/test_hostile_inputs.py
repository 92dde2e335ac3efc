"""Hostile and mistaken inputs: each is refused by the CLI with exit code 2 and one clear message.

Every case builds its bad file, folder or config under tmp_path and returns the command to run;
the test asserts the exit code, the message fragment, the file named, and that no traceback or
raw library warning reaches the user. `seglab inspect` is used where it shows the same refusal
as training (it is faster); checkpoint cases tamper with one tiny trained run.
"""

from __future__ import annotations

import json
import shutil
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import imagecodecs
import nibabel as nib
import numpy as np
import pytest
import tifffile
import torch
import yaml
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

from seglab.cli import main
from seglab.data.files.volumes import read_volume
from seglab.errors import DataError

TRAIN = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--size", "16",
         "--epochs", "1", "--no-progress"]
DEEP = "[" * 100_000 + "]" * 100_000  # parses past Python's recursion limit


def _dataset(root: Path, colour: bool = False, classes: object = None, size: tuple[int, int] = (16, 16)) -> Path:
    """images/ + masks/ with 6 pairs of 3 classes; classes.json written as given (dict or text)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    labels = np.zeros(size, np.uint8)
    labels[: size[0] // 2] = 1
    labels[:, : size[1] // 2] = 2
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(root / "images" / f"p{i}.png")
        mask = np.array([[0, 0, 0], [255, 0, 0], [0, 255, 0]], np.uint8)[labels] if colour else labels
        Image.fromarray(mask).save(root / "masks" / f"p{i}.png")
    if classes is not None:
        (root / "classes.json").write_text(classes if isinstance(classes, str) else json.dumps(classes))
    return root


def _replace(root: Path, name: str) -> Path:
    (root / "images" / "p1.png").unlink()
    return root / "images" / name


def _patch(path: Path, offset: int, fmt: str, *values: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, *values)
    path.write_bytes(bytes(data))


# --- files whose header announces more pixels than the budget --------------------------------

def tiled_tiff(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    path = _replace(root, "p1.tif")
    tifffile.imwrite(path, np.zeros((256, 256), np.uint8), tile=(256, 256), compression="zlib")
    with tifffile.TiffFile(path, mode="r+b") as tif:  # 30000x30000 announced by a ~1 kB file
        tif.pages[0].tags["ImageWidth"].overwrite(30000)
        tif.pages[0].tags["ImageLength"].overwrite(30000)
    return ["inspect", str(root)], "is 30000x30000 = 900,000,000 pixels, over seglab's limit", "p1.tif"


def _png_claiming(path: Path, height: int, width: int, wide: bool = False) -> None:
    """A 16x16 PNG whose header announces height x width: 8-bit grey (Pillow decodes it) or, if
    `wide`, 16-bit RGB (imagecodecs decodes it)."""
    if wide:
        path.write_bytes(imagecodecs.png_encode(np.zeros((16, 16, 3), np.uint16)))
    else:
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(path)
    _patch(path, 16, ">II", width, height)
    data = path.read_bytes()
    _patch(path, 29, ">I", zlib.crc32(data[12:29]))


def huge_png(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    _png_claiming(root / "images" / "p1.png", 20000, 20000)
    return ["inspect", str(root)], "is 20000x20000 = 400,000,000 pixels", "p1.png"


def huge_png_mask(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    _png_claiming(root / "masks" / "p2.png", 20000, 20000)
    return ["inspect", str(root)], "mask '", "masks/p2.png' is 20000x20000 = 400,000,000 pixels"


def huge_png16_mask(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    _png_claiming(root / "masks" / "p2.png", 20000, 20000, wide=True)
    return ["inspect", str(root)], "mask '", "masks/p2.png' is 20000x20000 = 400,000,000 pixels"


def truncated_png16_mask(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    path = root / "masks" / "p2.png"
    path.write_bytes(imagecodecs.png_encode(np.random.default_rng(0).integers(0, 3, (16, 16, 3), np.uint16))[:-40])
    return ["inspect", str(root)], "cannot be read (corrupt or truncated?)", "masks/p2.png"


def huge_jpeg(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    path = _replace(root, "p1.jpg")
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(path)
    _patch(path, path.read_bytes().index(b"\xff\xc0") + 5, ">HH", 60000, 60000)
    return ["inspect", str(root)], "3,600,000,000 pixels, over seglab's limit", "p1.jpg"


def huge_gif(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    path = _replace(root, "p1.gif")
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(path)
    _patch(path, 6, "<HH", 65535, 65535)
    return ["inspect", str(root)], "pixels, over seglab's limit", "p1.gif"


def huge_bmp(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    path = _replace(root, "p1.bmp")
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(path)
    _patch(path, 18, "<ii", 30000, 30000)
    return ["inspect", str(root)], "900,000,000 pixels", "p1.bmp"


def _npy_header(file, shape: tuple[int, ...]) -> None:
    np.lib.format.write_array_header_1_0(file, {"descr": "|u1", "fortran_order": False, "shape": shape})


def huge_npy(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    with _replace(root, "p1.npy").open("wb") as file:
        _npy_header(file, (40000, 40000))
    return ["inspect", str(root)], "is 40000x40000 = 1,600,000,000 pixels", "p1.npy"


def huge_npz(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    with zipfile.ZipFile(_replace(root, "p1.npz"), "w") as archive, archive.open("image.npy", "w") as member:
        _npy_header(member, (3, 30000, 30000))
    return ["inspect", str(root)], "is 3x30000x30000 = 2,700,000,000 pixels", "p1.npz"


def low_budget(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    return ["inspect", str(root), "--max-pixels", "100"], "is 16x16 = 256 pixels, over seglab's limit of 100", "p0.png"


def low_budget_in_config(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    config = tmp / "exp.yaml"
    config.write_text(yaml.safe_dump({"data": {"max_pixels": 100}}))
    return ["train", "--no-plan", str(root), "--config", str(config), "--out", str(tmp / "run"), *TRAIN], \
        "raise the limit with --max-pixels 256", "p0.png"


def zero_budget(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    return ["inspect", str(root), "--max-pixels", "0"], "data.max_pixels must be a positive integer", ""


# --- classes.json and config values ---------------------------------------------------------

def nested_classes(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", classes=DEEP)
    return ["inspect", str(root)], "is nested too deeply", "classes.json"


def duplicate_colours(tmp: Path) -> tuple[list[str], str, str]:
    classes = {"names": ["bg", "road", "car"], "colours": [[0, 0, 0], [255, 0, 0], [255, 0, 0]]}
    root = _dataset(tmp / "d", colour=True, classes=classes)
    return ["inspect", str(root)], "classes 'road' and 'car' have the same colour [255, 0, 0]", "classes.json"


def absurd_ignore_in_classes(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", classes='{"names": ["bg", "road", "car"], "ignore_index": 100000000000000000000}')
    return ["inspect", str(root)], "'ignore_index' must be an integer mask value from -32768 to 65535", "classes.json"


def float_ignore_in_classes(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", classes='{"names": ["bg", "road", "car"], "ignore_index": 1e20}')
    return ["inspect", str(root)], "got 1e+20", "classes.json"


def absurd_ignore_flag(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    return ["inspect", str(root), "--ignore-index", "100000"], "data.ignore_index must be an integer mask value", ""


def absurd_ignore_in_config(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    config = tmp / "exp.yaml"
    config.write_text("data:\n  ignore_index: 100000000000000000000\n")
    return ["train", "--no-plan", str(root), "--config", str(config), "--out", str(tmp / "run"), *TRAIN], \
        "data.ignore_index must be an integer mask value", ""


def ignore_is_a_class(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", classes={"names": ["bg", "road", "car"], "ignore_index": 1})
    return ["train", "--no-plan", str(root), "--out", str(tmp / "run"), *TRAIN], "the ignore label 1 is class 'road'", "p0.png"


def classes_folder(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    (root / "classes.json").mkdir()
    return ["inspect", str(root)], "is a folder; name the JSON file", "classes.json"


def classes_flag_folder(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    (tmp / "meta").mkdir()
    return ["inspect", str(root), "--classes", str(tmp / "meta")], "is a folder", "meta"


def tiny_images(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", size=(1, 1))
    for i in range(6):
        Image.fromarray(np.full((1, 1), i % 3, np.uint8)).save(root / "masks" / f"p{i}.png")
    flags = [f for f in TRAIN if f not in ("--size", "16")]
    return ["train", "--no-plan", str(root), "--out", str(tmp / "run"), *flags], "is 1x1 (HxW)", "pass --size"


def float_rgb_masks_with_nan(tmp: Path) -> tuple[list[str], str, str]:
    """Three float channels that differ are no colours: read as colours they snapped to black,
    one class, and a NaN raised numpy's cast warning."""
    root = _dataset(tmp / "d")
    for i in range(6):
        (root / "masks" / f"p{i}.png").unlink()
        mask = np.zeros((16, 16, 3), np.float32)
        mask[4:8, 4:8] = (1, 2, 3)
        mask[0, 0, 0] = np.nan
        tifffile.imwrite(root / "masks" / f"p{i}.tif", mask)
    return ["inspect", str(root)], "3 channels of float32 values that differ", "p0.tif"


def image_file_as_data(tmp: Path) -> tuple[list[str], str, str]:
    """One file of a dataset passed as DATA: the volume layout listed it as a folder (NotADirectoryError)."""
    root = _dataset(tmp / "d")
    return ["inspect", str(root / "images" / "p0.png")], "is a file, not a folder: pass the folder", "p0.png"


def npz_file_as_data_with_a_format(tmp: Path) -> tuple[list[str], str, str]:
    np.savez(tmp / "tissuenet_train.npz", X=np.zeros((2, 8, 8, 2), np.float32), y=np.zeros((2, 8, 8, 2), np.int32))
    return ["inspect", str(tmp / "tissuenet_train.npz"), "--format", "volumes"], "is a file, not a folder", \
        "tissuenet_train.npz"


def nested_manifest(tmp: Path) -> tuple[list[str], str, str]:
    (tmp / "pairs.json").write_text(DEEP)
    return ["inspect", "--manifest", str(tmp / "pairs.json")], "is not valid JSON", "pairs.json"


def nested_split_file(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    (tmp / "splits.json").write_text(DEEP)
    return ["train", "--no-plan", str(root), "--split-file", str(tmp / "splits.json"), "--out", str(tmp / "run"), *TRAIN], \
        "is not valid JSON", "splits.json"


def _photos(folder: Path, names: tuple[str, ...] = ("a.jpg", "b.jpg")) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(folder / name)


def nested_coco(tmp: Path) -> tuple[list[str], str, str]:
    _photos(tmp / "d" / "images")
    (tmp / "d" / "annotations").mkdir()
    (tmp / "d" / "annotations" / "instances_default.json").write_text(
        '{"images": [{"id": 1, "file_name": "a.jpg", "height": 8, "width": 8}], "annotations": [], '
        f'"categories": [], "info": {DEEP}}}')
    return ["inspect", str(tmp / "d")], "cannot be read as JSON: maximum recursion depth", "instances_default.json"


def nested_labelme(tmp: Path) -> tuple[list[str], str, str]:
    _photos(tmp / "d", ("a.jpg", "b.jpg", "c.jpg"))
    for name in ("a", "b"):
        (tmp / "d" / f"{name}.json").write_text(json.dumps({"shapes": [], "imagePath": f"{name}.jpg"}))
    (tmp / "d" / "c.json").write_text(f'{{"shapes": [], "imagePath": "c.jpg", "flags": {DEEP}}}')
    return ["inspect", str(tmp / "d")], "cannot be read as JSON: maximum recursion depth", "c.json"


def nested_value_names(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    (root / "config_v2.0.json").write_text(DEEP)  # Mapillary's label list, nested past the parser: not one
    (root / "masks" / "p0.png").write_bytes(b"")  # so that inspect stops, having read the folder
    return ["inspect", str(root)], "empty-file", "p0.png"


# --- orientation and names -------------------------------------------------------------------

def exif_rotated_mask(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d", size=(16, 24))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 16x24, shown 24x16
    Image.open(root / "images" / "p1.png").convert("RGB").save(_replace(root, "p1.jpg"), exif=exif)
    return ["inspect", str(root)], "its EXIF orientation 6 rotates the stored 16x24 pixels, which the mask fits", \
        "p1.png"


def newline_in_name(tmp: Path) -> tuple[list[str], str, str]:
    root = _dataset(tmp / "d")
    (root / "images" / "p1.png").rename(root / "images" / "p1\nevil.png")
    (root / "masks" / "p1.png").rename(root / "masks" / "p1\nevil.png")
    (root / "images" / "p1\nevil.png").write_bytes(b"not an image at all")
    return ["inspect", str(root)], "is not an image file", "p1\\nevil.png"


# --- checkpoints (a tiny trained run, copied and tampered with) -------------------------------

@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("run")
    root = _dataset(tmp / "d")
    assert main(["train", "--no-plan", str(root), "--out", str(tmp / "run"), *TRAIN]) == 0
    return tmp / "run"


def _tampered(tmp: Path, run: Path, write: Callable[[Path], None]) -> list[str]:
    copy = tmp / "run"
    shutil.copytree(run, copy)
    write(copy / "checkpoints" / "best.safetensors")
    image = tmp / "x.png"
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(image)
    return ["predict", str(copy), str(image), "--out", str(tmp / "out")]


def _rewrite(path: Path, change: Callable[[dict[str, torch.Tensor], dict[str, str]], None]) -> None:
    with safe_open(str(path), framework="pt") as handle:
        meta, tensors = handle.metadata(), {k: handle.get_tensor(k) for k in handle.keys()}
    change(tensors, meta)
    save_file(tensors, str(path), metadata=meta)


def torch_save_zip(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    return _tampered(tmp, run, lambda p: torch.save({"w": torch.zeros(2)}, p)), \
        "is a PyTorch pickle checkpoint (torch.save); seglab never unpickles files", "best.safetensors"


def legacy_pickle(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    return _tampered(tmp, run, lambda p: torch.save({"w": 1}, p, _use_new_zipfile_serialization=False)), \
        "is a PyTorch pickle checkpoint", "best.safetensors"


def nested_card(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    return _tampered(tmp, run, lambda p: _rewrite(p, lambda t, m: m.update(seglab=DEEP))), \
        "has corrupt seglab metadata", "best.safetensors"


def shape_mismatch(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    def change(tensors: dict[str, torch.Tensor], meta: dict[str, str]) -> None:
        key = next(k for k, v in tensors.items() if v.ndim == 4)
        tensors[key] = torch.zeros(3, 3, 1, 1)

    return _tampered(tmp, run, lambda p: _rewrite(p, change)), "does not fit the model its card describes", \
        "best.safetensors"


def missing_tensor(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    def change(tensors: dict[str, torch.Tensor], meta: dict[str, str]) -> None:
        del tensors[next(iter(tensors))]

    return _tampered(tmp, run, lambda p: _rewrite(p, change)), "is missing", "best.safetensors"


def huge_image_to_predict(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    command = _tampered(tmp, run, lambda p: None)
    _png_claiming(Path(command[2]), 20000, 20000)
    return command, "is 20000x20000 = 400,000,000 pixels", "x.png"


def predict_budget(tmp: Path, run: Path) -> tuple[list[str], str, str]:
    return [*_tampered(tmp, run, lambda p: None), "--max-pixels", "10"], "over seglab's limit of 10", "x.png"


DATA_CASES = [tiled_tiff, huge_png, huge_png_mask, huge_png16_mask, truncated_png16_mask, huge_jpeg, huge_gif,
              huge_bmp, huge_npy, huge_npz, low_budget, low_budget_in_config, zero_budget, nested_classes,
              duplicate_colours, absurd_ignore_in_classes,
              float_ignore_in_classes, absurd_ignore_flag, absurd_ignore_in_config, ignore_is_a_class,
              classes_folder, classes_flag_folder, tiny_images, float_rgb_masks_with_nan, image_file_as_data,
              npz_file_as_data_with_a_format, nested_manifest, nested_split_file,
              nested_coco, nested_labelme, nested_value_names, exif_rotated_mask, newline_in_name]
RUN_CASES = [torch_save_zip, legacy_pickle, nested_card, shape_mismatch, missing_tensor, huge_image_to_predict,
             predict_budget]


def _check(argv: list[str], fragment: str, file: str, capsys) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning must not reach the user
        code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and "Warning" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"seglab {argv[0]}: error:"), err
    assert fragment in out + err, out + err
    assert file in out + err, out + err


def test_corpus_is_large():
    assert len(DATA_CASES) + len(RUN_CASES) >= 30


@pytest.mark.parametrize("make", DATA_CASES, ids=[c.__name__ for c in DATA_CASES])
def test_hostile_data_is_refused_in_one_line(tmp_path, capsys, make):
    argv, fragment, file = make(tmp_path)
    _check(argv, fragment, file, capsys)
    assert not list(tmp_path.rglob("*.safetensors"))


@pytest.mark.parametrize("make", RUN_CASES, ids=[c.__name__ for c in RUN_CASES])
def test_hostile_checkpoints_and_inputs_are_refused(tmp_path, capsys, trained_run, make):
    argv, fragment, file = make(tmp_path, trained_run)
    _check(argv, fragment, file, capsys)
    assert not list((tmp_path / "out").glob("*_mask.png"))


def test_escaped_name_keeps_the_error_on_one_line(tmp_path, capsys):
    argv, _, _ = newline_in_name(tmp_path)
    main(argv)
    out = capsys.readouterr().out
    assert not [line for line in out.splitlines() if line.startswith("evil.png")]


def test_huge_nifti_header_is_refused_before_reading(tmp_path):
    header = nib.Nifti1Header()
    header.set_data_shape((2000, 2000, 2000))
    header.set_data_dtype(np.uint8)
    path = tmp_path / "big.nii"
    path.write_bytes(header.binaryblock + b"\0" * 4 + b"\0" * 64)  # 8 G voxels announced, 64 bytes stored
    with pytest.raises(DataError, match=r"volume '.*big.nii' is 2000x2000x2000 = 8,000,000,000 pixels"):
        read_volume([path])


def test_exif_rotation_is_applied(tmp_path):
    from seglab.data import read_image

    exif = Image.Exif()
    exif[0x0112] = 6
    pixels = np.zeros((16, 24, 3), np.uint8)
    pixels[0, 0] = 255  # the stored top-left corner
    Image.fromarray(pixels).save(tmp_path / "a.png", exif=exif)
    image = read_image(tmp_path / "a.png")
    assert image.shape == (24, 16, 3)
    assert image[0, -1].max() == 255 and image[0, 0].max() == 0  # orientation 6: rotated 90 degrees clockwise


def test_headers_over_the_budget_read_in_threads_warn_nobody(tmp_path):
    """Files are decoded in threads; silencing Pillow's DecompressionBombWarning in one thread
    must not let it through in another (warnings.catch_warnings is process-wide)."""
    from concurrent.futures import ThreadPoolExecutor

    from seglab.data.files.io import read_raw_mask

    paths = []
    for i in range(8):
        paths.append(tmp_path / f"m{i}.png")
        _png_claiming(paths[-1], 20000, 20000)  # between Pillow's raised limit and twice it: Pillow warns

    def refused(path: Path) -> str:
        try:
            read_raw_mask(path)
        except DataError as err:
            return str(err)
        return "read"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(refused, paths * 40))
    assert all("20000x20000 = 400,000,000 pixels" in r for r in results), {r[:120] for r in results}
