"""Predict images and write their masks, overlays, probabilities and georeferenced masks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data import image_scale, read_image, write_mask_png
from seglab.data.classes import ClassSpec
from seglab.data.files.geotiff import georeference, write_georeferenced_mask
from seglab.data.files.halves import half_of, twice_as_wide
from seglab.data.files.label_dtype import label_dtype
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.files.output_naming import channel_images, output_names
from seglab.inference.files.wording import count
from seglab.inference.multilabel import write_multilabel
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Segmenter
from seglab.labelsets import unpack_numpy
from seglab.progress import progress_bar
from seglab.reports.plots import overlay, shown_channels

log = logging.getLogger(__name__)


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
    that half's size, said in one line. For a run trained on band files of a time series at one
    frame (`Segmenter.frame`), each file is read at that frame."""
    bad = bad or BadInputs()
    bases = bases or OutputBases()
    out = Path(out_dir)
    images = files if isinstance(files, Mapping) else channel_images(files, predictor.channel_files)
    names = names or output_names([path for group in images.values() for path in group], predictor.channel_files)
    claimed = bases.claim_all(out, {path: names[path] for path in images})
    keep_alpha, no_data, half = predictor.reads_alpha, predictor.no_data, predictor.image_half  # as training read them
    frame = predictor.frame
    written = []
    halved = 0
    for path, channel_files in progress_bar(images.items(), desc="predict", unit="image", enabled=progress):
        with bad.guard(path):
            base = claimed[path]
            image = read_image(channel_files if len(channel_files) > 1 else path, keep_alpha, no_data, frame)
            if half is not None and twice_as_wide(*image.shape[:2]):
                image, halved = half_of(image, half), halved + 1
            written.append(write_prediction(predictor, image, base, path, save_probs, values))
    if halved:
        log.info("%s of %d are twice as wide as high, an image and its mask side by side as the run trained on: the "
                 "%s half of each was predicted, its outputs that half's size", count(halved, "image"), len(images),
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
