"""The data audit: what is wrong with a dataset folder, found before any training starts.

Every finding is a `Problem` with a short stable code; `CHECKS` says for each code whether it
is fatal (training stops with exit code 2, unless `data.skip_bad` leaves the pair out) or a
warning (logged), and what to do about it. The audit gathers what indexing found (unpaired
files, clashing names) and what `scan` found while decoding every pair (unreadable files, size
mismatches, label values), then adds checks on file headers (alpha, CMYK, several pages), on
the facts `scan` keeps per file (empty masks, masks drawn as outlines, bit depth, grey/RGB
mixtures, sizes) and, given the train/val/test split, on duplicate images.

Duplicates are found by a hash of the decoded pixels with their dtype and shape, so one image
saved once as PNG and once as TIFF is caught, a re-encoded JPEG is not. Constant (blank) images
are not compared: empty MRI slices are identical without being leaks.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seglab.data.encodings.label_maps import inferred_class_count
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.files.io import image_scale, read_header
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.checking.stats import DatasetStats, ImageFacts, scan
from seglab.data.splitting.splits import SPLITS
from seglab.data.discovery.unmasked import is_background_fill
from seglab.errors import DataError

logger = logging.getLogger(__name__)

FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class Check:
    """How serious one kind of finding is, and what to do about it.

    `spans_files`: one finding for many files, which are its path and its related files
    (all of them are left out by --skip-bad); otherwise related files are only mentioned.
    """

    severity: str
    hint: str
    spans_files: bool = False


CHECKS: dict[str, Check] = {
    # the file cannot be used at all
    "missing": Check(FATAL, "restore the file, or remove the pair"),
    "broken-link": Check(FATAL, "point the link at an existing file, or remove it"),
    "permission-denied": Check(FATAL, "make the file readable (chmod a+r), or remove it"),
    "empty-file": Check(FATAL, "copy or export the file again, or remove it"),
    "not-an-image": Check(FATAL, "replace it with the real image, or remove it"),
    "wrong-extension": Check(FATAL, "rename the file to the suffix of the format it holds"),
    "unreadable": Check(FATAL, "export the file again (it is damaged or truncated), or remove it"),
    "missing-codec": Check(FATAL, "install the package the message names (the file itself is fine), or convert "
                           "the file to PNG or uncompressed TIFF"),
    "npz-arrays": Check(FATAL, "save one array per .npz or HDF5 file, or name it 'image' (or 'mask')"),
    "external-data": Check(FATAL, "copy the data into the file (h5py: write the array itself, not a link or "
                           "virtual dataset)"),
    "bad-shape": Check(FATAL, "save images as (H, W) or (H, W, C) with C 1-16 channels last and masks as "
                       "(H, W); transpose channel-first arrays, split volumes into slices"),
    "bad-volume": Check(FATAL, "re-export the volume named (docs/volumes.md), or move its case out of the dataset"),
    "bad-dtype": Check(FATAL, "save plain numbers: uint8/uint16/float images, integer masks"),
    "too-many-pixels": Check(FATAL, "raise the limit with --max-pixels N (data.max_pixels) if the machine has the "
                             "memory, else cut the file into tiles or downscale it (docs/limits.md)"),
    "image-not-finite": Check(FATAL, "replace NaN/inf pixels (e.g. numpy.nan_to_num), or remove the image"),
    "mixed-channels": Check(FATAL, "give every image the same bands (or convert the odd ones), or move them out"),
    "channel-files-differ": Check(FATAL, "export the image's band or channel files again at one size, or move the "
                                  "image out"),
    # the pair does not fit together or the labels are not class indices
    "size-mismatch": Check(FATAL, "export the mask at its image's size, or check that they belong together"),
    "exif-rotation-mismatch": Check(FATAL, "rotate the mask the same way, or save the image with its rotation "
                                    "applied and no EXIF orientation (e.g. PIL.ImageOps.exif_transpose)"),
    "ignore-index-is-class": Check(FATAL, "choose an ignore label that no class uses (e.g. --ignore-index 255), "
                                   "or none if every label is a class", spans_files=True),
    "values-outside-classes": Check(FATAL, "map the values with --label-map (e.g. 255:1,3:ignore), set "
                                    "--ignore-index for a void label, declare the classes in classes.json, or "
                                    "fix the masks", spans_files=True),
    "binary-mask-for-multiclass": Check(FATAL, "declare 2 classes (or no classes.json) for binary masks; if 255 "
                                        "marks void pixels, set --ignore-index 255"),
    "colour-mask": Check(FATAL, "save it as a class-index mask like the others, or give classes.json "
                         "\"colours\" and make every mask a colour mask"),
    "grey-mask-for-colours": Check(FATAL, "save it as an RGB mask in the class colours of classes.json"),
    "unknown-colour": Check(FATAL, "add the colours to classes.json (a colour of no class to \"void_colours\"), "
                            "or repaint those pixels"),
    "mask-not-integer": Check(FATAL, "round or re-export the mask as integer class indices"),
    "mask-not-finite": Check(FATAL, "replace NaN/inf labels by a class or the ignore label"),
    "bad-mask": Check(FATAL, "fix the mask so that the dataset's mask mapping accepts it"),
    "duplicate-across-splits": Check(FATAL, "remove one copy: the same image in training and evaluation "
                                     "inflates the scores (--skip-bad drops the val/test copy)"),
    # usable, but probably not what was meant
    "image-without-mask": Check(WARNING, "add its mask, or move the image out (it is not used); if it shows "
                                "nothing to mark (a defect-free sample), --unmasked-background reads it as all background"),
    "partial-merge": Check(WARNING, "add the missing mask, an all-zero one if nothing of that folder shows "
                           "(--merge-masks reads the image with its other folders' masks)"),
    "mask-without-image": Check(WARNING, "add its image or fix the name, or remove the mask (it is not used)"),
    "duplicate-name": Check(WARNING, "rename or remove one of the files (only the first is used)"),
    "unmatched-name": Check(WARNING, "rename the file to end in the number that pairs it (it is not used)"),
    "unsupported-format": Check(WARNING, "convert it to PNG or TIFF if it belongs to the dataset (it is not used)"),
    "overlapping-classes": Check(WARNING, "pass --task multilabel to read each class as a channel of its own; "
                                 "else the class of the later row is kept where two overlap"),
    "lossy-mask": Check(WARNING, "save masks as PNG: JPEG compression changes labels along edges"),
    "labels-off-image": Check(WARNING, "check the labels' coordinate system: export them in the image's CRS (or "
                              "lon/lat with a GeoTIFF that names its EPSG code), or in pixels"),
    "skipped-values": Check(WARNING, "pass the --label-map the finding gives (BraTS' 4 as 3), or nothing if the "
                            "skipped values are classes these masks lack"),
    "instance-ids": Check(WARNING, "pass --instance-masks if each value is one object; a classes.json naming "
                          "the values says they are classes"),
    "outline-masks": Check(WARNING, "pass --fill-outlines to read each closed outline filled with its class "
                           "(docs/encodings.md); nothing, if the lines themselves are what to segment"),
    "snapped-pixels": Check(WARNING, "nothing, if the masks are antialiased or JPEG-saved; else check the "
                            "named masks, or list every class colour in classes.json", spans_files=True),
    "alpha-channel": Check(WARNING, "nothing, if the transparency means nothing; else put it into the mask"),
    "colour-mode": Check(WARNING, "save the image as RGB to control the colour conversion"),
    "exif-orientation": Check(WARNING, "nothing, if its mask was drawn on the rotated view (as viewers show it)"),
    "multi-page": Check(WARNING, "split the pages into separate files if they are all meant to be used; pages that "
                        "are channels are read as such from an ImageJ hyperstack or OME-TIFF of axes CYX"),
    "16-bit-image": Check(WARNING, "nothing, if intended: the normalisation adapts, but predict on 16-bit "
                          "images too"),
    "mixed-bit-depth": Check(WARNING, "convert all images to one bit depth"),
    "grey-rgb-mixture": Check(WARNING, "convert the odd images so all have the same channels, if they are "
                              "not meant to differ"),
    "mixed-sizes": Check(WARNING, "pass --size HxW to choose the training size (default 256x256)"),
    "image-too-small": Check(WARNING, "pass --size HxW to upscale, or choose a model with fewer levels"),
    "empty-mask": Check(WARNING, "nothing, if the image really shows no object; else annotate it"),
    "single-class-mask": Check(WARNING, "check the annotation: one class fills the whole image"),
    "all-ignore-mask": Check(WARNING, "annotate the image, or remove the pair (it adds nothing to training)"),
    "duplicate-image": Check(WARNING, "remove one copy; copies in different splits stop training"),
}
_UNKNOWN = Check(FATAL, "fix or remove the file")
_ORDER = {code: i for i, code in enumerate(CHECKS)}

# image types seglab does not read; a dataset folder holding them is probably half converted
UNSUPPORTED_SUFFIXES = (".webp", ".jp2", ".j2k", ".heic")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_CONVERTED_MODES = ("CMYK", "YCbCr", "LAB", "HSV")
_MAX_SHOWN = 5  # findings logged per code before "... and N more"


def severity(problem: Problem) -> str:
    """FATAL or WARNING, from the problem's code (unknown codes are fatal)."""
    return CHECKS.get(problem.code, _UNKNOWN).severity


def hint(problem: Problem) -> str:
    """What to do about the problem."""
    return CHECKS.get(problem.code, _UNKNOWN).hint


def files_of(problem: Problem) -> tuple[Path, ...]:
    """The files a finding is about: its path, and its related files when it spans several."""
    if problem.path is None:
        return ()
    spans = CHECKS.get(problem.code, _UNKNOWN).spans_files
    return (problem.path, *problem.related) if spans else (problem.path,)


def describe(problem: Problem) -> str:
    """One line: "[code] file: what is wrong -> what to do"."""
    return f"[{problem.code}] {problem} -> {hint(problem)}"


@dataclass
class AuditReport:
    """What `audit` found.

    Args:
        stats: the scan of every pair, as `scan(index)` returns it.
        problems: every finding, fatal ones first, then by code and file.
    """

    stats: DatasetStats
    problems: list[Problem]

    @property
    def fatal(self) -> list[Problem]:
        return [p for p in self.problems if severity(p) == FATAL]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if severity(p) == WARNING]

    def drop_bad(
        self, splits: dict[str, list[Pair]]
    ) -> tuple[dict[str, list[Pair]], list[tuple[Pair, Problem]], list[Problem]]:
        """Leave out the pairs with a fatal finding.

        Returns:
            the clean splits, each skipped pair with its (first) fatal finding, and the fatal
            findings that belong to no pair (these cannot be skipped).
        """
        by_file: dict[Path, Problem] = {}
        for fatal in self.fatal:
            for path in files_of(fatal):
                by_file.setdefault(path, fatal)
        clean: dict[str, list[Pair]] = {}
        skipped: list[tuple[Pair, Problem]] = []
        for name, pairs in splits.items():
            clean[name] = []
            for pair in pairs:
                found = next((by_file[f] for f in pair.files if f in by_file), None)
                if found is None:
                    clean[name].append(pair)
                else:
                    skipped.append((pair, found))
        files = {path for pairs in splits.values() for pair in pairs for path in pair.files}
        unplaced = [p for p in self.fatal if p.path not in files]
        return clean, skipped, unplaced


def audit(
    index: DatasetIndex,
    splits: dict[str, list[Pair]] | None = None,
    *,
    size: tuple[int, int] | None = None,
    min_side: int | None = None,
) -> AuditReport:
    """Check every pair of a dataset and collect the findings; raises nothing per file.

    Args:
        index: from `discover`.
        splits: the train/val/test split from `split_pairs`; duplicates in different splits are
            fatal. Without it the layout's own split labels are used when it has them, and other
            duplicates are warnings.
        size: the training size (`data.size`); without one, differing image sizes are reported.
        min_side: the model's smallest usable height/width; smaller images are reported.

    Example:
        >>> report = audit(discover("data/pets"))  # doctest: +SKIP
        >>> [describe(p) for p in report.fatal]  # doctest: +SKIP
    """
    stats = scan(index)
    problems = list(index.problems) + _unsupported_files(index) + list(stats.problems)
    bad = {path for p in problems if severity(p) == FATAL for path in files_of(p)}
    clean = [p for p in index.pairs if bad.isdisjoint(p.files)]
    facts = [(p, stats.images[p.image]) for p in clean if p.image in stats.images]
    for pair in clean:
        problems += _header_problems(pair)
        problems += _label_problems(pair, stats, index)
    problems += _gap_problems(index, stats)
    problems += _outline_problems(stats)
    problems += _bit_depth_problems(facts)
    problems += _channel_problems(facts)
    if size is None:
        problems += _size_problems(facts, min_side)
    split_of = _split_of(index, splits)
    problems += _duplicate_problems([(p, f) for p, f in facts if not f.constant], split_of)
    problems.sort(key=lambda p: (severity(p) != FATAL, _ORDER.get(p.code, -1), str(p.path)))
    logger.debug("audit of %s: %d problems", index.root, len(problems))
    return AuditReport(stats=stats, problems=problems)


def log_lines(problems: Iterable[Problem], per_code: int = _MAX_SHOWN) -> list[str]:
    """One `describe` line per problem, at most `per_code` of each code, then "... and N more"."""
    by_code: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_code[problem.code].append(problem)
    lines = []
    for code, group in by_code.items():
        lines += [describe(p) for p in group[:per_code]]
        if len(group) > per_code:
            lines.append(f"[{code}] ... and {len(group) - per_code} more (`seglab inspect` lists them all)")
    return lines


def format_problems(problems: list[Problem], indent: str = "  ", warnings_per_code: int | None = None) -> list[str]:
    """Problems grouped by severity, then code (with its hint once), one file per line.

    `warnings_per_code` caps the lines of each warning code ("... and N more"), so that
    thousands of one warning (VOC's detection-only images) do not bury the rest; fatal
    findings are always listed in full, as each stops training.
    """
    lines = []
    for level in (FATAL, WARNING):
        by_code: dict[str, list[Problem]] = defaultdict(list)
        for problem in problems:
            if severity(problem) == level:
                by_code[problem.code].append(problem)
        if not by_code:
            continue
        lines.append(f"{indent}{level}:")
        for code, group in by_code.items():
            lines.append(f"{indent * 2}{code} ({len(group)}): {CHECKS.get(code, _UNKNOWN).hint}")
            shown = group if level == FATAL or warnings_per_code is None else group[:warnings_per_code]
            lines += [f"{indent * 3}{p}" for p in shown]
            if len(shown) < len(group):
                more = len(group) - len(shown)
                lines.append(f"{indent * 3}... and {more} more (`seglab inspect --all` lists every one)")
    return lines


def _unsupported_files(index: DatasetIndex) -> list[Problem]:
    folders = {p.image.parent for p in index.pairs} | {p.mask.parent for p in index.pairs if p.mask}
    folders |= {path.parent for path in index.unlabelled}
    problems = []
    for folder in sorted(f for f in folders if f.is_dir()):  # a manifest's missing file is a problem of its own
        for path in sorted(folder.iterdir()):
            name = path.name.lower()
            if not name.startswith(".") and name.endswith(UNSUPPORTED_SUFFIXES):
                kind = next(s for s in UNSUPPORTED_SUFFIXES if name.endswith(s))
                problems.append(Problem(path, f"'{kind}' files are not read by seglab; this one is ignored",
                                        "unsupported-format"))
    return problems


def _header_problems(pair: Pair) -> list[Problem]:
    problems = []
    for what, path in (*(("image", i) for i in pair.images), *(("mask", m) for m in pair.masks)):
        if what == "mask" and path.suffix.lower() in (".jpg", ".jpeg"):
            problems.append(Problem(path, "mask is a JPEG (lossy)", "lossy-mask"))
        try:
            header = read_header(path)
        except DataError:  # the decoder has reported it already
            continue
        if header.mode in _ALPHA_MODES:
            band = (" (its tags declare it; a band that is data, as GDAL declares the 4th of a 4-band byte GeoTIFF "
                    "unless told, is kept once unmarked: gdal_translate -co ALPHA=UNSPECIFIED in.tif out.tif)"
                    if header.format == "TIFF" else "")
            problems.append(Problem(path, f"{what} has an alpha channel ({header.mode}); it is dropped{band}",
                                    "alpha-channel"))
        elif header.mode in _CONVERTED_MODES:
            problems.append(Problem(path, f"{what} is {header.mode}; it is converted to RGB", "colour-mode"))
        if header.orientation != 1:
            problems.append(Problem(path, f"{what} has EXIF orientation {header.orientation}; it is read rotated, "
                                    "as viewers show it", "exif-orientation"))
        if header.frames > 1:
            problems.append(Problem(path, f"{what} has {header.frames} pages or frames; only the first is read",
                                    "multi-page"))
    return problems


def _label_problems(pair: Pair, stats: DatasetStats, index: DatasetIndex) -> list[Problem]:
    labels = stats.mask_labels.get(pair.mask) if pair.mask is not None else None
    if labels is None:
        return []
    assert pair.mask is not None
    if is_background_fill(pair.mask):  # --unmasked-background's, empty on purpose
        return []
    classes = [v for v in labels if v != index.ignore_index]
    if not classes:
        return [Problem(pair.mask, f"every pixel of the mask is the ignore label {index.ignore_index}",
                        "all-ignore-mask", (pair.image,))]
    if len(classes) > 1:
        return []
    label = classes[0]
    name = f" ('{index.classes.names[label]}')" if index.classes and 0 <= label < index.classes.num_classes else ""
    if label == 0 and index.format in ("volumes", "rle-table"):
        # a volume's slices beyond its structures are empty by nature (--empty-slices keeps a share), and a
        # run-length table says an image shows nothing (Airbus' empty rows: most of its images show no ship)
        return []
    if label == 0:
        return [Problem(pair.mask, f"mask is empty: every labelled pixel is class 0{name}", "empty-mask",
                        (pair.image,))]
    return [Problem(pair.mask, f"every labelled pixel of the mask is class {label}{name}", "single-class-mask",
                    (pair.image,))]


def _gap_problems(index: DatasetIndex, stats: DatasetStats) -> list[Problem]:
    """Label values that skip some below the largest, with no classes declared (BraTS 2021's 0,
    1, 2, 4): each skipped value is a class no pixel teaches or scores; the finding gives the
    --label-map that numbers the classes without the gaps."""
    if index.classes is not None or type(index.mapping) is not IdentityMapping:
        return []
    used = sorted(v for v, n in stats.mask_values.items() if n and v != index.ignore_index and v >= 0)
    limit = inferred_class_count(used)  # values past the first wide gap are values-outside-classes (COCO-Stuff's 255)
    used = [v for v in used if v < limit]
    if not used:
        return []
    skipped = sorted(set(range(used[-1])) - set(used))
    if not skipped:
        return []
    moved = [(v, k) for k, v in enumerate(used) if v != k]
    mask = next((path for path, labels in stats.mask_labels.items() if used[-1] in labels), None)
    if mask is None:
        return []
    listed = ", ".join(map(str, skipped[:5])) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
    return [Problem(mask, f"the masks' values {', '.join(map(str, used[:8]))}{'...' if len(used) > 8 else ''} skip "
                    f"{listed}: a class no pixel teaches or scores for each; --label-map "
                    f"{','.join(f'{v}:{k}' for v, k in moved)} numbers the classes without the gaps", "skipped-values")]


def _outline_problems(stats: DatasetStats) -> list[Problem]:
    """Masks drawn as outlines (`outlines.drawn_as_outlines`: HC18's ring around the head), when
    they are at least half of the masks that draw anything: a crack or a vessel tree closing one
    loop now and then is no outline dataset."""
    drawn = [path for path, outline in stats.outlines.items() if outline]
    if not drawn or 2 * len(drawn) < len(stats.outlines):
        return []
    names = ", ".join(p.name for p in drawn[:3]) + (f" and {len(drawn) - 3} more" if len(drawn) > 3 else "")
    message = (f"{len(drawn)} of {len(stats.outlines)} masks ({names}) are drawn as outlines, not regions: each "
               "class is a closed line at most 3 px wide around background, so the model would learn to draw "
               "the lines rather than the regions they enclose")
    return [Problem(drawn[0], message, "outline-masks", tuple(drawn[1:]))]


def _scaling(dtype: str) -> str:
    scale = image_scale(dtype)
    return "not scaled" if scale == 1 else f"divided by {scale:.0f}"


def _bit_depth_problems(facts: list[tuple[Pair, ImageFacts]]) -> list[Problem]:
    problems = []
    for pair, image in facts:
        if image.dtype == "uint16":
            problems.append(Problem(pair.image, f"image is 16-bit (largest value {image.high:.0f}); "
                                    "intensities are divided by 65535", "16-bit-image"))
    dtypes = Counter(image.dtype for _, image in facts)
    if len(dtypes) > 1:
        common, count = dtypes.most_common(1)[0]
        for pair, image in facts:
            if image.dtype != common:
                problems.append(Problem(
                    pair.image,
                    f"image is {image.dtype} but {count} of {len(facts)} images are {common}; intensities are "
                    f"{_scaling(image.dtype)} here and {_scaling(common)} there",
                    "mixed-bit-depth",
                ))
    return problems


def _channel_problems(facts: list[tuple[Pair, ImageFacts]]) -> list[Problem]:
    """The model gets the most channels an image has (`prepare`); grey images are repeated to
    RGB, any other count cannot be fed (3-band or grey images among 4-band ones)."""
    most = max((f.channels for _, f in facts), default=1)
    problems = [Problem(p.image, f"image has {f.channels} channel(s) but the model gets {most}, the most an image "
                        "has; only greyscale images among RGB ones are repeated to fit", "mixed-channels")
                for p, f in facts if f.channels != most and (f.channels, most) != (1, 3)]
    grey = [(p, f) for p, f in facts if f.channels == 1]
    rgb = [(p, f) for p, f in facts if f.channels == 3]
    if most != 3 or not grey:
        return problems
    if len(rgb) >= len(grey):
        return problems + [Problem(p.image, f"image is greyscale but {len(rgb)} of {len(facts)} images are RGB; it "
                                   "is repeated to 3 channels", "grey-rgb-mixture") for p, _ in grey]
    return problems + [Problem(p.image, f"image is RGB but {len(grey)} of {len(facts)} images are greyscale; the model "
                               "gets 3 input channels and every grey image is repeated to 3", "grey-rgb-mixture")
                       for p, _ in rgb]


def _size_problems(facts: list[tuple[Pair, ImageFacts]], min_side: int | None) -> list[Problem]:
    problems = []
    if min_side is not None:
        for pair, image in facts:
            if min(image.size) < min_side:
                problems.append(Problem(pair.image, f"image is {image.size[0]}x{image.size[1]} (HxW), smaller "
                                        f"than the model's minimum of {min_side} px per side", "image-too-small"))
    sizes = Counter(image.size for _, image in facts)
    if len(sizes) > 1:
        rarest = min(sizes, key=lambda hw: (sizes[hw], hw))
        example = next(p for p, image in facts if image.size == rarest)
        shown = ", ".join(f"{h}x{w} ({n})" for (h, w), n in sizes.most_common(5))
        more = f" and {len(sizes) - 5} more" if len(sizes) > 5 else ""
        problems.append(Problem(example.image, f"images come in {len(sizes)} sizes (HxW): {shown}{more}; this one "
                                f"is {rarest[0]}x{rarest[1]}", "mixed-sizes"))
    return problems


def _split_of(index: DatasetIndex, splits: dict[str, list[Pair]] | None) -> dict[Path, str | None]:
    if splits is not None:
        return {pair.image: name for name, pairs in splits.items() for pair in pairs}
    return {pair.image: pair.split for pair in index.pairs}


def _duplicate_problems(facts: list[tuple[Pair, ImageFacts]], split_of: dict[Path, str | None]) -> list[Problem]:
    by_digest: dict[str, list[Pair]] = defaultdict(list)
    for pair, image in facts:
        by_digest[image.digest].append(pair)
    rank = {name: i for i, name in enumerate(SPLITS)}
    problems = []
    for copies in by_digest.values():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda p: (rank.get(split_of.get(p.image) or "", len(rank)), str(p.image)))
        first = copies[0]
        first_split = split_of.get(first.image)
        for copy in copies[1:]:
            split = split_of.get(copy.image)
            if split is not None and first_split is not None and split != first_split:
                message = f"image is the same as '{first.image}' ({first_split}) but this copy is in {split}"
                problems.append(Problem(copy.image, message, "duplicate-across-splits", (first.image,)))
            else:
                where = f" (both in {split})" if split is not None else ""
                problems.append(Problem(copy.image, f"image is the same as '{first.image}'{where}",
                                        "duplicate-image", (first.image,)))
    return problems
