from __future__ import annotations

import collections
import gzip
import io
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.layouts.discover import discover
from seglab.data.files.index import natural_key
from seglab.data.files.io import read_mask
from seglab.data.splitting.splits import split_pairs
from seglab.data.classes.mapping import BinaryMapping, ColourMapping, IdentityMapping, OffsetMapping
from seglab.errors import ConfigError, DataError


def write_png(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def rgb(h: int = 8, w: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def labels(values, h: int = 8, w: int = 8) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    for i, v in enumerate(values):
        mask.flat[i] = v
    return mask


@pytest.mark.parametrize("name", ["array-stack", "imagefolder", "rle-table", "video-tracings"])
def test_a_layout_told_by_one_search_searches_each_root_once(tmp_path: Path, name: str) -> None:
    """detect runs on every DATA and index reads what it found: each layout's search of a root
    (stacks, metadata files, tables) runs once per format object (`FindingFormat.found`)."""
    layout = FORMATS.get(name)()
    assert isinstance(layout, FindingFormat)
    searched, search = [], layout.find
    layout.find = lambda root: searched.append(root) or search(root)  # type: ignore[method-assign]
    write_png(tmp_path / "images" / "a.png", rgb())
    assert not layout.detect(tmp_path) and not layout.detect(tmp_path)
    assert searched == [tmp_path]


def make_folder_pairs(root: Path, image_dir: str, mask_dir: str, names, values=(0, 1, 2)) -> Path:
    for name in names:
        write_png(root / image_dir / f"{name}.png", rgb())
        write_png(root / mask_dir / f"{name}.png", labels(values))
    return root


def test_registry_lists_the_formats():
    assert FORMATS.names() == ["array-stack", "bop", "celebamask-hq", "cellpose", "cityscapes-polygons", "class-folders", "coco", "coco-panoptic", "coco-per-image", "contour-text", "cvat", "darwin", "folder-pairs", "geojson", "hiertext", "hub-parquet", "imagefolder", "imagej-roi", "imagescope", "isat", "label-studio", "labelbox", "labelme", "manifest", "mask-table", "npy-pairs", "oxford-pet", "page-xml", "pair-lists", "parallel-lists", "polygon-lines", "polygon-xml", "rle-table", "sagemaker", "sbd", "scalabel", "side-by-side", "superannotate",
                              "supervisely", "synthetic", "vertex-ai", "via", "video-tracings", "volumes", "xbd", "yolo"]


def test_natural_sort():
    names = ["img10", "img2", "img1", "Img3", "a"]
    assert sorted(names, key=natural_key) == ["a", "img1", "img2", "Img3", "img10"]


def test_synthetic_is_detected(tiny_dataset):
    index = discover(tiny_dataset)
    assert index.format == "synthetic"
    assert len(index.pairs) == 12 and index.unlabelled == [] and index.problems == []
    assert index.classes.names == ("background", "circle", "square", "triangle")
    assert isinstance(index.mapping, IdentityMapping)
    assert [p.name for p in index.pairs][:3] == ["0000", "0001", "0002"]


def test_oxford_pet_layout(oxford_pet_dataset):
    index = discover(oxford_pet_dataset)
    assert index.format == "oxford-pet"
    assert [p.name for p in index.pairs] == ["Abyssinian_1", "Abyssinian_2", "Abyssinian_10", "basset_hound_3"]
    assert index.classes.names == ("pet", "background", "border")
    assert index.mapping == OffsetMapping(1)
    assert index.problems == []  # ._ files and foo.mat are ignored, not reported
    assert all(not p.image.name.startswith("._") for p in index.pairs)
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert set(np.unique(mask).tolist()) == {0, 1, 2}
    assert mask.shape == (40, 56)


def test_oxford_pet_image_without_trimap(oxford_pet_dataset):
    (oxford_pet_dataset / "annotations" / "trimaps" / "Abyssinian_2.png").unlink()
    index = discover(oxford_pet_dataset)
    assert len(index.pairs) == 3
    (problem,) = index.problems
    assert problem.path.name == "Abyssinian_2.jpg"
    assert "expected annotations/trimaps/Abyssinian_2.png" in problem.message


def official_pet_split(root: Path, test: tuple[str, ...]) -> None:
    """`annotations/trainval.txt` and `test.txt` as the release ships them: a name and its class,
    species and breed ids a line."""
    names = [p.stem for p in sorted((root / "images").glob("*.jpg"))]
    for list_name, listed in (("trainval", [n for n in names if n not in test]), ("test", list(test))):
        (root / "annotations" / f"{list_name}.txt").write_text("".join(f"{n} 1 1 1\n" for n in listed))


def test_oxford_pet_keeps_its_official_split(oxford_pet_dataset):
    official_pet_split(oxford_pet_dataset, test=("Abyssinian_10",))
    index = discover(oxford_pet_dataset)
    assert {p.name: p.split for p in index.pairs} == {
        "Abyssinian_1": "train", "Abyssinian_2": "train", "Abyssinian_10": "test", "basset_hound_3": "train"}
    assert "split as test.txt and trainval.txt say" in index.pairing[0]
    assert {k: len(v) for k, v in split_pairs(index.pairs, (0.5, 0.5, 0.0)).items()} == {"train": 2, "val": 1,
                                                                                         "test": 1}


@pytest.mark.parametrize("format", ["auto", "oxford-pet"])
def test_oxford_pet_in_torchvisions_root_reads_as_its_own_folder(tmp_path, oxford_pet_dataset, format):
    """`OxfordIIITPet(root="data")` unpacks to `data/oxford-iiit-pet/`, beside the tarballs and the
    other datasets downloaded there (FashionMNIST's idx files)."""
    data = tmp_path / "data"
    data.mkdir()
    oxford_pet_dataset.rename(data / "oxford-iiit-pet")
    (data / "oxford-iiit-pet" / "images.tar.gz").write_bytes(b"\x1f\x8b")
    (data / "FashionMNIST" / "raw").mkdir(parents=True)
    (data / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03")
    official_pet_split(data / "oxford-iiit-pet", test=("basset_hound_3",))
    index = discover(data, format=format)
    assert index.format == "oxford-pet" and index.root == data / "oxford-iiit-pet"
    assert index.classes.names == ("pet", "background", "border")
    assert [p.split for p in index.pairs] == ["train", "train", "train", "test"]
    assert index.pairing[0].startswith("oxford-iiit-pet/images/ + oxford-iiit-pet/annotations/trimaps/: 4 pairs")


def test_npy_pairs_matched_by_trailing_number(tmp_path):
    rng = np.random.default_rng(0)
    for i in (3, 10, 2, 7):
        (tmp_path / "MRIs").mkdir(exist_ok=True)
        (tmp_path / "Segmentations").mkdir(exist_ok=True)
        np.save(tmp_path / "MRIs" / f"scan_{i}.npy", rng.random((6, 5)).astype(np.float32))
        np.save(tmp_path / "Segmentations" / f"segm_{i}.npy", labels([0, 1, 2], 6, 5))
    np.save(tmp_path / "Segmentations" / "segm_99.npy", labels([0], 6, 5))
    index = discover(tmp_path)
    assert index.format == "npy-pairs"
    assert [p.name for p in index.pairs] == ["scan_2", "scan_3", "scan_7", "scan_10"]
    assert all(p.mask.name == f"segm_{p.name.split('_')[1]}.npy" for p in index.pairs)
    assert index.classes.names == ("white matter", "gray matter", "background")
    assert [p.path.name for p in index.problems] == ["segm_99.npy"]


def test_npy_pairs_with_other_values_get_generic_classes(tmp_path):
    for i in range(3):
        for folder, name in (("MRIs", f"mri_{i}"), ("Segmentations", f"segm_{i}")):
            (tmp_path / folder).mkdir(exist_ok=True)
            np.save(tmp_path / folder / f"{name}.npy", labels([0, 1, 2, 3, 4], 6, 5))
    assert discover(tmp_path).classes is None


def test_folder_pairs_images_masks(tmp_path):
    make_folder_pairs(tmp_path, "images", "masks", ["b", "a10", "a2"])
    index = discover(tmp_path)
    assert index.format == "folder-pairs"
    assert [p.name for p in index.pairs] == ["a2", "a10", "b"]
    assert index.classes is None and isinstance(index.mapping, IdentityMapping)
    assert all(p.split is None for p in index.pairs)


def test_folder_pairs_reports_unpaired_files(tmp_path):
    make_folder_pairs(tmp_path, "images", "masks", ["a", "b"])
    write_png(tmp_path / "images" / "lonely.png", rgb())
    write_png(tmp_path / "masks" / "orphan.png", labels([1]))
    index = discover(tmp_path)
    messages = {p.path.name: p.message for p in index.problems}
    assert "image has no mask" in messages["lonely.png"]
    assert messages["orphan.png"] == "mask has no image"


def test_isbi_layout_binary_with_unlabelled_test(tmp_path):
    make_folder_pairs(tmp_path / "train", "image", "label", ["0", "1", "2"], values=(0, 255))
    for i in range(3):  # grey EM slices
        write_png(tmp_path / "train" / "image" / f"{i}.png", rgb()[..., 0])
    for i in range(2):
        write_png(tmp_path / "test" / f"{i}.png", rgb()[..., 0])
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and [p.name for p in index.unlabelled] == ["0.png", "1.png"]
    assert index.mapping == BinaryMapping()
    assert index.classes.names == ("membrane", "cell")
    assert set(np.unique(read_mask(index.pairs[0].mask, index.mapping)).tolist()) == {0, 1}


def test_aerial_image_and_label_folders_are_not_named_as_membranes(tmp_path):
    """WHU Building ships train/image/*.tif (RGB aerial tiles) + train/label/*.tif (0/255), the
    folder names of the U-Net tutorial's ISBI membranes: its buildings were named 'cell' and
    the background 'membrane', in the run's classes.json and reports."""
    for split in ("train", "val", "test"):
        make_folder_pairs(tmp_path / split, "image", "label", ["1", "2"], values=(0, 255))
    assert discover(tmp_path).classes.names == ("class_0", "class_1")


def test_binary_masks_in_images_masks_have_generic_classes(tmp_path):
    make_folder_pairs(tmp_path, "images", "masks", ["a", "b"], values=(0, 255))
    index = discover(tmp_path)
    # two classes declared by the encoding, so stray values in 0/255 masks are reported
    assert index.mapping == BinaryMapping() and index.classes.names == ("class_0", "class_1")


def test_camvid_layout_keeps_splits_and_names(tmp_path):
    make_folder_pairs(tmp_path, "train", "trainannot", ["t1", "t2", "t3"], values=(0, 5, 11))
    make_folder_pairs(tmp_path, "val", "valannot", ["v1"], values=(3, 11))
    index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {"t1": "train", "t2": "train", "t3": "train", "v1": "val"}
    assert index.classes.num_classes == 11 and index.classes.ignore_index == 11
    assert index.classes.names[0] == "Sky" and index.ignore_index == 11


def test_single_annot_folder_has_no_split_labels(tmp_path):
    make_folder_pairs(tmp_path, "train", "trainannot", ["a", "b"])
    assert all(p.split is None for p in discover(tmp_path).pairs)


def test_equal_stems_in_two_splits_get_unique_names(tmp_path):
    make_folder_pairs(tmp_path, "train", "trainannot", ["x", "y"])
    make_folder_pairs(tmp_path, "val", "valannot", ["x"])
    names = [p.name for p in discover(tmp_path).pairs]
    assert sorted(names) == ["train/x", "val/x", "y"]


def test_palette_masks_use_indices(tmp_path):
    from seglab.data.files.io import write_mask_png

    for name in ("a", "b"):
        write_png(tmp_path / "images" / f"{name}.png", rgb())
        (tmp_path / "masks").mkdir(exist_ok=True)
        write_mask_png(tmp_path / "masks" / f"{name}.png", labels([0, 1, 2]), [(9, 9, 9), (200, 0, 0), (0, 200, 0)])
    index = discover(tmp_path)
    assert isinstance(index.mapping, IdentityMapping)
    assert set(np.unique(read_mask(index.pairs[0].mask, index.mapping)).tolist()) == {0, 1, 2}


def test_rgb_masks_without_classes_json_get_their_colours_as_classes(tmp_path):
    colours = [[0, 0, 0], [255, 0, 0], [0, 0, 255]]
    for name in ("a", "b"):
        write_png(tmp_path / "images" / f"{name}.png", rgb())
        mask = np.zeros((8, 8, 3), np.uint8)
        mask[:4] = colours[1]
        mask[6:] = colours[2]
        write_png(tmp_path / "masks" / f"{name}.png", mask)
    index = discover(tmp_path)
    assert index.classes.names == ("#000000", "#0000ff", "#ff0000")  # by colour code: black first
    assert index.mapping == ColourMapping(((0, 0, 0), (0, 0, 255), (255, 0, 0)))
    (tmp_path / "classes.json").write_text(json.dumps({"names": ["bg", "red", "blue"], "colours": colours}))
    index = discover(tmp_path)
    assert isinstance(index.mapping, ColourMapping)
    assert index.classes.names == ("bg", "red", "blue")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert mask[0, 0] == 1 and mask[5, 0] == 0 and mask[7, 0] == 2


def test_classes_file_and_ignore_index_override(tmp_path):
    make_folder_pairs(tmp_path, "images", "masks", ["a"], values=(0, 1, 255))
    spec = tmp_path / "my_classes.json"
    spec.write_text(json.dumps({"names": ["bg", "fg"], "ignore_index": 255}))
    index = discover(tmp_path, classes_file=str(spec))
    assert index.classes.names == ("bg", "fg") and index.ignore_index == 255
    index = discover(tmp_path, classes_file=str(spec), ignore_index=7)
    assert index.classes.ignore_index == 7 and index.ignore_index == 7
    assert discover(tmp_path, ignore_index=255).ignore_index == 255


def test_explicit_format(tmp_path, tiny_dataset):
    assert discover(tiny_dataset, format="folder-pairs").format == "folder-pairs"
    with pytest.raises(DataError, match="does not look like the oxford-pet layout"):
        discover(tiny_dataset, format="oxford-pet")


def test_unknown_format_lists_the_formats(tiny_dataset):
    with pytest.raises(ConfigError, match="oxford-pett.*oxford-pet.*Available: array-stack, bop, celebamask-hq, cellpose, cityscapes-polygons, class-folders, coco, coco-panoptic, coco-per-image, contour-text, cvat, darwin, folder-pairs, geojson, hiertext, hub-parquet, imagefolder, imagej-roi, imagescope, isat, label-studio, labelbox, labelme, manifest"):
        discover(tiny_dataset, format="oxford-pett")


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(DataError, match="nothing.*does not exist"):
        discover(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty.*is empty"):
        discover(tmp_path / "empty")


def test_unknown_layout_explains_what_was_looked_for(tmp_path):
    write_png(tmp_path / "pictures" / "a.png", rgb())
    with pytest.raises(DataError, match=r"(?s)no known dataset layout in '.*'.*npy-pairs: MRIs.*oxford-pet: .*trimaps"):
        discover(tmp_path)


def test_a_folder_of_images_alone_is_said_so_before_the_layouts(tmp_path):
    """A folder of photos and nothing else: 'no known dataset layout; looked for:' and 45 layouts'
    lines, then at the very end '30 image files'; that there were no masks was never said."""
    (tmp_path / "photos").mkdir()
    for name in ("cat_1.jpg", "cat_2.jpg", "dog_1.jpg"):
        Image.fromarray(rgb()).save(tmp_path / "photos" / name)
    with pytest.raises(DataError) as refused:
        discover(tmp_path / "photos")
    lines = str(refused.value).splitlines()
    assert lines[1].startswith(f"only images: 3 '.jpg' files in '{tmp_path / 'photos'}', and no masks or labels")
    assert lines[1].endswith(f"seglab predict RUN {tmp_path / 'photos'}")
    assert str(refused.value).index("folders with images") < str(refused.value).index("layouts looked for:")
    (tmp_path / "photos" / "labels.json").write_text("{}")  # something that may label them: no such line
    with pytest.raises(DataError) as refused:
        discover(tmp_path / "photos")
    assert "only images" not in str(refused.value)


def test_a_folder_of_label_masks_alone_is_not_said_to_hold_only_images(tmp_path):
    """A lone folder of masks (a few values each) was said both to hold 'only images, and no
    masks' and, two lines on, label masks whose images are not here: now the second alone."""
    (tmp_path / "out").mkdir()
    for k in range(3):
        values = np.zeros((16, 16), np.uint8)
        values[k:k + 6, 2:9] = 1 + k % 2
        Image.fromarray(values).save(tmp_path / "out" / f"{k}.png")
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "only images" not in str(refused.value) and "masks whose images are not here" in str(refused.value)


def test_datasets_side_by_side_are_named_with_one_to_pass(tmp_path):
    """SegInW: `seginw/<dataset>/{train,valid}/_annotations_min1cat.coco.json`, 25 Roboflow COCO
    exports in one folder: 'no known dataset layout' named none of them."""
    root = tmp_path / "seginw"
    for name in ("Fruits", "Airplane-Parts"):
        for split in ("train", "valid"):
            write_png(root / "seginw" / name / split / "img0.jpg", rgb(16, 16))
            (root / "seginw" / name / split / "_annotations_min1cat.coco.json").write_text(json.dumps({
                "images": [{"id": 0, "file_name": "img0.jpg", "height": 16, "width": 16}],
                "annotations": [{"id": 0, "image_id": 0, "category_id": 1, "iscrowd": 0, "bbox": [2, 2, 8, 8],
                                 "segmentation": [[2, 2, 10, 2, 10, 10, 2, 10]]}],
                "categories": [{"id": 0, "name": name.lower()}, {"id": 1, "name": "part"}]}))
    (root / "seginw" / "val").mkdir()  # named for a split: no dataset of its own
    with pytest.raises(DataError, match=r"'.*seginw' holds 2 separate datasets \(Airplane-Parts/ \(coco\), "
                                        r"Fruits/ \(coco\)\).*pass one as DATA: seglab inspect .*Airplane-Parts$"):
        discover(root, cache_dir=str(tmp_path / "cache"))
    assert discover(root / "seginw" / "Fruits", cache_dir=str(tmp_path / "cache")).format == "coco"


def test_folders_looked_into_for_datasets_side_by_side_warn_nothing_of_their_own(tmp_path, caplog):
    """Dermofit's `Dermofit/BCC/B38/B38.png` + `B38mask.png`: no layout reads the top folder, and
    each class folder looked into as a dataset of its own said its own warning (masks no naming
    pairs), once more per folder, under the top folder's; each folder warns when it is DATA."""
    for lesion, case in (("BCC", "B38"), ("BCC", "B45"), ("MEL", "M66"), ("MEL", "M73")):
        write_png(tmp_path / lesion / case / f"{case}.png", rgb(16, 16))
        write_png(tmp_path / lesion / case / f"{case}mask.png", np.zeros((16, 16), np.uint8))
    with caplog.at_level(logging.WARNING, logger="seglab"), pytest.raises(DataError):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert not [r for r in caplog.records if r.getMessage().startswith((f"{tmp_path / 'BCC'}:", f"{tmp_path / 'MEL'}:"))]


def test_layout_without_pairs(tmp_path):
    write_png(tmp_path / "images" / "a.png", rgb())
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match=r"(?s)no image/mask pairs found in .*a.png: image has no mask"):
        discover(tmp_path)


def test_bad_classes_json_in_root(tiny_dataset):
    (tiny_dataset / "classes.json").write_text('{"names": ["a"], "colours": "red"}')
    with pytest.raises(DataError, match="classes.json"):
        discover(tiny_dataset)


def test_the_formats_tried_share_one_listing_of_the_folder(tiny_dataset, monkeypatch):
    """Five formats look for their files in turn; each walked the tree itself (0.4 s apiece for
    40,000 files), now one listing serves a discover call, and the next call lists afresh."""
    from seglab.data.discovery.folders import listing

    walked = []
    real = listing._walk
    monkeypatch.setattr(listing, "_walk", lambda root, depth: walked.append(root) or real(root, depth))
    index = discover(tiny_dataset)
    assert len(index.pairs) == 12 and walked == [tiny_dataset]
    discover(tiny_dataset)
    assert walked == [tiny_dataset, tiny_dataset]


def test_each_data_folder_is_listed_once_however_many_readers_ask(tmp_path, monkeypatch):
    """A tree of sequences, `images/seq_<n>/` beside `masks/seq_<n>/`: the readers that ask of a
    folder in turn (whether it may be listed, for a DICOM series, for volumes, for split tables)
    listed each sequence folder 5 to 6 times and opened it as often again (2,000 sequences: 40,000
    listings). Within one discover a folder of DATA is listed once and opened once."""
    import collections
    import os
    import sys
    import types

    from seglab.data.files import folder_listing

    for n in range(4):
        for folder, pixels in (("images", np.full((8, 8, 3), 40 * n, np.uint8)), ("masks", np.eye(8, dtype=np.uint8))):
            (tmp_path / folder / f"seq_{n:04d}").mkdir(parents=True)
            for frame in range(2):
                Image.fromarray(pixels + frame).save(tmp_path / folder / f"seq_{n:04d}" / f"{frame:05d}.png")
    listed: collections.Counter[Path] = collections.Counter()
    opened: collections.Counter[Path] = collections.Counter()
    monkeypatch.setattr(folder_listing, "os", types.SimpleNamespace(**{  # the listing's scandir, and listable's
        **vars(os), "scandir": lambda path: (opened if sys._getframe(1).f_code.co_name == "opens" else listed).update(
            [Path(path)]) or os.scandir(path)}))
    index = discover(tmp_path)
    assert len(index.pairs) == 8
    sequences = [tmp_path / folder / f"seq_{n:04d}" for folder in ("images", "masks") for n in range(4)]
    assert [listed[folder] for folder in sequences] == [1] * 8
    assert [opened[folder] for folder in sequences] == [1] * 8


STRIPES = (np.arange(256).reshape(16, 16) % 2).astype(np.uint8)  # a 0/1 mask of 16 x 16


def _counted_listings(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[Path]:
    """Each folder's listings from here on (`os.scandir`, `os.listdir`: globs and `Path.iterdir` too),
    `listable`'s open of a folder, which reads no entry, aside."""
    listed: collections.Counter[Path] = collections.Counter()

    def counted(real: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def listing(path: Any = ".") -> Any:
            if sys._getframe(1).f_code.co_name != "opens":
                listed.update([Path(path)])
            return real(path)
        return listing

    monkeypatch.setattr(os, "scandir", counted(os.scandir))
    monkeypatch.setattr(os, "listdir", counted(os.listdir))
    return listed


def test_each_folder_of_a_folder_pairs_dataset_is_listed_once_a_discover(tmp_path, monkeypatch):
    """The readers of class tables, READMEs, annotation files, split lists and subject tables each
    globbed the dataset's folders again (20,000 pairs in split folders: the mask folder listed 35
    times an inspect, the dataset folder 48). Each is listed once, by the one listing all share."""
    for split in ("train", "val"):
        for k in range(3):
            write_png(tmp_path / "images" / split / f"{split}_{k}.png", rgb(16, 16, seed=k))
            write_png(tmp_path / "masks" / split / f"{split}_{k}.png", STRIPES)
    listed = _counted_listings(monkeypatch)
    index = discover(tmp_path)
    assert len(index.pairs) == 6
    folders = [*(tmp_path / kind for kind in ("images", "masks")),  # DATA listed once more: is it empty, may it be read
               *(tmp_path / kind / split for kind in ("images", "masks") for split in ("train", "val"))]
    assert {folder: listed[folder] for folder in folders} == dict.fromkeys(folders, 1)


def test_the_readers_of_a_folder_tell_its_files_from_its_folders_by_the_listing(tmp_path, monkeypatch):
    """Whether an entry is a file or a folder was asked of each image and mask file again by each
    reader of the one listing (a DICOM series', a volume folder's, `subfolders`, ...: 20,000 pairs,
    600,000 stats an inspect); the listing's scandir tells it, so discovery stats no image file."""
    for k in range(4):
        write_png(tmp_path / "images" / f"{k}.png", rgb(16, 16, seed=k))
        write_png(tmp_path / "masks" / f"{k}.png", STRIPES)
    stated: collections.Counter[str] = collections.Counter()
    real = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *args, **kwargs: stated.update([os.fspath(path)]) or real(
        path, *args, **kwargs))
    discover(tmp_path)
    most = max(n for path, n in stated.items() if path.endswith(".png"))
    assert most <= 8, most  # the reads of the masks sampled for their encoding (was 24: the listings' readers, each)


def test_a_folders_files_match_a_pattern_in_the_case_its_system_matches_names(tmp_path, monkeypatch):
    """The listing's `matching` took the place of `folder.glob`, which on Windows matches names in
    any case (`A.JSON` for `*.json`); it matched case-sensitively there. Here Windows' normcase."""
    from seglab.data.files.folder_listing import matching

    (tmp_path / "A.JSON").write_text("{}")
    (tmp_path / "b.json").write_text("{}")
    assert [p.name for p in matching(tmp_path, "*.json")] == ["b.json"]  # POSIX: case-sensitive, as glob
    monkeypatch.setattr(os.path, "normcase", str.lower)
    assert sorted(p.name for p in matching(tmp_path, "*.json")) == ["A.JSON", "b.json"]
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert matching(tmp_path / "loop", "*.json") == []  # a link that loops: nothing, as glob finds, not OSError


def test_the_annotation_formats_look_into_a_tree_without_their_files_at_its_top_alone(tmp_path, monkeypatch):
    """The annotation formats' nine searches (COCO, VIA's JSON and CSV, CVAT, ...) each looked for
    the one folder wrapping a dataset by looking into every folder of a tree without images, a
    folder at a time (20,000 case folders: 180,027 looks, 103 s of inspect's 176 s). The one walk of
    the tree says that no folder holds their files: DATA alone is looked into."""
    from seglab.data.annotations import annotation_formats

    for k in range(1_000):
        case = tmp_path / ("train", "val")[k % 2] / f"case_{k:04d}"
        case.mkdir(parents=True)
        (case / "notes.txt").write_text("no annotation file")
    looked = []
    real = annotation_formats._wrapped_folder
    monkeypatch.setattr(annotation_formats, "_wrapped_folder",
                        lambda root, *rest: looked.append(root) or real(root, *rest))
    with pytest.raises(DataError, match="no known dataset layout"):
        discover(tmp_path)
    assert looked and set(looked) == {tmp_path}, len(looked)  # was each of the 1,003 folders, once a format


def test_which_folders_hold_images_is_read_from_one_pass_over_the_listing(tmp_path, monkeypatch):
    """Of DATA's folders, whether each holds images (`holds_images`, asked of every folder when
    looking for the one folder wrapping a dataset) went through the image listing once an asking:
    3,000 folders of images took 135 s a search, and the annotation formats search nine times."""
    from seglab.data.discovery.folders import listing

    for k in range(300):
        write_png(tmp_path / f"clip_{k:03d}" / "frame.png", rgb(seed=k))
    walked = []
    real = listing.walk
    monkeypatch.setattr(listing, "walk", lambda root, *depth: walked.append(root) or real(root, *depth))
    try:
        discover(tmp_path)
    except DataError:
        pass
    assert walked == [tmp_path], len(walked)  # once a listing: was once for each of the 300 folders, each search


def test_files_of_a_format_no_reader_takes_are_named_when_no_layout_fits(tmp_path):
    """JSRT ships its radiographs as raw `All247images/JPCLN001.IMG` beside SCR's GIF masks: the
    refusal listed the mask folders only, never saying why the images were missing."""
    for i in range(3):
        (tmp_path / "All247images" / f"JPCLN00{i}.IMG").parent.mkdir(exist_ok=True)
        (tmp_path / "All247images" / f"JPCLN00{i}.IMG").write_bytes(bytes(64))
        write_png(tmp_path / "scr" / "masks" / "left lung" / f"JPCLN00{i}.png", labels((0, 255)))
        (tmp_path / "scr" / "landmarks" / f"JPCLN00{i}.pfs").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "scr" / "landmarks" / f"JPCLN00{i}.pfs").write_text("[Label=right lung]\n{ 10, 20 }\n")
    (tmp_path / "README.txt").write_text("x")
    with pytest.raises(DataError) as found:
        discover(tmp_path)
    assert "All247images/: 3 '.img' files, a format seglab does not read: convert them to PNG or TIFF" in str(found.value)
    assert "'.txt'" not in str(found.value)
    # SCR's landmark points are no image to convert (the refusal said 'convert them to PNG or TIFF')
    assert "scr/landmarks/: 3 '.pfs' files, landmark point lists (contours), not images or masks" in str(found.value)


def test_unread_files_are_counted_over_every_folder_not_each_alone(tmp_path):
    """RootNav 2.0 ships `train/` (4 images, 4 `.rsml` root tracings) and `valid/` (2 and 2): the
    refusal named train's tracings only, valid's 2 being under the 3 a folder had to hold; and it
    said "convert them to PNG or TIFF" of polylines to be drawn."""
    for split, count in (("train", 4), ("valid", 2)):
        for i in range(count):
            write_png(tmp_path / split / f"1_{split}_{i:03d}.png", labels((0, 255)))
            (tmp_path / split / f"1_{split}_{i:03d}.rsml").write_text("<rsml></rsml>")
    with pytest.raises(DataError) as found:
        discover(tmp_path)
    assert "train/: 4 '.rsml' files, tracings, polylines (roots, neurites), not images or masks" in str(found.value)
    assert "valid/: 2 '.rsml' files, tracings" in str(found.value)
    assert "draw each file's polylines into a mask named as its image" in str(found.value)
    assert "convert them to PNG or TIFF" not in str(found.value)


def test_gzipped_images_are_named_with_the_command_that_decompresses_them(tmp_path):
    """STARE ships `stare-images/im0001.ppm.gz` and `labels-ah/im0001.ah.ppm.gz`: the refusal said
    'no image files found' and never named the 28 compressed files."""
    for i in range(3):
        for folder, name in (("stare-images", f"im000{i}.ppm.gz"), ("labels-ah", f"im000{i}.ah.ppm.gz")):
            (tmp_path / folder).mkdir(exist_ok=True)
            buffer = io.BytesIO()
            Image.fromarray(rgb(seed=i)).save(buffer, format="PPM")
            (tmp_path / folder / name).write_bytes(gzip.compress(buffer.getvalue()))
    with pytest.raises(DataError) as found:
        discover(tmp_path)
    assert (f"stare-images/: 3 '.ppm.gz' files, gzip-compressed images seglab does not read: decompress them "
            f"(gunzip -r '{tmp_path / 'stare-images'}')") in str(found.value)
    assert "labels-ah/: 3 '.ppm.gz' files" in str(found.value)


def test_hdf5_files_named_hdf_are_named_with_the_rename_that_reads_them(tmp_path):
    """CREMI ships `sample_A_20160501.hdf` (HDF5 by its first bytes; `.hdf` is HDF4's suffix too):
    the refusal said only 'no image files found'; an HDF4 file (other bytes) stays unnamed."""
    for name in ("sample_A_20160501.hdf", "sample_B_20160501.hdf"):
        (tmp_path / name).write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    (tmp_path / "old_hdf4.hdf").write_bytes(b"\x0e\x03\x13\x01" + bytes(64))
    with pytest.raises(DataError) as found:
        discover(tmp_path)
    assert "./: 2 '.hdf' files holding HDF5 (their first bytes say so), which seglab reads only named .h5 or " \
           ".hdf5: rename them (mv x.hdf x.h5)" in str(found.value)


def test_sunrgbd_parallel_lists_pair_line_by_line_with_their_split(tmp_path):
    """ESANet's SUN RGB-D: `SUNRGBD/<sensor>/<src>/<scene>/image/NYU0001.jpg` + `label/label.npy`
    (names unrelated) listed line by line in `train_rgb.txt`/`train_label.txt` and `test_*`
    (paths relative to SUNRGBD/, a `_depth` list beside): refused as 'no image files within 4
    levels' before."""
    lists: dict[str, list[str]] = {"train_rgb": [], "train_label": [], "train_depth": [], "test_rgb": [], "test_label": []}
    for i in range(5):
        split = "test" if i == 0 else "train"
        scene = f"kv1/NYUdata/NYU{i:04d}"
        folder = tmp_path / "SUNRGBD" / scene
        Image.fromarray(rgb(seed=i)).save(_made(folder / "image") / f"NYU{i:04d}.jpg")
        np.save(_made(folder / "label") / "label.npy", labels((0, i + 1)).astype(np.uint8))
        lists[f"{split}_rgb"].append(f"{scene}/image/NYU{i:04d}.jpg")
        lists[f"{split}_label"].append(f"{scene}/label/label.npy")
        lists["train_depth"].append(f"{scene}/depth/NYU{i:04d}.png")
    for name, lines in lists.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(lines))
    index = discover(tmp_path)
    assert index.format == "parallel-lists" and len(index.pairs) == 5
    by_image = {p.image.name: p for p in index.pairs}
    assert by_image["NYU0000.jpg"].split == "test" and {p.split for p in index.pairs} == {"train", "test"}
    for i in range(5):
        pair = by_image[f"NYU{i:04d}.jpg"]
        assert pair.mask == tmp_path / "SUNRGBD" / f"kv1/NYUdata/NYU{i:04d}" / "label" / "label.npy"


def test_list_files_of_unequal_length_are_no_parallel_lists(tmp_path):
    write_png(tmp_path / "images" / "a.png", rgb())
    (tmp_path / "train_rgb.txt").write_text("images/a.png\nimages/b.png\n")
    (tmp_path / "train_label.txt").write_text("masks/a.png\n")
    assert not FORMATS.get("parallel-lists")().detect(tmp_path)


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
