"""Defect-free images shipped without masks: MVTec AD's `train/good/` and `test/good/`, DAGM
2007's images that its `Labels.txt` does not flag. seglab left them out (ignored, unlabelled or
image-without-mask warnings) and never said how to read them; `--unmasked-background` reads
each with an all-background mask of its size, and the layout's description names the option.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.checking.audit import audit
from seglab.data.checking.checks import hint
from seglab.errors import DataError

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (40, 56)  # (H, W)


def defect(seed: int) -> np.ndarray:
    mask = np.zeros(SIZE, np.uint8)
    y, x = 4 + seed % 20, 6 + seed % 30
    mask[y : y + 8, x : x + 10] = 255
    return mask


def mvtec(root: Path) -> Path:
    """One MVTec AD object: train/good/ (no masks), test/good/ (none), test/<defect>/ with
    ground_truth/<defect>/NNN_mask.png (0/255)."""
    bottle = root / "bottle"
    for i in range(5):
        save(bottle / "train" / "good" / f"{i:03d}.png", photo(i, SIZE))
    for i in range(2):
        save(bottle / "test" / "good" / f"{i:03d}.png", photo(10 + i, SIZE))
    for k, kind in enumerate(("broken_large", "contamination")):
        for i in range(3):
            save(bottle / "test" / kind / f"{i:03d}.png", photo(20 + 3 * k + i, SIZE))
            save(bottle / "ground_truth" / kind / f"{i:03d}_mask.png", defect(3 * k + i))
    (root / "license.txt").write_text("CC BY-NC-SA 4.0")
    return bottle


def dagm(root: Path) -> Path:
    """DAGM 2007: Class1/Train/NNNN.PNG with Label/NNNN_label.PNG for the defective ones only."""
    for split, count in (("Train", 6), ("Test", 4)):
        folder = root / "Class1" / split
        for i in range(1, count + 1):
            save(folder / f"{i:04d}.PNG", photo(i + (0 if split == "Train" else 50), SIZE)[..., 0])
            if i % 2:
                save(folder / "Label" / f"{i:04d}_label.PNG", defect(i))
        (folder / "Label" / "Labels.txt").write_text("".join(f"{i}\t{i % 2}\t{i:04d}.PNG\n" for i in range(1, count + 1)))
    return root


def test_mvtec_good_folders_are_named_without_the_option(tmp_path: Path) -> None:
    index = discover(mvtec(tmp_path / "mvtec"), cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 6
    note = index.pairing[-1]
    assert "7 images without masks" in note and "train/good/" in note and "--unmasked-background" in note
    assert not (tmp_path / "cache").exists()


def test_mvtec_good_images_read_as_background(tmp_path: Path) -> None:
    index = discover(mvtec(tmp_path / "mvtec"), cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    good = [p for p in index.pairs if p.image.parent.name == "good"]
    assert len(index.pairs) == 13 and len(good) == 7
    for pair in good:
        mask = read_mask(pair.mask, index.mapping)
        assert mask.shape == SIZE and not mask.any()
    defective = [p for p in index.pairs if p.image.parent.name != "good"]
    assert all(read_mask(p.mask, index.mapping).any() for p in defective)
    # train/ holds only good images: its split would train on no defect, so all splits are drawn
    assert all(p.split is None for p in index.pairs)
    assert not index.ignored and not index.unlabelled
    assert "7 images without masks read as all background" in index.pairing[-1]
    codes = {p.code for p in audit(index).problems}
    assert "empty-mask" not in codes, codes  # empty on purpose


def test_dagm_unlabelled_images_read_as_background_in_their_split(tmp_path: Path) -> None:
    root = dagm(tmp_path / "DAGM")
    plain = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(plain.pairs) == 5
    warned = next(p for p in plain.problems if p.code == "image-without-mask")
    assert "--unmasked-background" in hint(warned)
    index = discover(root, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 10
    splits = {p.image.relative_to(root).as_posix(): p.split for p in index.pairs}
    assert splits["Class1/Train/0002.PNG"] == "train" and splits["Class1/Test/0004.PNG"] == "test"
    assert not [p for p in index.problems if p.code == "image-without-mask"]
    flagged = {p.image.name for p in index.pairs if read_mask(p.mask, index.mapping).any()}
    assert flagged == {"0001.PNG", "0003.PNG", "0005.PNG"}  # Labels.txt's 1s: only the labelled ones


def test_fill_matches_a_rotated_image_and_colour_masks(tmp_path: Path) -> None:
    """The mask takes the image's size as read (an EXIF-rotated JPEG's, swapped), and three
    channels where the masks are colour masks whose background is black."""
    root = tmp_path / "parts"
    colours = np.zeros((*SIZE, 3), np.uint8)
    colours[5:15, 5:20] = (255, 0, 0)
    for i in range(3):
        save(root / "images" / f"{i}.png", photo(i, SIZE))
        save(root / "masks" / f"{i}.png", colours)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees: shown as W x H
    (root / "images" / "good").mkdir()
    Image.fromarray(photo(9, SIZE)).save(root / "images" / "good" / "9.jpg", exif=exif)
    index = discover(root, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    fill = next(p for p in index.pairs if p.image.name == "9.jpg")
    assert np.asarray(Image.open(fill.mask)).shape == (SIZE[1], SIZE[0], 3)
    assert read_mask(fill.mask, index.mapping).shape == SIZE[::-1]


def test_corrupt_defect_free_image_is_reported_by_name(tmp_path: Path) -> None:
    bottle = mvtec(tmp_path / "mvtec")
    broken = bottle / "train" / "good" / "004.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    index = discover(bottle, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    fatal = [p for p in audit(index).problems if p.path == broken]
    assert fatal and "004.png" in fatal[0].message


def test_trained_run_evaluates_with_the_background_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DATA given relative (the masks in the cache are absolute: subject grouping compared the two)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    bottle = mvtec(Path("mvtec"))  # relative
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(bottle), "--unmasked-background", "--epochs", "1", "--size", "32x32",
                 "--batch-size", "4", "--out", str(run)]) == 0
    assert main(["evaluate", str(run)]) == 0
    splits = (run / "splits.json").read_text()
    assert "good" in splits  # the defect-free images took part


def test_manifest_rows_without_masks_read_as_background(tmp_path: Path) -> None:
    """VisA's split_csv/1cls.csv: normal rows have an empty mask cell (unlabelled, the count
    naming the option); with it they are pairs, and as its train rows are all normal the splits
    are drawn."""
    root = tmp_path / "VisA"
    rows = []
    for i in range(4):
        save(root / "candle" / "Normal" / f"{i:04d}.JPG", photo(i, SIZE))
        rows.append(f"candle,train,normal,candle/Normal/{i:04d}.JPG,")
    for i in range(3):
        save(root / "candle" / "Anomaly" / f"{i:03d}.JPG", photo(10 + i, SIZE))
        save(root / "candle" / "Masks" / f"{i:03d}.png", defect(i))
        rows.append(f"candle,test,anomaly,candle/Anomaly/{i:03d}.JPG,candle/Masks/{i:03d}.png")
    (root / "split_csv").mkdir(parents=True)
    manifest = root / "split_csv" / "1cls.csv"
    manifest.write_text("object,split,label,image,mask\n" + "\n".join(rows) + "\n")
    plain = discover(manifest, cache_dir=str(tmp_path / "cache"))
    assert len(plain.pairs) == 3 and len(plain.unlabelled) == 4 and "--unmasked-background" in plain.pairing[0]
    index = discover(manifest, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 7 and not index.unlabelled and all(p.split is None for p in index.pairs)
    normal = [p for p in index.pairs if p.image.parent.name == "Normal"]
    assert all(not read_mask(p.mask, index.mapping).any() for p in normal)


def test_a_damaged_mask_does_not_stop_the_background_masks(tmp_path: Path) -> None:
    """The fills take their grey or RGB mode from one of the dataset's masks: a damaged one is
    the audit's to name, not a crash of the layout."""
    bottle = mvtec(tmp_path / "mvtec")
    for mask in (bottle / "ground_truth").rglob("*.png"):
        mask.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    index = discover(bottle, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 13
    damaged = [p for p in audit(index).problems if p.path is not None and p.path.name == "000_mask.png"]
    assert damaged


def positives_and_negatives(root: Path, positive: str, negative: str) -> Path:
    """DigestPath 2019's layout: `tissue-train-pos-v1/` images with `_mask.jpg` beside, and
    `tissue-train-neg/` images without masks (no lesion)."""
    for i in range(4):
        save(root / positive / f"slide{i}_{i}-{i + 1}.png", photo(i, SIZE))
        save(root / positive / f"slide{i}_{i}-{i + 1}_mask.png", defect(i))
    for i in range(3):
        save(root / negative / f"slide{10 + i}_0-0.png", photo(10 + i, SIZE))
    return root


@pytest.mark.parametrize("positive, negative", [("tissue-train-pos-v1", "tissue-train-neg"), ("train_pos", "train_neg")])
def test_a_negative_folder_beside_a_positive_one_reads_as_background(tmp_path: Path, positive: str,
                                                                   negative: str) -> None:
    """DigestPath's negatives were listed as files not in any pair, and the option skipped them."""
    root = positives_and_negatives(tmp_path / "digestpath", positive, negative)
    plain = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(plain.pairs) == 4 and f"({negative}/)" in plain.pairing[1] and "--unmasked-background" in plain.pairing[1]
    index = discover(root, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    background = [p for p in index.pairs if p.image.parent.name == negative]
    assert len(index.pairs) == 7 and len(background) == 3 and not index.ignored
    assert not any(read_mask(p.mask, index.mapping).any() for p in background)


def test_a_negative_folder_without_a_positive_one_is_not_read(tmp_path: Path) -> None:
    root = positives_and_negatives(tmp_path / "data", "tissue-train-lesion", "tissue-train-neg")
    index = discover(root, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 4 and len(index.ignored) == 3


def test_frames_of_sparsely_annotated_videos_are_unlabelled_not_missing_masks(tmp_path):
    """YouTube-VOS valid/ masks each video's first frame only (JPEGImages/<video>/00000.jpg +
    Annotations/<video>/00000.png): the other frames got image-without-mask with the hint
    --unmasked-background, which would call frames full of objects background. They are
    unlabelled images; a folder missing one mask of many still warns."""
    for v in range(3):
        for i in range(4):
            save(tmp_path / "valid" / "JPEGImages" / f"vid{v}" / f"{5 * i:05d}.jpg", photo(4 * v + i, SIZE))
        save(tmp_path / "valid" / "Annotations" / f"vid{v}" / "00000.png", (defect(v) > 0).astype(np.uint8))
    index = discover(tmp_path / "valid")
    assert len(index.pairs) == 3 and len(index.unlabelled) == 9
    assert not [p for p in index.problems if p.code == "image-without-mask"]
    assert any("9 frames without masks in 3 videos annotated sparsely" in line for line in index.pairing)
    for v in range(3):  # every frame masked but one: a missing mask, as before
        for i in range(1, 4):
            save(tmp_path / "valid" / "Annotations" / f"vid{v}" / f"{5 * i:05d}.png", (defect(i) > 0).astype(np.uint8))
    (tmp_path / "valid" / "Annotations" / "vid0" / "00015.png").unlink()
    index = discover(tmp_path / "valid")
    assert [p.path.name for p in index.problems if p.code == "image-without-mask"] == ["00015.jpg"]


def test_unannotated_frames_count_once_though_each_object_has_its_mask_folder(tmp_path):
    """SA-V val: JPEGImages_24fps/<video>/<frame>.jpg + Annotations_6fps/<video>/<object>/<frame>.png,
    every fourth frame masked: read with --merge-masks, each unmasked frame was counted once per
    object folder ('Unlabelled: 18' of 9 frames)."""
    root = tmp_path / "sav_val"
    for v in range(3):
        video = f"sav_{v:06d}"
        for i in range(5):
            save(root / "JPEGImages_24fps" / video / f"{i:05d}.jpg", photo(5 * v + i, SIZE))
        for obj in ("000", "001"):
            for i in (0, 4):
                save(root / "Annotations_6fps" / video / obj / f"{i:05d}.png",
                     (defect(v + int(obj)) > 0).astype(np.uint8))
    index = discover(root, merge_masks=True, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 6 and len(index.unlabelled) == 9 == len(set(index.unlabelled))
    assert any("9 frames without masks in 3 videos annotated sparsely" in line for line in index.pairing)


def aitex(root: Path) -> Path:
    """AITEX fabric: Defect_images/<n>_<defect>_<fabric>.png with Mask_images/<same>_mask.png,
    one image with two masks (`_mask1`, `_mask2`), and NODefect_images/<fabric roll>/ without
    masks."""
    for i in range(4):
        save(root / "Defect_images" / f"000{i}_002_00.png", photo(i, SIZE)[..., 0])
        save(root / "Mask_images" / f"000{i}_002_00_mask.png", defect(i))
    save(root / "Defect_images" / "0044_019_04.png", photo(9, SIZE)[..., 0])
    save(root / "Mask_images" / "0044_019_04_mask1.png", defect(1))
    save(root / "Mask_images" / "0044_019_04_mask2.png", defect(17))
    for roll, fabric in (("2306881-210020u", "05"), ("2311694-2040n", "02")):
        for i in range(3):
            save(root / "NODefect_images" / roll / f"000{i}_000_{fabric}.png", photo(20 + i, SIZE)[..., 0])
    return root


def test_aitex_defect_free_rolls_a_level_down_read_as_background(tmp_path: Path) -> None:
    """AITEX's defect-free images lie in a folder per fabric roll inside NODefect_images/: only
    an image's own folder was looked at, so they were ignored and the flag never named."""
    root = aitex(tmp_path / "aitex")
    plain = discover(root, cache_dir=str(tmp_path / "cache"), merge_masks=True)
    assert "NODefect_images/2306881-210020u/" in plain.pairing[-1] and "--unmasked-background" in plain.pairing[-1]
    assert len(plain.pairs) == 5
    index = discover(root, cache_dir=str(tmp_path / "cache"), merge_masks=True, unmasked_background=True)
    rolls = [p for p in index.pairs if p.image.parent.parent.name == "NODefect_images"]
    assert len(index.pairs) == 11 and len(rolls) == 6 and not index.ignored
    assert not any(read_mask(p.mask, index.mapping).any() for p in rolls)


def points(seed: int) -> np.ndarray:
    """An (H, W, 3) float32 point cloud: X and Y across the image, Z a surface with noise."""
    ys, xs = np.mgrid[-1 : 1 : SIZE[0] * 1j, -1 : 1 : SIZE[1] * 1j]
    depth = 0.5 + 0.01 * np.random.default_rng(seed).random(SIZE)
    return np.dstack([xs, ys, depth]).astype(np.float32)


def mvtec3d(root: Path) -> Path:
    """MVTec 3D-AD: <category>/{train,validation}/good/{rgb,xyz}/ without masks, and
    <category>/test/<good or defect>/{rgb,xyz,gt}/, the point clouds as float TIFFs."""
    base = root / "mvtec_3d_anomaly_detection"
    for c, category in enumerate(("bagel", "cable_gland")):
        for split, kind, count in (("train", "good", 3), ("validation", "good", 2), ("test", "good", 2),
                                   ("test", "crack", 2)):
            for i in range(count):
                folder = base / category / split / kind
                save(folder / "rgb" / f"{i:03d}.png", photo(100 * c + 10 * len(kind) + i, SIZE))
                (folder / "xyz").mkdir(exist_ok=True)
                tifffile.imwrite(folder / "xyz" / f"{i:03d}.tiff", points(100 * c + 10 * len(kind) + i), photometric="rgb")
                if split == "test":
                    save(folder / "gt" / f"{i:03d}.png", defect(i) if kind == "crack" else np.zeros(SIZE, np.uint8))
    return root


def test_mvtec3d_good_images_below_their_good_folder_read_as_background(tmp_path: Path) -> None:
    """MVTec 3D-AD's defect-free images lie in `train/good/rgb/`, `validation/good/rgb/`: they
    were ignored, and their point clouds in `xyz/` beside are no images."""
    bagel = mvtec3d(tmp_path / "mvtec3d") / "mvtec_3d_anomaly_detection" / "bagel"
    plain = discover(bagel, cache_dir=str(tmp_path / "cache"))
    assert len(plain.pairs) == 4 and "train/good/rgb/" in plain.pairing[-1] and "xyz" not in plain.pairing[-1]
    index = discover(bagel, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 9 and {p.image.parent.name for p in index.pairs} == {"rgb"}
    assert "5 images without masks read as all background" in index.pairing[-1]


def test_mvtec3d_too_deep_is_offered_by_folder_names_that_read_every_category(tmp_path: Path) -> None:
    """The refusal offered the path of one category's `test/crack/rgb/` and `gt/` (2 of 8
    pairs): the names repeat in every category and defect, and the names read them all; the
    point clouds under test/ are no unlabelled images."""
    root = mvtec3d(tmp_path / "mvtec3d")
    (root / "mvtec_3d_anomaly_detection.tar.xz").touch()  # as downloaded: no lone wrapper, read as the folder it wraps
    with pytest.raises(DataError, match=r"--images rgb --masks gt \(every folder of these names"):
        discover(root)
    index = discover(root, images="rgb", masks="gt", cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 18 and not index.unlabelled
    assert {p.image.relative_to(root).parts[1] for p in index.pairs} == {"bagel", "cable_gland"}


@pytest.mark.parametrize("above", ["good", "normal/train"])
def test_a_defect_free_word_above_the_dataset_or_its_split_says_nothing(tmp_path: Path, above: str) -> None:
    """The word is judged on the folders between an image and its split folder or DATA: a
    dataset kept in `good/`, or a split inside `normal/`, is not all defect-free."""
    data = tmp_path / "good" if above == "good" else tmp_path / "data"
    base = data if above == "good" else data / above
    for i in range(3):
        save(base / "images" / f"{i}.png", photo(i, SIZE))
        save(base / "masks" / f"{i}.png", defect(i))
        save(base / "previews" / f"{i}.png", photo(10 + i, SIZE))
    index = discover(data, cache_dir=str(tmp_path / "cache"), unmasked_background=True)
    assert len(index.pairs) == 3 and len(index.ignored) == 3


def test_images_with_labels_beside_them_are_no_background(tmp_path: Path) -> None:
    """WGISD ships YOLO boxes (data/<stem>.txt) for every image and a mask (.npz) for some: each
    box-only image was an image-without-mask finding whose hint offered --unmasked-background,
    which reads it as all background, its grape bunches too."""
    from .test_instance_masks import wgisd  # type: ignore[import-not-found]

    wgisd(tmp_path / "wgisd")
    for unmasked_background in (False, True):
        index = discover(tmp_path / "wgisd", cache_dir=str(tmp_path / "cache"), unmasked_background=unmasked_background)
        assert len(index.pairs) == 6 and [p.name for p in index.unlabelled] == ["CDY_2022.jpg"]
        [found] = [p for p in index.problems if p.path is not None and p.path.suffix == ".jpg"]
        assert found.code == "image-labelled-otherwise" and "only 'CDY_2021.txt' beside it" in found.message
        assert "draw their masks" in hint(found) and "reads it as all background" not in hint(found)
    assert not (tmp_path / "cache").exists()


def test_a_copy_of_a_paired_image_is_no_background(tmp_path: Path) -> None:
    """A Google Drive download holds `Copy of leaf_05.png` in `Images/` only, the same bytes as the
    labelled `leaf_05.png`: its image-without-mask finding offered --unmasked-background, which
    reads it as all background, teaching the leaf as nothing. It is now a `copy-without-mask`
    finding naming its original, left out with the flag too; an image of its own is still offered."""
    top = tmp_path / "drive" / "drive-download-20240312T101010Z-001"
    for i in range(1, 5):
        save(top / "Images" / f"leaf_{i:02d}.png", photo(i, SIZE))
        save(top / "Masks" / f"leaf_{i:02d}.png", defect(i))
    (top / "Images" / "Copy of leaf_02.png").write_bytes((top / "Images" / "leaf_02.png").read_bytes())
    save(top / "Images" / "leaf_09.png", photo(9, SIZE))  # no copy, no mask
    for unmasked_background in (False, True):
        index = discover(tmp_path / "drive", cache_dir=str(tmp_path / "cache"), unmasked_background=unmasked_background)
        assert sorted(p.name for p in index.pairs) == [f"leaf_{i:02d}" for i in range(1, 5)] + ["leaf_09"] * unmasked_background
        [copy] = [p for p in index.problems if p.path.name == "Copy of leaf_02.png"]
        assert copy.code == "copy-without-mask" and copy.related == (top / "Images" / "leaf_02.png",)
        assert "--unmasked-background never reads a copy" in hint(copy)
