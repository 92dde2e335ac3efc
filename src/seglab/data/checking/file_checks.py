"""The audit's checks of each file: its header (alpha, CMYK, pages, unsupported types) and the
facts `scan` kept of it (labels, gaps, outlines, bit depth, no-data markers, channels, sizes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from seglab.data.checking.channel_namings import naming_route
from seglab.data.checking.stats import DatasetStats, ImageFacts
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.discovery.unmasked import is_background_fill
from seglab.data.encodings.cityscapes import label_ids_hint
from seglab.data.encodings.label_maps import OBJECTS_HINT, inferred_class_count
from seglab.data.files.folder_listing import entries
from seglab.data.files.alpha import ALPHA_MODES
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.files.io import FileHeader, image_scale, read_header
from seglab.data.files.lossy import lossy_format
from seglab.data.files.no_data import SIGNED_MINIMA
from seglab.errors import DataError

# image types seglab does not read; a dataset folder holding them is probably half converted
UNSUPPORTED_SUFFIXES = (".heic",)
_CONVERTED_MODES = ("CMYK", "YCbCr", "LAB", "HSV")


def _unsupported_files(index: DatasetIndex) -> list[Problem]:
    folders = {p.image.parent for p in index.pairs} | {p.mask.parent for p in index.pairs if p.mask}
    folders |= {path.parent for path in index.unlabelled}
    problems = []
    for folder in sorted(f for f in folders if f.is_dir()):  # a manifest's missing file is a problem of its own
        for path in sorted(entries(folder)):
            name = path.name.lower()
            if not name.startswith(".") and name.endswith(UNSUPPORTED_SUFFIXES):
                kind = next(s for s in UNSUPPORTED_SUFFIXES if name.endswith(s))
                problems.append(Problem(path, f"'{kind}' files are not read by seglab; this one is ignored",
                                        "unsupported-format"))
    return problems


def _header_problems(pair: Pair, alpha_channel: bool = False, mask_alpha: bool = False) -> list[Problem]:
    """Findings from each file's header; an image's alpha is no finding where the dataset reads
    it as a channel (`alpha_channel`), nor a mask's where the masks are read by it (`mask_alpha`)."""
    problems = []
    for what, path in (*(("image", i) for i in pair.images), *(("mask", m) for m in pair.masks)):
        compressed = lossy_format(path) if what == "mask" else None
        if compressed:
            problems.append(Problem(path, f"mask is a {compressed} (lossy)", "lossy-mask"))
        try:
            header = read_header(path)
        except DataError:  # the decoder has reported it already
            continue
        kept = header.mode in ALPHA_MODES and (alpha_channel if what == "image" else mask_alpha)
        if header.mode in (*ALPHA_MODES, "PA") and not kept:
            problems.append(Problem(path, f"{what} has an alpha channel ({header.mode}); it is dropped"
                                    f"{_alpha_route(what, header)}", "alpha-channel"))
        elif header.mode in _CONVERTED_MODES:
            problems.append(Problem(path, f"{what} is {header.mode}; it is converted to RGB", "colour-mode"))
        if header.orientation != 1:
            problems.append(Problem(path, f"{what} has EXIF orientation {header.orientation}; it is read rotated, "
                                    "as viewers show it", "exif-orientation"))
        if header.frames > 1:
            problems.append(Problem(path, f"{what} has {header.frames} pages or frames; only the first is read",
                                    "multi-page"))
    return problems


def _alpha_route(what: str, header: FileHeader) -> str:
    """How to keep a dropped alpha when it is an image's data or a mask's label (a palette's
    transparency never is)."""
    if header.format == "TIFF":
        return (" (its tags declare it; a band that is data, as GDAL declares the 4th of a 4-band byte GeoTIFF "
                "unless told, is kept with --alpha channel, or once unmarked: gdal_translate -co ALPHA=UNSPECIFIED "
                "in.tif out.tif)")
    if what == "image" and header.mode in ALPHA_MODES:
        return " (if it is data, such as a thermal band, --alpha channel reads it as the last channel)"
    if header.mode in ALPHA_MODES:
        return " (if it holds the label, as a layer's or a cut-out's alpha, --mask-alpha reads it as the mask)"
    return ""


def one_class_cause(index: DatasetIndex, problems: Sequence[Problem]) -> str:
    """The likely cause of masks that hold one class, for the refusal: their alpha dropped (an
    `alpha-channel` finding on a mask: a layer's or a cut-out's label), else options that merge classes."""
    masks = {mask for pair in index.pairs for mask in pair.masks}
    if any(p.code == "alpha-channel" and p.path in masks for p in problems):
        return "the masks' alpha channel is dropped: if it holds the label, --mask-alpha reads it as the mask"
    return "a --label-map or --ignore-index that leaves one class?"


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
    --label-map that numbers the classes without the gaps, and when one value sits alone past
    the gap (MaSTr1325's unknown 4 after 0, 1, 2), the one that makes it the ignore label. Values
    that number objects (the `instance-ids` finding: neuron ids skip the neurons a section misses)
    are first offered to --instance-masks."""
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
    renumbered = f"--label-map {','.join(f'{v}:{k}' for v, k in moved)} numbers the classes without the gaps"
    lone = used[-1]
    if used[:-1] == list(range(len(used) - 1)):  # one value past the gap: a class, or a void value
        renumbered += (f" if {lone} is a class (BraTS' 4); --label-map {lone}:ignore scores it in no class if it "
                       "marks unknown or unlabelled pixels (MaSTr1325's 4)")
    if any(p.code == "instance-ids" for p in index.problems):
        renumbered = f"{OBJECTS_HINT}if they are classes, {renumbered}"
    renumbered = label_ids_hint(used) + renumbered
    return [Problem(mask, f"the masks' values {', '.join(map(str, used[:8]))}{'...' if len(used) > 8 else ''} skip "
                    f"{listed}: a class no pixel teaches or scores for each; {renumbered}", "skipped-values")]


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


def _marker_problems(facts: list[tuple[Pair, ImageFacts]]) -> list[Problem]:
    """One finding for the images holding a likely untagged no-data marker (`ImageFacts.marker`):
    read as a value, it sets the mean/std (HLS's -9999 beside reflectances of 0-0.3 flattened
    every real pixel to one normalised value; Kelp Wanted's -32768 in a few corners raised the
    std of reflectances spread over a few hundred to 2,500)."""
    marked = [(pair, image.marker) for pair, image in facts if image.marker is not None]
    if not marked:
        return []
    (first, value), others = marked[0], [pair.image for pair, _ in marked[1:]]
    text = f"{value:.10g}"  # -2147483648 as it is typed, not -2.14748e+09
    held = (f", the lowest {SIGNED_MINIMA[value]} value, which rasters fill missing pixels with"
            if value in SIGNED_MINIMA else " in 1 % or more of its pixels, far from its other values")
    return [Problem(first.image, f"image holds {text}{held} ({len(marked)} of {len(facts)} images hold such a "
                    "value): probably a no-data marker; seglab reads it as a value, so it enters the mean/std and "
                    f"the network sees it (--nodata {text} declares it)", "no-data-marker", tuple(others))]


def _channel_problems(facts: list[tuple[Pair, ImageFacts]]) -> list[Problem]:
    """The model gets the most channels an image has (`prepare`); grey images are repeated to
    RGB, any other count cannot be fed (3-band or grey images among 4-band ones)."""
    most = max((f.channels for _, f in facts), default=1)
    problems = [Problem(p.image, f"image has {f.channels} channel(s) but the model gets {most}, the most an image "
                        "has; only greyscale images among RGB ones are repeated to fit", "mixed-channels")
                for p, f in facts if f.channels != most and (f.channels, most) != (1, 3)]
    route = naming_route(facts) if problems else ""
    if route:  # said once, on the finding listed first
        first = min(range(len(problems)), key=lambda i: str(problems[i].path))
        problems[first] = replace(problems[first], message=problems[first].message + route)
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
