"""Each slice of a pair of stacks written once into the cache as an image file and a class-index
mask (a PNG where its values allow, else `.npy`), so that every later stage reads plain pairs;
a folder is reused for as long as its stacks are unchanged, and one left half-written is never.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.encodings.stack_masks import MaskReading, mask_reading
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import file_version
from seglab.data.files.label_dtype import label_dtype
from seglab.data.files.pixel_budget import max_pixels
from seglab.data.files.stack_arrays import byte_valued
from seglab.data.files.staging import staged_folder
from seglab.data.layouts.array_stacks.stacks import _Stack, _label
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # part of every key: bump when what is written changes
_SAMPLED = 8  # slices read to tell how a mask stack holds its classes
_MANIFEST = "slices.json"  # written last: a folder without it was never completed


def _image_file(image: np.ndarray, path: Path) -> Path:
    """One image slice as a PNG when it is grey or RGB of whole numbers 0-255 (PanNuke stores
    them as float64), else as `.npy` (other channel counts, other values); the file written."""
    grey_or_rgb = image.ndim == 2 or image.shape[-1] in (1, 3)
    if grey_or_rgb and byte_valued(image):
        target = path.with_suffix(".png")
        grey = image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image  # not squeeze(): a side of 1 stays
        Image.fromarray(grey.astype(np.uint8)).save(target)
        return target
    target = path.with_suffix(".npy")
    np.save(target, image.astype(np.uint8) if image.dtype == np.bool_ else image)
    return target


def _mask_file(classes: np.ndarray, path: Path) -> Path:
    """One mask slice as a class-index PNG, 16-bit past 255 (object numbers), else as `.npy`
    (object numbers past 65535); the file written."""
    most = int(classes.max(initial=0))
    if most > np.iinfo(np.uint16).max:
        target = path.with_suffix(".npy")
        np.save(target, classes.astype(np.int64))
        return target
    target = path.with_suffix(".png")
    Image.fromarray(classes.astype(label_dtype(classes))).save(target)
    return target


def _extracted(images: _Stack, masks: _Stack, cache: Path) -> tuple[list[tuple[str, str]], MaskReading]:
    """Each slice's image and mask file in `cache`, written now or by an earlier call for the
    same files, and how the masks held their classes.

    Raises:
        DataError: slices over the pixel budget, masks no reading fits, negative or fractional values.
    """
    height, width = masks.size
    if height * width > max_pixels():
        raise DataError(f"'{masks.path}': each slice is {height}x{width} = {height * width:,} pixels, "
                        f"more than --max-pixels {max_pixels():,}")
    facts = [CACHE_VERSION, [[*file_version(p.path), p.member, *p.more_members] for p in (images, masks)]]
    source = (images.path.stem, images.member_words) if images.member_words else (images.path.stem,)
    named = "_".join(masks.path.parent.parts[-2:] + source)  # the source in audit messages
    folder = cache / f"{named}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing the %d slices of '%s' and '%s' into '%s' (once)", masks.count, _label(images),
                 _label(masks), folder)
        with images.slices() as pixels, masks.slices() as labels, staged_folder(folder) as partial:
            reading = mask_reading(_label(masks), masks.shape, np.asarray(labels[:_SAMPLED]))

            def one(i: int) -> tuple[str, str]:
                classes = reading.classes(np.asarray(labels[i]))
                if classes.size and not (np.isfinite(classes).all() and classes.min() >= 0
                                         and (classes == np.round(classes)).all()):
                    raise DataError(f"mask stack '{_label(masks)}': slice {i} holds negative, fractional or "
                                    "infinite values, neither class indices nor object numbers")
                image = _image_file(np.asarray(pixels[i]), partial / f"{i:05d}_image")
                return image.name, _mask_file(classes, partial / f"{i:05d}_mask").name

            manifest = {"slices": on_threads(one, range(masks.count)), "reading": reading.kind,
                        "channel": reading.channel}
            (partial / _MANIFEST).write_text(json.dumps(manifest))
    manifest = json.loads((folder / _MANIFEST).read_text())
    slices = [(str(folder / image), str(folder / mask)) for image, mask in manifest["slices"]]
    return slices, MaskReading(str(manifest["reading"]), int(manifest["channel"]))
