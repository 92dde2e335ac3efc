"""Predict a list of files and folders and write masks, overlays and probabilities."""

from __future__ import annotations

import logging
import os
import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data import IMAGE_SUFFIXES, image_scale, read_image, write_mask_png
from seglab.data.discovery.channel_files import channel_groups, group_name, is_channel_file, unread_bands
from seglab.data.discovery.folders import folders_within, masks_beside_images
from seglab.data.discovery.folders.chip_scenes import Chip, described
from seglab.data.discovery.folders.scene_readings import reading_files, scene_readings
from seglab.data.discovery.image_names import image_name_pattern, pick_files
from seglab.data.discovery.naming import KeyRule, looks_like_image_folder, looks_like_mask_folder
from seglab.data.classes import ClassSpec
from seglab.data.files.geotiff import georeference, write_georeferenced_mask
from seglab.data.files.halves import half_of, twice_as_wide
from seglab.data.files.label_dtype import label_dtype
from seglab.data.files.parquet_shards import SHARD_SUFFIXES, shard_kind
from seglab.data.files.video_frames import VIDEO_SUFFIXES
from seglab.data.files.volumes import VOLUME_SUFFIXES, is_volume, volume_stem
from seglab.data.layouts.formats import ReadOptions
from seglab.data.layouts.volume_format.cases import is_case_label, is_label_volume
from seglab.data.layouts.volume_format.label_voxels import LabelVoxels
from seglab.data.layouts.volume_format.label_products import label_products
from seglab.data.layouts.volume_format.modality_folders import names_a_modality
from seglab.errors import DataError
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.multilabel import write_multilabel
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Segmenter
from seglab.labelsets import unpack_numpy
from seglab.progress import progress_bar
from seglab.reports.plots import overlay, shown_channels

log = logging.getLogger(__name__)


def collect_inputs(inputs: Sequence[str | Path], channel_files: Sequence[str] = (), series: bool = True,
                   images: str | None = None, mask_pattern: str | None = None, in_channels: int = 1,
                   masks: str | None = None) -> list[Path]:
    """Image and volume files named directly, DICOM series folders, plus the images and volumes
    inside other named folders (not recursive, but a subfolder that is a DICOM series is a volume:
    `dicom/images/` of one folder per series), less a folder's masks where it holds a dataset's
    images and masks side by side (`_without_masks`), named as the run trained: its `mask_pattern`
    (RobustMIS' `instrument_instances.png`) and of volumes its `masks` (SAROS' `body-regions.nii.gz`,
    the volumes beside it holding a label's voxels with it: `_label_volumes`) name them, and its `images` where a file-name pattern
    (Structured3D's `rgb_rawlight.png`) picks a folder's images; without `series` (a run trained on 2-D DICOM
    frames: `InputNaming.volumes`) a series folder is a folder of images, its `.dcm`
    files, and subfolders are not looked in; for a model whose channels are files of
    their own (`channel_files`), a folder without images gives those of its subfolders that hold
    such files (38-Cloud's `38-Cloud_test/` and its `test_red/` ... `test_nir/`; LEVIR-CD's
    `test/A/` and `test/B/`, its `test/label/` left out and logged; Cloud Cover's `test_features/`
    of chip folders), or whose case folders do (BrainMetShare's `mets_stanford_releaseMask_test/Mets_003/0/`
    ... `3/`), and the bands of their images that the model does not read are left out and
    logged (a chip folder's `B01.tif` for a model of `--bands B02,B03,B04,B08`); for a model of
    `in_channels` modalities, a folder without images gives the volumes of as many subfolders
    named each for a modality (BONBID-HIE's `1ADC_ss/` and `2Z_ADC/`, its `3LABEL/` left out and
    logged). A path given twice (a file and
    the folder holding it) is one input, where it first comes: read twice, a volume would be two
    channels of one case.

    Raises:
        DataError: an input that does not exist, a Parquet or Arrow shard (the route: `seglab
            inspect` unpacks its pictures), or a folder holding none (named with those of its
            subfolders that do: a dataset's root holds its images and its masks below it, and
            which are the images only the user can say; the example one the run's `images` names,
            never its `masks`).
    """
    rules = ReadOptions(images=images, mask_pattern=mask_pattern).key_rules  # as the data stage pairs
    picked = image_name_pattern(images)
    labels = _LabelRule(masks, LabelVoxels())  # one judge of volumes by their voxels for every folder
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir() and series and is_volume(item):  # a DICOM series is one input
            files.append(item)
        elif item.is_dir():
            found = _without_masks(item, _folder_inputs(item) if series else _inputs_in(item), rules, picked, labels) \
                or (_channel_folder_inputs(item, channel_files, images) if channel_files
                    else _modality_folder_inputs(item, in_channels))
            if not found:
                raise DataError(_no_inputs_in(item, images, masks))
            files.extend(found)
        elif item.is_file() and item.name.lower().endswith(SHARD_SUFFIXES):
            raise DataError(f"'{item}' is a {shard_kind(item)} shard of a Hugging Face dataset, "
                            f"{_unpacked_route(item.parent)}")
        elif item.is_file():
            files.append(item)
        else:
            raise DataError(f"input '{item}' does not exist")
    files = _each_once(files)
    unread = set(unread_bands(files, channel_files)) if channel_files else set()
    if unread:
        log.info("%d band files of the images are bands the model does not read (e.g. '%s'; it reads %s): left out",
                 len(unread), min(unread), ", ".join(channel_files))
    return [path for path in files if path not in unread]


def _each_once(files: Sequence[Path]) -> list[Path]:
    """`files` less those that are the same file as one before them (`a.mha` and `./a.mha`)."""
    first: dict[Path, Path] = {}
    for path in files:
        first.setdefault(path.resolve(), path)
    return list(first.values())


_SHOWN_FOLDERS = 5  # subfolders named when a folder holds no inputs itself
_SEARCH_DEPTH = 4  # how far below it they are looked for (M&Ms-2's MnM2/dataset/001/ is 3 down)


def _no_inputs_in(folder: Path, images: str | None = None, masks: str | None = None) -> str:
    """Why `folder` gives nothing to predict, naming the subfolders that would (a few, with what
    they hold) and the command that predicts one: that of the run's `images`, never that of its
    `masks` (`_example_folder`)."""
    holding = _subfolders_with_inputs(folder)
    shards = _shards_below(folder)
    if not holding and shards:
        return (f"folder '{folder}' holds no images or volumes but {_count(len(shards), shard_kind(shards[0]) + ' shard')} of a "
                f"Hugging Face dataset (e.g. '{shards[0].relative_to(folder)}'), {_unpacked_route(folder)}")
    if not holding:
        return (f"folder '{folder}' holds no images ({', '.join(IMAGE_SUFFIXES)}) or volumes "
                f"({', '.join(VOLUME_SUFFIXES)}, DICOM series)")
    shown = ", ".join(f"'{sub}' ({_describe(inputs)})" for sub, inputs in holding[:_SHOWN_FOLDERS])
    more = f" and {len(holding) - _SHOWN_FOLDERS} more" if len(holding) > _SHOWN_FOLDERS else ""
    example = _example_folder(folder, [sub for sub, _ in holding], images, masks)
    return (f"folder '{folder}' holds no images or volumes itself, only in subfolders: {shown}{more}. Pass the "
            f"folders of the images to predict (every image in a folder passed is predicted, but the masks it "
            f"pairs with them as a dataset's)"
            f"{f', e.g. `seglab predict RUN {shlex.quote(str(example))}`' if example is not None else ''}")


def _unpacked_route(folder: Path) -> str:
    """What to do with the Parquet or Arrow shards of `folder`, which predict does not read: the
    rest of a refusal's sentence."""
    return (f"rows of pictures that predict does not read. `seglab evaluate RUN` scores the run's split of them; to "
            f"predict their pictures, `seglab inspect {shlex.quote(str(folder))}` unpacks them and names the folder "
            f"('unpacked into FOLDER'): `seglab predict RUN FOLDER/IMAGE_COLUMN`")


def _example_folder(folder: Path, subfolders: Sequence[Path], images: str | None, masks: str | None) -> Path | None:
    """The subfolder of `folder` a refusal's example predicts: the one the run's `--images` names,
    else one named for images (`photos/`, `images/`), else one not named for masks, else any; never
    one the run's `--masks` names (Photoshop cutouts' `cutouts/`, where a run of `--images photos
    --masks cutouts` read its masks). None where only that one holds inputs."""
    candidates = [sub for sub in subfolders if not _named_by(masks, sub)]
    return next(iter([sub for sub in candidates if _named_by(images, sub)]
                     + [sub for sub in candidates if looks_like_image_folder(sub.name)]
                     + [sub for sub in candidates if not _named_for_masks(sub.relative_to(folder))]
                     + candidates), None)


def _named_by(option: str | None, subfolder: Path) -> bool:
    """Whether a run's `--images` or `--masks` (a folder's name or path, or a pattern: OSCD's
    `imgs_?`) names `subfolder`: its last names match the option's, in any case."""
    if not option:
        return False
    given, own = Path(option).parts, subfolder.absolute().parts
    return len(given) <= len(own) and all(fnmatchcase(name.lower(), pattern.lower())
                                          for name, pattern in zip(own[-len(given):], given))


def _shards_below(folder: Path) -> list[Path]:
    """The Parquet and Arrow files in `folder` and up to `_SEARCH_DEPTH` below it (a Hub download's
    `data/train-00000-of-00001.parquet`, save_to_disk's `train/data-00000-of-00001.arrow`), in path order."""
    return sorted(here / name for here, _, names in folders_within(folder, _SEARCH_DEPTH)
                  for name in names if name.endswith(SHARD_SUFFIXES) and not name.startswith("."))


def _named_for_masks(subfolder: Path) -> bool:
    """Whether a folder's path says it holds masks (ASOCA's `Annotations/`, EndoVis' `seq_2/labels/`):
    not the one to suggest predicting, where a folder beside it is not (`CTCA/`, `left_frames/`)."""
    return any(map(looks_like_mask_folder, subfolder.parts))


def _subfolders_with_inputs(folder: Path) -> list[tuple[Path, list[Path]]]:
    """The folders below `folder` (up to `_SEARCH_DEPTH` down, hidden ones and DICOM series
    left out) that give inputs when passed, with those inputs, in path order."""
    found = []
    for root, dirs, _ in os.walk(folder):
        here = Path(root)
        depth = len(here.relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_volume(here / d)) \
            if depth < _SEARCH_DEPTH else []
        inputs = _folder_inputs(here) if depth else []
        if inputs:
            found.append((here, inputs))
    return found


def _describe(inputs: Sequence[Path]) -> str:
    """'12 images', '5 volumes', '3 images, 2 volumes'."""
    volumes = sum(1 for path in inputs if is_volume(path))
    counts = {"image": len(inputs) - volumes, "volume": volumes}
    return ", ".join(_count(n, kind) for kind, n in counts.items() if n)


def _count(n: int, kind: str) -> str:
    """'1 image', '3 images'."""
    return f"{n} {kind}{'s' if n != 1 else ''}"


def _folder_inputs(folder: Path) -> list[Path]:
    """The images and volume files in `folder`, then its subfolders that are DICOM series."""
    series = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and is_volume(p))
    return _inputs_in(folder) + series


@dataclass(frozen=True)
class _LabelRule:
    """How training told a case folder's label volumes: the run's `--masks` file (`label_file`), and
    the `judge` that set aside the volumes beside it holding a label's voxels."""

    label_file: str | None
    judge: LabelVoxels


def _without_masks(folder: Path, inputs: list[Path], rules: tuple[KeyRule, ...], picked: str | None,
                   labels: _LabelRule) -> list[Path]:
    """`inputs` of `folder` less the files the data stage reads as masks of the images beside them
    by the naming `rules` and those it lists as ignored beside such pairs (`masks_beside_images`:
    `a_mask.png` beside `a.png`, GeoNRW's `<tile>_seg.tif` and `<tile>_dem.tif` beside
    `<tile>_rgb.jp2`; `_label_volumes`: NFBS' `T1w_brainmask.nii.gz` and `T1w_brain.nii.gz` beside
    `T1w.nii.gz`; of the run's `labels`, SAROS' `body-regions.nii.gz` and the `body-parts.nii.gz` its
    voxels set aside), and with an `--images` file-name pattern (`picked`) the images it does not name
    where it names some (`pick_files`), said in one line; all of them for a folder of images alone."""
    given = set(inputs)
    masks, ignored = ([path for path in found if path in given] for found in masks_beside_images(folder, rules))
    label_volumes, products, rivals = _label_volumes(inputs, labels)
    masks, ignored = masks + label_volumes + rivals, ignored + products
    left_out = set(masks) | set(ignored) if masks else set()
    kept, unnamed = [path for path in inputs if path not in left_out], []
    if picked is not None:
        kept, unnamed = pick_files(kept, picked)
    if not left_out and not unnamed:
        return inputs
    paired = [path for path in masks if path not in rivals]
    reasons = [f"{_count(len(paired), 'mask')} left out (paired with the images as the data stage pairs a dataset's, "
               f"e.g. '{paired[0].name}')"] if paired else []
    reasons += [f"{_count(len(rivals), 'volume')} set aside as training set them aside beside its --masks "
                f"'{labels.label_file}' (their voxels are a label's, e.g. '{rivals[0].name}')"] if rivals else []
    reasons += [f"{_count(len(ignored), 'file')} it lists as ignored beside them (e.g. '{ignored[0].name}')"] \
        if masks and ignored else []
    reasons += [f"{_count(len(unnamed), 'image')} the run's --images '{picked}' does not name, left out as training "
                f"left them (e.g. '{unnamed[0].name}')"] if unnamed else []
    log.info("%s: %s of %s; %s. Name a file to predict it all the same", folder, _count(len(kept), "image"),
             _count(len(inputs), "file"), ", and ".join(reasons))
    return kept


def _label_volumes(inputs: Sequence[Path], rule: _LabelRule) -> tuple[list[Path], list[Path], list[Path]]:
    """The volumes of `inputs` the data stage names as labels (`is_label_volume`: Kaggle lungs'
    `MASK_0002.nii.gz`; the run's `--masks` file, `is_case_label`: SAROS' `body-regions.nii.gz`)
    where image volumes are beside them, the image volumes it leaves out as their products
    (`label_products`: NFBS' `T1w_brain` beside `T1w` and `T1w_brainmask`), and, beside the run's
    `--masks` file, those training set aside as rival labels for their voxels (`LabelVoxels.rivals`:
    SAROS' `body-parts.nii.gz`).

    Raises:
        DataError: a volume beside the `--masks` file that cannot be read, naming it.
    """
    volumes = [path for path in inputs if is_volume(path)]
    labels = [path for path in volumes if is_label_volume(path) or is_case_label(path, rule.label_file)]
    images = [path for path in volumes if path not in labels]
    if not labels or not images:
        return [], [], []
    picked = rule.label_file is not None and any(is_case_label(path, rule.label_file) for path in labels)
    rivals = rule.judge.rivals(images) if picked else []
    images = [path for path in images if path not in rivals]
    return labels, list(dict.fromkeys(path for label in labels for path in label_products(images, label))), rivals


# band folders in case folders: BrainMetShare's test/Mets_003/0/ is 2 below test/, Hi-UCD's year folders of a
# zoom folder each 3 below theirs (test/image/2017/9/)
_CASE_DEPTH = 3


def _channel_folder_inputs(folder: Path, channel_files: Sequence[str], images: str | None = None) -> list[Path]:
    """The files of `folder`'s subfolders that hold the model's channel files, and of its case
    folders' (BrainMetShare's `mets_stanford_releaseMask_test/` of `Mets_003/0/` ... `3/`; OSCD's
    scene folders, of their dates' folders, those the run's `images` names first: `_dates_read`);
    the others (a split's mask folder beside its band or date folders, a case's `seg/`) are logged,
    not predicted as images."""
    found, skipped = _channel_subfolder_inputs(folder, channel_files, _CASE_DEPTH)
    if found and skipped:
        names = sorted({sub.name for sub in skipped})
        log.info("%s: %s (%s) hold%s no channel files of the model (%s); not predicted", folder,
                 ", ".join(f"{name}/" for name in names), _count(len(skipped), "folder"),
                 "" if len(skipped) > 1 else "s", ", ".join(channel_files))
    return _dates_read(folder, found, channel_files, images)


def _dates_read(folder: Path, found: list[Path], channel_files: Sequence[str], images: str | None) -> list[Path]:
    """`found` less the files of the readings of a scene's dates that the model does not read
    (`scene_readings`): OSCD's `<city>/imgs_1/` and `imgs_2/` name their bands as `imgs_1_rect/` and
    `imgs_2_rect/` do (`1_b02`, ...), of which training read the pair its `images` names (`--images
    'imgs_?'`), else the first. Of each scene that reading is kept, else the first whose files are
    one image of the model's channel files (`pair/img1.png`, `img2.png` for a run of `--images
    pair`); the others are left out, said in one line."""
    left_out: set[Path] = set()
    said = []
    for scene, readings in scene_readings(sorted({path.parent.parent for path in found})).items():
        named = sorted(readings, key=lambda reading: not _names_reading(images, reading))
        read = next((reading for reading in named if _one_image(reading_files(reading), channel_files)), None)
        if read is None:
            continue  # refused as an image lacking its channel files, naming them
        others = [reading for reading in readings if reading is not read]
        left_out |= {path for reading in others for path in reading.dates}
        said.append((scene, read, others))
    if said:
        scene, read, others = said[0]
        log.info("%s: %s of two dates (e.g. '%s'), each read from %s as the model was trained%s", folder,
                 _count(len(said), "scene"), scene.name, described(read),
                 f"; {', '.join(described(other) for other in others)} left out" if others else "")
    return [path for path in found if path not in left_out and path.parent not in left_out]


def _names_reading(images: str | None, reading: Chip) -> bool:
    """Whether a run's `--images` names a scene's reading of its dates: each date's folder (`imgs_?`
    for OSCD's `imgs_1/` and `imgs_2/`) or the folder of its pictures (`pair`)."""
    return all(_named_by(images, date) or _named_by(images, date.parent) for date in reading.dates)


def _one_image(files: Sequence[Path], channel_files: Sequence[str]) -> bool:
    """Whether `files` hold the channel files of one image, all of them (`channel_groups`)."""
    try:
        groups, _ = channel_groups(files, channel_files)
    except DataError:
        return False
    return len(groups) == 1


def _channel_subfolder_inputs(folder: Path, channel_files: Sequence[str], depth: int) -> tuple[list[Path], list[Path]]:
    """The inputs of the subfolders of `folder` holding channel files, those of subfolders holding
    none `depth` - 1 further down, and the subfolders of inputs that are no channel files."""
    found: list[Path] = []
    skipped: list[Path] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        inputs = _inputs_in(sub)
        if any(is_channel_file(p, channel_files) for p in inputs):
            found += inputs
        elif inputs:
            skipped.append(sub)
        elif depth > 1:
            below, left = _channel_subfolder_inputs(sub, channel_files, depth - 1)
            found, skipped = found + below, skipped + left
    return found, skipped


def _modality_folder_inputs(folder: Path, in_channels: int) -> list[Path]:
    """The volumes of `folder`'s subfolders named each for a modality, as many as a model of
    `in_channels` (two or more) takes, the channels of each case as training read them
    (BONBID-HIE's `1ADC_ss/` and `2Z_ADC/`: `modality_folders`), paired into cases by
    `modality_folder_cases`; the other folders of volumes (its `3LABEL/`) are logged, not predicted."""
    held = {sub: volumes for sub in sorted(p for p in folder.iterdir() if p.is_dir())
            if (volumes := [p for p in _inputs_in(sub) if is_volume(p)])}
    modalities = [sub for sub in held if names_a_modality(sub.name)]
    if len(modalities) != in_channels or in_channels < 2:
        return []
    others = [sub for sub in held if sub not in modalities]
    log.info("%s: the volumes of %s, a folder per modality, are the channels of each case%s", folder,
             ", ".join(f"{sub.name}/" for sub in modalities),
             f"; {', '.join(f'{sub.name}/' for sub in others)} left out, named for no modality" if others else "")
    return [path for sub in modalities for path in held[sub]]


def _inputs_in(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if (p.suffix.lower() in (*IMAGE_SUFFIXES, *VIDEO_SUFFIXES) or p.name.lower().endswith(VOLUME_SUFFIXES))
        and not p.name.startswith("._") and p.is_file()
    )


def channel_images(files: Sequence[Path], channel_files: Sequence[str]) -> dict[Path, tuple[Path, ...]]:
    """Each input image's files by its first file, in input order: with a model's
    `channel_files`, the channel files of one image together in the model's order
    (`channel_files.channel_groups`); otherwise, and for every other file, each file alone.

    Raises:
        DataError: an image lacking one of its channel files.
    """
    if not channel_files:
        return {path: (path,) for path in files}
    groups, _ = channel_groups([f for f in files if not is_volume(f)], channel_files)
    grouped = {path: group for group in groups for path in group}
    images = {}
    for path in files:
        group = grouped.get(path, (path,))
        images.setdefault(group[0], group)
    return images


def output_names(files: Sequence[Path], channel_files: Sequence[str] = ()) -> dict[Path, str]:
    """The name each input's outputs are written under: its stem (an image of channel files:
    its first file's, without the channel or band, see `channel_images`), or where two inputs
    share a stem (`a/x.png` and `b/x.png`) its path below the inputs' common folder (that of
    the folder its files share: BrainMetShare's `Mets_003/000` for `Mets_003/0/000.png` ...
    `Mets_003/3/000.png`), and where they share a folder too (`x.png`, `x.jpg`) also its suffix,
    so that no prediction overwrites another's. The names are keyed by each input's first file.
    """
    images = channel_images(files, channel_files)
    files = list(images)
    stems = {path: group_name(group, channel_files) if len(group) > 1 else volume_stem(path) if is_volume(path)
             else path.stem for path, group in images.items()}
    shared = Counter(stems.values())
    if len(files) < 2 or max(shared.values()) == 1:
        return stems
    folders = {path: Path(os.path.commonpath([str(p.resolve().parent) for p in group]))
               for path, group in images.items()}
    common = Path(os.path.commonpath([str(folder) for folder in folders.values()]))
    names = {}
    for path, name in stems.items():
        folder = folders[path].relative_to(common).as_posix()
        names[path] = name if shared[name] == 1 or folder == "." else f"{folder}/{name}"
    still = Counter(names.values())
    return {p: f"{n}_{p.suffix.lstrip('.').lower()}" if still[n] > 1 else n for p, n in names.items()}


def display_image(image: np.ndarray) -> np.ndarray:
    """Any image array -> uint8 grey or RGB for overlays; float images are stretched to their own
    range. Other channel counts show their first three channels (a multispectral image's first
    bands, a scan's first modalities), two channels their first."""
    image = shown_channels(image)
    if image.dtype == np.uint8:
        return image
    values = image.astype(np.float32)
    if np.issubdtype(image.dtype, np.integer):
        values = values / image_scale(image.dtype)
    else:
        data = values[~np.isnan(values)]  # no-data pixels (NaN: `read_image`) are shown black
        low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 0.0)
        values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return (np.clip(np.nan_to_num(values, nan=0.0), 0, 1) * 255).astype(np.uint8)


def write_overlay(path: Path, image: np.ndarray, mask: np.ndarray, classes: ClassSpec) -> None:
    """Save `image` (H, W, C) with `mask` (H, W) drawn over it in the class colours as a PNG
    (the background class faint)."""
    shown = display_image(image)
    grey_or_rgb = shown[..., 0] if shown.shape[-1] == 1 else shown
    Image.fromarray(overlay(grey_or_rgb, mask, classes.colours, faint=classes.background)).save(path)


def write_raw_mask_png(path: Path, mask: np.ndarray) -> None:
    """A grey PNG of raw mask values: 8-bit, or 16-bit where a value exceeds 255 (MM-WHS' 850)."""
    Image.fromarray(mask.astype(label_dtype(mask))).save(path)


@dataclass(frozen=True)
class WrittenPrediction:
    source: Path
    mask: Path  # a multi-label model's first class mask
    overlay: Path
    probs: Path | None
    class_masks: tuple[Path, ...] = ()  # a multi-label model's `<name>_<class>.png`, one per class
    geotiff: Path | None = None  # `<name>_mask.tif`, georeferenced as its GeoTIFF image


def predict_files(
    predictor: Segmenter, files: Sequence[Path] | Mapping[Path, tuple[Path, ...]], out_dir: str | Path,
    save_probs: bool = False, names: Mapping[Path, str] | None = None, progress: bool = True,
    bad: BadInputs | None = None, values: np.ndarray | None = None, bases: OutputBases | None = None,
) -> list[WrittenPrediction]:
    """For each file write `<name>_mask.png` (class indices, palette colours),
    `<name>_overlay.png`, and with `save_probs` `<name>_probs.npy` (float16, K x H x W); `files` may
    be given as their images, which a caller that grouped them already passes (`channel_images`); the
    names are `output_names(files)` unless given. A multi-label model writes `<name>_<class>.png`
    (0/255) for each class instead of `<name>_mask.png`, and an overlay that shows overlaps. A
    georeferenced TIFF (GeoTIFF) also gets `<name>_mask.tif` with the image's georeferencing: the
    class indices, or a 0/1 band per class of a multi-label model. `progress` shows a bar over
    the files. With `values` (each class's raw mask value: `raw_values.raw_values`) `<name>_mask.png`
    holds those values, grey (16-bit above 255), instead. An input that cannot be read or predicted
    stops it, or is recorded in `bad` and passed over where that skips them (`BadInputs`). Every
    name is claimed in `bases` before any image is predicted, refusing inputs whose outputs would
    overwrite another's with nothing written (`OutputBases.claim_all`).
    For a run trained on pictures of an image and its mask side by side (`Segmenter.image_half`),
    an input twice as wide as high is such a picture: its image's half is predicted, the outputs
    that half's size, said in one line."""
    bad = bad or BadInputs()
    bases = bases or OutputBases()
    out = Path(out_dir)
    images = files if isinstance(files, Mapping) else channel_images(files, predictor.channel_files)
    names = names or output_names([path for group in images.values() for path in group], predictor.channel_files)
    claimed = bases.claim_all(out, {path: names[path] for path in images})
    keep_alpha, no_data, half = predictor.reads_alpha, predictor.no_data, predictor.image_half  # as training read them
    written = []
    halved = 0
    for path, channel_files in progress_bar(images.items(), desc="predict", unit="image", enabled=progress):
        with bad.guard(path):
            base = claimed[path]
            image = read_image(channel_files if len(channel_files) > 1 else path, keep_alpha, no_data)
            if half is not None and twice_as_wide(*image.shape[:2]):
                image, halved = half_of(image, half), halved + 1
            written.append(write_prediction(predictor, image, base, path, save_probs, values))
    if halved:
        log.info("%s of %d are twice as wide as high, an image and its mask side by side as the run trained on: the "
                 "%s half of each was predicted, its outputs that half's size", _count(halved, "image"), len(images),
                 half)
    return written


def write_prediction(predictor: Segmenter, image: np.ndarray, base: Path, source: Path, save_probs: bool = False,
                     values: np.ndarray | None = None) -> WrittenPrediction:
    """Predict `image` (H, W, C), read from `source`, and write its outputs as `<base>_*`, as
    `predict_files` describes them (a GeoTIFF's georeferenced mask takes `source`'s tags)."""
    prediction = predictor.predict(image)
    classes = predictor.classes
    base.parent.mkdir(parents=True, exist_ok=True)
    class_paths: tuple[Path, ...] = ()
    multilabel = predictor.task.name == "multilabel"
    if multilabel:
        masks, overlay_path = write_multilabel(base, display_image(image), prediction, classes)
        mask_path, class_paths = masks[0], tuple(masks)
    else:
        mask_path = base.with_name(f"{base.name}_mask.png")
        overlay_path = base.with_name(f"{base.name}_overlay.png")
        if values is None:
            write_mask_png(mask_path, prediction.mask, classes.colours)
        else:
            write_raw_mask_png(mask_path, values[prediction.mask])
        write_overlay(overlay_path, image, prediction.mask, classes)
    tags = georeference(source)
    geotiff = base.with_name(f"{base.name}_mask.tif") if tags else None
    if geotiff is not None:
        layers = np.stack(unpack_numpy(prediction.mask, classes.num_classes), axis=-1) if multilabel \
            else prediction.mask
        if not write_georeferenced_mask(geotiff, layers, tags):
            log.warning("%s: its GeoTIFF tags cannot be written again, so no georeferenced %s is written (the "
                        "PNG mask is)", source, geotiff.name)
            geotiff = None
    probs_path = None
    if save_probs:
        probs_path = base.with_name(f"{base.name}_probs.npy")
        np.save(probs_path, prediction.probs.astype(np.float16))
    log.debug("%s -> %s", source, mask_path)
    return WrittenPrediction(source, mask_path, overlay_path, probs_path, class_paths, geotiff)
