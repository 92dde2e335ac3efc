"""Shared fixtures: tiny generated datasets on disk and access to the real shared datasets."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data.layouts.synthetic import generate_synthetic


MOST_WORKERS = 4  # each worker holds torch and its own session fixtures (about 1 GB)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`--numprocesses=auto` (pyproject's addopts): a worker per usable core, at most
    MOST_WORKERS. Most tests are small, single-threaded or waiting on files and subprocesses,
    so on 2 cores two workers take the suite from 4.5 to 2.7 minutes; `-n 0` runs it in one
    process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, MOST_WORKERS))


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory):
    """The suite's disk cache (masks painted from annotations, slices cut from volumes) in a
    folder of this session, not the user's `~/.cache/seglab`: tests neither fill a user's cache
    nor pass on entries a user's earlier seglab left there. Subprocesses inherit it; a test
    that needs a cache of its own still sets XDG_CACHE_HOME or passes cache_dir."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def fresh_seglab_logger():
    """Each test starts and ends with the 'seglab' logger as a library user has it: no CLI
    handler, propagating, level unset. `seglab.cli.main` (in a test or a session fixture that
    trains) gives it a stderr handler bound to that test's captured stderr, closed afterwards
    ("I/O operation on closed file" in later tests), and stops propagation, so later tests'
    caplog would see nothing of seglab."""
    logger = logging.getLogger("seglab")

    def reset() -> None:
        for handler in [h for h in logger.handlers if getattr(h, "seglab_cli", False)]:
            logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True

    reset()
    yield
    reset()

@pytest.fixture
def text_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The side files read whole as text (`text_files.regular_text`, which opens them through its
    module's `open_regular`) while the test runs, in order: how often a class table is read."""
    from seglab.data.classes import text_files

    read: list[Path] = []
    real = text_files.open_regular

    def opened(path: Path, mode: str = "rb", **options: object) -> object:
        if mode == "r":  # as text, whole: heads sniffed in bytes are not reads of the table
            read.append(Path(path))
        return real(path, mode, **options)

    monkeypatch.setattr(text_files, "open_regular", opened)
    return read


# The real datasets live beside the project checkout (../shared/data), never inside it.
SHARED_DATA = Path(
    os.environ.get("SEGLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)

PET_IMAGES = {  # name -> (H, W); different sizes as in the real dataset
    "Abyssinian_1": (40, 56),
    "Abyssinian_2": (48, 32),
    "Abyssinian_10": (36, 36),
    "basset_hound_3": (30, 44),
}
GREY_PETS = ("basset_hound_3",)  # the real dataset mixes a few greyscale JPEGs into RGB ones


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """A synthetic dataset folder: 12 pairs of 32x32 RGB images and 4-class masks."""
    return generate_synthetic(tmp_path / "synthetic", num_samples=12, size=(32, 32), num_classes=4)


@pytest.fixture
def oxford_pet_dataset(tmp_path: Path) -> Path:
    """The Oxford-IIIT Pet layout with real JPEG images (one greyscale) and 1/2/3 trimaps, plus junk.

    Junk: macOS `._*` resource forks in images/ and trimaps/, a `.mat` file, an xmls folder.
    """
    root = tmp_path / "pets"
    images, trimaps = root / "images", root / "annotations" / "trimaps"
    images.mkdir(parents=True)
    trimaps.mkdir(parents=True)
    (root / "annotations" / "xmls").mkdir()
    rng = np.random.default_rng(0)
    for name, (h, w) in PET_IMAGES.items():
        channels = (h, w) if name in GREY_PETS else (h, w, 3)
        Image.fromarray(rng.integers(0, 256, channels, dtype=np.uint8)).save(images / f"{name}.jpg", quality=90)
        trimap = np.full((h, w), 2, dtype=np.uint8)  # background
        trimap[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 3  # border
        trimap[h // 4 + 2 : 3 * h // 4 - 2, w // 4 + 2 : 3 * w // 4 - 2] = 1  # pet
        Image.fromarray(trimap).save(trimaps / f"{name}.png")
    (images / "._Abyssinian_1.jpg").write_bytes(b"\x00\x05\x16\x07junk")
    (trimaps / "._x.png").write_bytes(b"\x00\x05\x16\x07junk")
    (images / "foo.mat").write_bytes(b"MATLAB 5.0 MAT-file")
    (root / "annotations" / "list.txt").write_text("# Image CLASS-ID SPECIES BREED ID\n")
    return root


@pytest.fixture
def shared_data():
    """Return a function giving the path of a real dataset, skipping the test when it is absent."""

    def need(name: str) -> Path:
        path = SHARED_DATA / name
        if not path.is_dir():
            pytest.skip(f"real dataset '{name}' not found at {path} (set SEGLAB_SHARED_DATA)")
        return path

    return need


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder trained for one epoch on 12 synthetic 32x32 pairs (4 classes), shared by
    the tests of everything that reads a run (export, web, ...). The data lies beside it."""
    from seglab.cli import main
    from seglab.data.layouts.synthetic import generate_synthetic

    root = tmp_path_factory.mktemp("trained")
    data = generate_synthetic(root / "data", num_samples=12, size=(32, 32), num_classes=4)
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
             "--precision", "fp32", "--no-progress", "--epochs", "1"]
    assert main(["train", "--no-plan", str(data), "--out", str(root / "run"), *flags]) == 0
    return root / "run"


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module of tiny models: they gain nothing from threads, and on a
    busy 2-core CPU two threads ran up to 40x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


LAS_AFFINE = ((-2.0, 0.0, 0.0, 30.0), (0.0, 1.5, 0.0, -10.0), (0.0, 0.0, 3.0, 5.0), (0.0, 0.0, 0.0, 1.0))
VOLUME_SHAPE = (24, 20, 6)  # (X, Y, Z) stored in LAS order, so reading must flip X to get RAS


def make_volume(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A noisy 24x20x6 image with a bright box, and its 0/1 label volume (box on slices 2-3 only)."""
    rng = np.random.default_rng(seed)
    image = rng.normal(100, 10, VOLUME_SHAPE).astype(np.float32)
    label = np.zeros(VOLUME_SHAPE, dtype=np.uint8)
    x, y = 3 + seed % 5, 4 + seed % 3
    label[x : x + 8, y : y + 7, 2:4] = 1
    image[label == 1] += 80
    return image, label


@pytest.fixture
def msd_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An nnU-Net-style folder: imagesTr/case<i>_0000.nii.gz + labelsTr/case<i>.nii.gz for 4
    cases in LAS orientation, one imagesTs volume, and a v2 dataset.json. Slices are cut into
    tmp_path, never the user's cache."""
    import nibabel as nib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "Task01_Tiny"
    for folder in ("imagesTr", "labelsTr", "imagesTs"):
        (root / folder).mkdir(parents=True)
    affine = np.array(LAS_AFFINE)
    for i in range(4):
        image, label = make_volume(i)
        nib.Nifti1Image(image, affine).to_filename(root / "imagesTr" / f"case{i}_0000.nii.gz")
        nib.Nifti1Image(label, affine).to_filename(root / "labelsTr" / f"case{i}.nii.gz")
    nib.Nifti1Image(make_volume(9)[0], affine).to_filename(root / "imagesTs" / "case9_0000.nii.gz")
    (root / "dataset.json").write_text('{"labels": {"background": 0, "tumour": 1}, "file_ending": ".nii.gz"}')
    return root


@pytest.fixture(scope="session")
def write_rgbn_tiles():
    """Writes `images/tile<i>.tif` (4-band uint16, RGB noise and a near-infrared band that alone
    shows the object, as GDAL stores bands: minisblack, contiguous) and `masks/tile<i>.png` under
    a folder, with GeoTIFF `extratags` when given."""
    import tifffile

    def write(root: Path, count: int = 8, size: tuple[int, int] = (32, 40), extratags: list | None = None) -> None:
        (root / "images").mkdir(parents=True)
        (root / "masks").mkdir()
        rng = np.random.default_rng(0)
        for i in range(count):
            mask = np.zeros(size, np.uint8)
            top, left = rng.integers(2, min(size) - 14, 2)
            mask[top : top + 12, left : left + 12] = 1
            image = rng.integers(0, 20000, (*size, 4)).astype(np.uint16)
            image[..., 3] = np.where(mask == 1, 50000, 5000)
            tifffile.imwrite(root / "images" / f"tile{i}.tif", image, photometric="minisblack", planarconfig="contig",
                             extratags=extratags or [])
            Image.fromarray(mask * 255).save(root / "masks" / f"tile{i}.png")

    return write
