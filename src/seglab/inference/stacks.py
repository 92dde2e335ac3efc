"""Predict multi-page TIFF stacks page by page and .npz and HDF5 stacks slice by slice, as
training read them, and videos frame by frame, into mask stacks.

Training reads a Z stack (the Cell Tracking Challenge's `01/t000.tif`; Lucchi's `training.tif`)
a pair per page (`layouts.folder_pairs.stack_pages`, `layouts.array_stacks`); a stack given to
`seglab predict` is likewise a volume of pages along axis 0, without an affine, predicted slice
by slice (`volumes.predict_slices`) into `<name>_mask.tif` of as many pages. A TIFF whose pages
differ in size (a pyramid, thumbnails) is no stack (`tiff_stacks.tiff_stack_shape`) and is
predicted as one image, its first page, as before. The image array of a .npz or HDF5 file that
is no volume (`images` (N, H, W): `stack_arrays.array_stack_shape`) is such a stack of its
slices, each read as the array-stack format wrote it for training. A video (`.avi`, `.mp4`: an
echocardiogram clip of EchoNet-Dynamic, whose traced frames training read as PNGs,
`video_tracings`) is such a stack of its RGB frames, decoded as training decoded them
(`video_frames`), into `<name>_mask.tif` of as many pages as it has frames.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from seglab.data.files.io import read_image_stack
from seglab.data.files.case_arrays import case_array_shape
from seglab.data.files.stack_arrays import array_stack_shape
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.files.tiff_stacks import tiff_stack_shape, write_label_stack
from seglab.data.files.video_frames import is_video, read_video
from seglab.errors import DataError
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.files import output_names
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Segmenter
from seglab.inference.volumes import WrittenVolume, predict_slices, write_middle_overlay
from seglab.progress import progress_bar

log = logging.getLogger(__name__)


def tiff_stacks(files: Sequence[Path], predictor: Segmenter) -> list[Path]:
    """The inputs among `files` that are TIFF stacks to predict page by page: none for a model of
    channel files (its TIFFs are bands), and none for a multi-label model (a stack's mask holds
    one class per pixel; its first pages are predicted, as the log says)."""
    if predictor.channel_files:
        return []
    stacks = [p for p in files if p.is_file() and p.suffix.lower() in TIFF_SUFFIXES and tiff_stack_shape(p)]
    if stacks and predictor.task.name == "multilabel":
        log.warning("%d multi-page TIFF stack(s) (e.g. '%s'): a multi-label model predicts their first pages only",
                    len(stacks), stacks[0])
        return []
    return stacks


def array_stacks(files: Sequence[Path], predictor: Segmenter) -> list[Path]:
    """The inputs among `files` (no volumes: `volume_inputs`) that are .npz or HDF5 stacks of 2-D
    images (`stack_arrays.array_stack_shape`), or .npz cases nnU-Net preprocessed, channels first
    (`case_arrays.case_array_shape`), predicted slice by slice: none for a model of channel files.

    Raises:
        DataError: stacks for a multi-label model (`_one_class_per_pixel`).
    """
    if predictor.channel_files:
        return []
    found = [p for p in files if p.is_file() and array_stack_shape(p)]
    cases = [p for p in files if p.is_file() and p not in found and case_array_shape(p)]
    if cases:
        log.info("%d .npz case(s) of channels first, as nnU-Net preprocesses a case (e.g. '%s': %s): their image "
                 "channels read (the segmentation nnU-Net v1 stacks last left out) and predicted slice by slice across "
                 "their first axis (nnU-Net's z) into a mask stack", len(cases), cases[0].name,
                 "x".join(map(str, case_array_shape(cases[0]) or ())))
    _one_class_per_pixel(found + cases, predictor, "a stack of images", "its slices as images (PNG or .npy files)")
    return found + cases


def videos(files: Sequence[Path], predictor: Segmenter) -> list[Path]:
    """The inputs among `files` that are videos, predicted frame by frame as stacks.

    Raises:
        DataError: videos for a multi-label model (`_one_class_per_pixel`).
    """
    found = [p for p in files if p.is_file() and is_video(p)]
    _one_class_per_pixel(found, predictor, "a video", "its frames as images (ffmpeg -i clip.avi frames/%04d.png)")
    return found


def _one_class_per_pixel(found: Sequence[Path], predictor: Segmenter, what: str, images: str) -> None:
    """Refuse stacks that only a mask stack can hold for a multi-label model.

    Raises:
        DataError: naming one, `what` it is, and the route: save `images` and predict that folder.
    """
    if found and predictor.task.name == "multilabel":
        raise DataError(f"'{found[0]}' is {what}, predicted into one mask stack of a class per pixel, which a "
                        f"multi-label model does not give; save {images} and predict that folder")


def predict_stacks(
    predictor: Segmenter, stacks: Sequence[Path], out_dir: str | Path, names: Mapping[Path, str] | None = None,
    progress: bool = True, bad: BadInputs | None = None, values: np.ndarray | None = None,
    bases: OutputBases | None = None,
) -> list[WrittenVolume]:
    """For each TIFF, .npz or HDF5 stack or video write `<name>_mask.tif`, the class index of every
    page's pixels as a page of its own (or with `values`, each class's raw mask value), and
    `<name>_overlay.png` of its middle page, into `out_dir`; `names` default to
    `output_names(stacks)`, `progress` shows a bar over the stacks; a stack that cannot be read
    stops it, or is recorded in `bad` and passed over where that skips them (`BadInputs`); every
    name is claimed in `bases` before any stack is predicted (`OutputBases.claim_all`).

    Raises:
        DataError: a stack that cannot be read, naming it.
    """
    out = Path(out_dir)
    bases = bases or OutputBases()
    names = names or output_names(stacks)
    claimed = bases.claim_all(out, {stack: names[stack] for stack in stacks})
    written = []
    bad = bad or BadInputs()
    for stack in progress_bar(stacks, desc="predict", unit="stack", enabled=progress):
        with bad.guard(stack):
            base = claimed[stack]
            pages = read_video(stack) if is_video(stack) else \
                read_image_stack(stack, predictor.reads_alpha, predictor.no_data, predictor.in_channels)
            labels = predict_slices(predictor, pages, 0)
            base.parent.mkdir(parents=True, exist_ok=True)
            mask_path, overlay_path = base.with_name(f"{base.name}_mask.tif"), base.with_name(f"{base.name}_overlay.png")
            write_label_stack(mask_path, labels if values is None else values[labels])
            write_middle_overlay(overlay_path, pages, labels, 0, predictor.classes)
            written.append(WrittenVolume(stack, mask_path, overlay_path))
            log.debug("%s -> %s (%d pages)", stack, mask_path, len(labels))
    return written
