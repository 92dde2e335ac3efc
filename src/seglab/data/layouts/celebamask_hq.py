"""The "celebamask-hq" format: CelebAMask-HQ's face parsing masks, read as the benchmark reads them.

The dataset ships `CelebA-HQ-img/<i>.jpg` (1024 x 1024) and, for each image, a 0/255 mask per
face part it shows in `CelebAMask-HQ-mask-anno/<i // 2000>/<i:05d>_<part>.png` (512 x 512), with
no file where a part is absent. Its own script (`g_mask.py`) paints the parts in a fixed order
onto background 0, a later part over an earlier one (hair over skin, the lips over the mouth),
giving the 19 classes that face parsing papers score; `PartFilesMapping` paints them the same
way when a pair is read, and upsamples the half-size masks to their images' size (nearest), so no
converted copy is written. `CelebA-HQ-to-CelebA-mapping.txt` names each image's CelebA original,
whose official partition gives the train, val and test splits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes.text_files import regular_file, regular_text
from seglab.data.classes import ClassSpec
from seglab.data.layouts.formats import FORMATS, DatasetFormat
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import DatasetIndex, Pair, Problem, list_images, natural_key
from seglab.data.files.painted_files import paint_files
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping
from seglab.data.files.read_errors import DECODE_ERRORS, ReadError
from seglab.errors import DataError

log = logging.getLogger(__name__)

IMAGES, MASKS, ORIGINALS = "CelebA-HQ-img", "CelebAMask-HQ-mask-anno", "CelebA-HQ-to-CelebA-mapping.txt"
# g_mask.py's painting order; part k is label k + 1
PARTS = ("skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear", "mouth", "u_lip", "l_lip",
         "hair", "hat", "ear_r", "neck_l", "neck", "cloth")
# CelebA's list_eval_partition.txt: originals 1-162770 train, 162771-182637 val, the rest test
_FIRST_VAL, _FIRST_TEST = 162771, 182638
_MASK_NAME = re.compile(r"(?P<id>\d+)_(?P<part>.+)")


@MAPPINGS.register("part-files")
@dataclass(frozen=True)
class PartFilesMapping(MaskMapping):
    """A mask file per part, the part named after the image's number (`00000_hair.png`), painted
    in `parts` order onto background 0 (part k is label k + 1; any non-zero pixel is the part);
    masks stored at 1/`scale` of their image's size are upsampled by repeating pixels."""

    parts: tuple[str, ...]
    scale: int = 1
    kind = "part-files"
    reads_files = True
    reads_many = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))

    def part_of(self, path: Path) -> int | None:
        found = _MASK_NAME.fullmatch(path.stem)
        return self.parts.index(found["part"]) if found and found["part"] in self.parts else None

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        numbered = []
        for path in paths:
            part = self.part_of(path)
            if part is None:
                raise ReadError(f"mask '{path}' names no part ({', '.join(self.parts)})", "bad-mask")
            numbered.append((part, path))
        # uint8 until the end: 19 labels, and 8x less to upsample
        labels = paint_files(((part + 1, path) for part, path in sorted(numbered)), np.uint8)
        if self.scale > 1:
            labels = labels.repeat(self.scale, axis=0).repeat(self.scale, axis=1)
        return labels.astype(np.int64)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("part masks are read from one file per part (seglab.data.read_mask)")


@FORMATS.register("celebamask-hq")
class CelebAMaskHQFormat(DatasetFormat):
    """CelebAMask-HQ as shipped: see the module docstring."""

    layout = f"{IMAGES}/<i>.jpg + {MASKS}/<k>/<i:05d>_<part>.png (CelebAMask-HQ face parsing)"
    priority = 10

    def detect(self, root: Path) -> bool:
        return (root / IMAGES).is_dir() and (root / MASKS).is_dir()

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        images = {int(p.stem): p for p in list_images(root / IMAGES) if p.stem.isdecimal()}
        parts: dict[int, list[Path]] = {}
        ignored = [p for p in list_images(root / IMAGES) if not p.stem.isdecimal()]
        for folder in sorted(subfolders(root / MASKS), key=lambda p: natural_key(p.name)):
            for mask in list_images(folder):
                found = _MASK_NAME.fullmatch(mask.stem)
                if found and found["part"] in PARTS:
                    parts.setdefault(int(found["id"]), []).append(mask)
                else:
                    ignored.append(mask)
        if not images:
            raise DataError(f"'{root / IMAGES}' holds no numbered images (0.jpg, 1.jpg, ...)")
        splits = _official_splits(root / ORIGINALS)
        pairs, problems = [], []
        for number, image in sorted(images.items()):
            masks = sorted(parts.get(number, []), key=lambda p: PARTS.index(_MASK_NAME.fullmatch(p.stem)["part"]))
            if masks:
                pairs.append(Pair(image.stem, image, masks[0], splits.get(number), more_masks=tuple(masks[1:])))
            else:
                problems.append(Problem(image, f"image has no part mask (expected {MASKS}/{number // 2000}/"
                                        f"{number:05d}_<part>.png)", "image-without-mask"))
        problems += [Problem(m, "mask has no image", "mask-without-image")
                     for number, masks in sorted(parts.items()) if number not in images for m in masks]
        scale = _scale(pairs[0]) if pairs else 1
        names = ("background", *PARTS)
        if classes is not None and len(classes.names) != len(names):
            raise DataError(f"classes.json names {len(classes.names)} classes, but CelebAMask-HQ's masks paint "
                            f"{len(names)}: {', '.join(names)}")
        index = DatasetIndex(root, "celebamask-hq", pairs, [], classes or ClassSpec(names),
                             PartFilesMapping(PARTS, scale), problems)
        how = f"split by CelebA's partition ({ORIGINALS})" if splits else f"no {ORIGINALS}: the split is drawn"
        index.pairing = [f"{IMAGES}/ + {MASKS}/: {len(pairs)} images with their part masks painted in "
                         f"CelebAMask-HQ's order, masks upsampled {scale}x; {how}"]
        index.ignored = ignored
        return index


def _official_splits(path: Path) -> dict[int, str]:
    """The split of each image by the CelebA original it was made from (`idx orig_idx orig_file`
    rows), or {} without the file.

    Raises:
        DataError: an unreadable file, or a row that does not read as numbers.
    """
    if not path.is_file():
        return {}
    try:
        lines = regular_text(path, encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"'{path}' cannot be read as text ({err}); restore it from the dataset's archive, or move "
                        "it away to draw the split") from None
    splits = {}
    for line_number, line in enumerate(lines, start=1):
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdecimal():
            continue  # the header (CelebA's lists also start with their count)
        try:
            original = int(Path(fields[2]).stem)
        except ValueError:
            raise DataError(f"'{path}' line {line_number}: expected 'idx orig_idx orig_file', got '{line}'") from None
        splits[int(fields[0])] = "train" if original < _FIRST_VAL else "val" if original < _FIRST_TEST else "test"
    return splits


def _scale(pair: Pair) -> int:
    """How many times larger than its masks the first image is (2 for 1024 px images and
    512 px masks); 1 when the sizes are no whole multiple, which the audit then reports."""
    try:
        with Image.open(regular_file(pair.image)) as image, Image.open(regular_file(pair.masks[0])) as mask:
            (width, height), (mask_width, mask_height) = image.size, mask.size
    except DECODE_ERRORS:  # a damaged file is the audit's to report
        return 1
    scale = width // mask_width if mask_width else 1
    if scale > 1 and (width, height) == (mask_width * scale, mask_height * scale):
        log.info("%s: %dx%d masks for %dx%d images: upsampled %dx (nearest)", pair.image.parent.parent,
                 mask_width, mask_height, width, height, scale)
        return scale
    return 1
