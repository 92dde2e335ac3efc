"""`--resize-masks`: masks saved at another resolution than their images, each mask its image
scaled by one ratio on both sides (Rico's semantic annotations: 1440x2560 PNGs for 1080x1920
screenshots), read at their images' size without editing the dataset. Each such mask is resized
once, nearest neighbour (every pixel stays a label, colours and palettes exact), into the cache
(`<cache>/resized-masks/`) as PNG (a JPEG's without a second loss; a mode PNG cannot hold as
TIFF), so that every later stage reads plain pairs and the audit's findings on it name the
shipped mask (`Pair.sources`; those on the image, the dataset's own file, name only the image).
A TIFF mask (a label map of any integer type, or colours) is resized as read into a TIFF of its
type. A mask of another aspect ratio, or one that cannot be read or whose header gives no size
(an array file's), is left as it is, for the audit's `size-mismatch` to name.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from pathlib import Path

import tifffile
from PIL import Image, UnidentifiedImageError

from seglab.data.files.file_version import versions
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.files.io import read_header, read_raw_mask
from seglab.data.files.label_resize import resize_mask, same_aspect_ratio
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.files.staging import cache_folder, staged_folder
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # part of every key: bump when what is written changes
_MANIFEST = "masks.json"  # written last: a folder without it was never completed
_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")  # what Pillow writes to PNG exactly; others to TIFF


def resized_masks(index: DatasetIndex, cache_dir: str | None) -> DatasetIndex:
    """`index` with each mask that is its image at another resolution, the same aspect ratio,
    replaced by its copy at the image's size in the cache (see the module docstring)."""
    sizes = {pair.mask: size for pair in index.pairs
             if pair.mask is not None and (size := resize_target(pair)) is not None}
    if not sizes:
        log.warning("%s: --resize-masks reads masks that are their images at another resolution; every mask here "
                    "is its image's size, or of another aspect ratio, so it changes nothing", index.root)
        return index
    folder, written = _written(sizes, index.root, cache_folder(cache_dir, "resized-masks"))
    index.pairs = [_resized(pair, folder, written) for pair in index.pairs]
    log.warning("%s: %d masks are their images at another resolution (e.g. '%s'): read resized to their images' "
                "size, nearest neighbour (--resize-masks), from '%s'", index.root, len(written), next(iter(sizes)),
                folder)
    return index


def resize_target(pair: Pair) -> tuple[int, int] | None:
    """The (H, W) of `pair`'s image when its one mask is that image scaled by one ratio on both
    sides (`same_aspect_ratio`), by the headers alone: the size `--resize-masks` reads the mask
    at, which the audit's hint offers it for; None otherwise, or for files whose header gives no
    size (arrays) and masks an EXIF orientation turns."""
    if pair.mask is None or pair.more_masks:
        return None
    try:
        image, mask = read_header(pair.image), read_header(pair.mask)
    except DataError:
        return None
    if image.size is None or mask.size is None or mask.orientation != 1 or image.size == mask.size:
        return None
    return image.size if same_aspect_ratio(image.size, mask.size) else None


def _resized(pair: Pair, folder: Path, written: dict[str, str]) -> Pair:
    """`pair` reading its resized mask, saying what it was made from; itself if none was written."""
    name = written.get(str(pair.mask))
    if name is None:
        return pair
    resized = folder / name
    note = f"resized from '{pair.mask}' to its image's size"
    return replace(pair, mask=resized, sources={**pair.sources, resized: note})


def _written(sizes: dict[Path, tuple[int, int]], root: Path, cache: Path) -> tuple[Path, dict[str, str]]:
    """The cache folder of the resized masks (named for the dataset), written now or by an earlier
    call for the same files and sizes; each mask's file in it by the mask's path. A mask that
    cannot be read is left out: the audit names it."""
    facts = [CACHE_VERSION, str(root.resolve()), versions(sizes), list(sizes.values())]
    folder = cache / f"{root.name}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing %d masks resized to their images' size into '%s' (once)", len(sizes), folder)
        with staged_folder(folder) as partial:
            written = {}
            for k, (mask, size) in enumerate(sizes.items()):
                try:
                    name = _write(mask, size, partial, f"{k:06d}_{mask.stem}")
                except (OSError, UnidentifiedImageError, ValueError, DataError):
                    continue
                written[str(mask)] = name
            (partial / _MANIFEST).write_text(json.dumps(written))
    return folder, json.loads((folder / _MANIFEST).read_text())


def _write(mask: Path, size: tuple[int, int], folder: Path, stem: str) -> str:
    """Write `mask` resized to `size` (H, W) into `folder` as `stem` and a suffix, and name the
    file: a TIFF's pixels as read (labels of 16 bits and more, which Pillow reads not or as 32-bit
    integers) into a TIFF, another's by Pillow into a PNG where its mode fits one (a JPEG's: no
    second loss), else into a TIFF."""
    if mask.suffix.lower() in TIFF_SUFFIXES:
        pixels = resize_mask(read_raw_mask(mask, rgb=True), size)
        tifffile.imwrite(folder / f"{stem}.tif", pixels, photometric="rgb" if pixels.ndim == 3 else "minisblack")
        return f"{stem}.tif"
    with Image.open(mask) as picture:
        resized = picture.resize(size[::-1], Image.Resampling.NEAREST)
    name = f"{stem}{'.png' if resized.mode in _PNG_MODES else '.tif'}"
    resized.save(folder / name)
    return name
