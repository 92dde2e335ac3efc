"""The files to predict from the files and folders named: images, volumes and DICOM series,
less the masks a folder holds beside its images."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seglab.data.classes.text_files import irregular_kind
from seglab.data.discovery.channel_files import is_channel_file, unread_bands
from seglab.data.discovery.folders import masks_beside_images
from seglab.data.discovery.folders.chip_labels import chip_labels
from seglab.data.discovery.image_names import image_name_pattern, pick_files
from seglab.data.discovery.naming import KeyRule
from seglab.data.discovery.naming.output_words import model_outputs
from seglab.data.files.parquet_shards import SHARD_SUFFIXES, shard_kind
from seglab.data.files.volumes import is_volume
from seglab.data.layouts.formats import ReadOptions
from seglab.data.layouts.volume_format.cases import is_case_label, is_label_volume
from seglab.data.layouts.volume_format.label_voxels import LabelVoxels
from seglab.data.layouts.volume_format.label_products import label_products
from seglab.errors import DataError
from seglab.inference.files.folder_inputs import folder_inputs, inputs_in
from seglab.inference.files.missing_inputs import no_inputs_in, unpacked_route
from seglab.inference.files.subfolder_inputs import channel_folder_inputs, modality_folder_inputs
from seglab.inference.files.wording import count

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
    logged (a chip folder's `B01.tif` for a model of `--bands B02,B03,B04,B08`), and so are the files
    named for labels beside them (Contrails' `<record>/human_pixel_masks.npy`); for a model of
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
            found = _without_masks(item, folder_inputs(item) if series else inputs_in(item), rules, picked, labels) \
                or (channel_folder_inputs(item, channel_files, images) if channel_files
                    else modality_folder_inputs(item, in_channels))
            if not found:
                raise DataError(no_inputs_in(item, images, masks))
            files.extend(found)
        elif item.is_file() and item.name.lower().endswith(SHARD_SUFFIXES):
            raise DataError(f"'{item}' is a {shard_kind(item)} shard of a Hugging Face dataset, "
                            f"{unpacked_route(item.parent)}")
        elif item.is_file():
            files.append(item)
        else:
            kind = irregular_kind(item)  # a FIFO is never opened: its read would wait for a writer
            raise DataError(f"input '{item}' is {kind}, not a file" if kind else f"input '{item}' does not exist")
    files = _each_once(files)
    unread = set(unread_bands(files, channel_files)) if channel_files else set()
    if unread:
        log.info("%d band files of the images are bands the model does not read (e.g. '%s'; it reads %s): left out",
                 len(unread), min(unread), ", ".join(channel_files))
    chips = {path.parent for path in files if is_channel_file(path, channel_files)} if channel_files else set()
    labels = set(chip_labels([path for path in files if path.parent in chips]))
    if labels:
        log.info("%d files named for labels beside the band files of chip folders (e.g. '%s'): left out, as training "
                 "read them as labels", len(labels), min(labels))
    return [path for path in files if path not in unread and path not in labels]


def _each_once(files: Sequence[Path]) -> list[Path]:
    """`files` less those that are the same file as one before them (`a.mha` and `./a.mha`)."""
    first: dict[Path, Path] = {}
    for path in files:
        first.setdefault(path.resolve(), path)
    return list(first.values())


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
    voxels set aside), the outputs of a model beside the images they came from (`model_outputs`:
    zhixuhao/unet's `test/0_predict.png` beside `0.png`), and with an `--images` file-name pattern
    (`picked`) the images it does not name where it names some (`pick_files`), said in one line;
    all of them for a folder of images alone."""
    given = set(inputs)
    masks, ignored = ([path for path in found if path in given] for found in masks_beside_images(folder, rules))
    label_volumes, products, rivals = _label_volumes(inputs, labels)
    masks, ignored = masks + label_volumes + rivals, ignored + products
    beside_pairs = set(masks) | set(ignored) if masks else set()
    outputs = sorted(model_outputs(inputs, inputs) - beside_pairs)
    left_out = beside_pairs | set(outputs)
    kept, unnamed = [path for path in inputs if path not in left_out], []
    if picked is not None:
        kept, unnamed = pick_files(kept, picked)
    if not left_out and not unnamed:
        return inputs
    paired = [path for path in masks if path not in rivals]
    reasons = [f"{count(len(paired), 'mask')} left out (paired with the images as the data stage pairs a dataset's, "
               f"e.g. '{paired[0].name}')"] if paired else []
    reasons += [f"{count(len(rivals), 'volume')} set aside as training set them aside beside its --masks "
                f"'{labels.label_file}' (their voxels are a label's, e.g. '{rivals[0].name}')"] if rivals else []
    reasons += [f"{count(len(ignored), 'file')} it lists as ignored beside them (e.g. '{ignored[0].name}')"] \
        if masks and ignored else []
    reasons += [f"{count(len(outputs), 'model output')} left out (named after an image beside it plus a word such "
                f"as _predict, as the data stage sets them aside, e.g. '{outputs[0].name}')"] if outputs else []
    reasons += [f"{count(len(unnamed), 'image')} the run's --images '{picked}' does not name, left out as training "
                f"left them (e.g. '{unnamed[0].name}')"] if unnamed else []
    log.info("%s: %s of %s; %s. Name a file to predict it all the same", folder, count(len(kept), "image"),
             count(len(inputs), "file"), ", and ".join(reasons))
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
