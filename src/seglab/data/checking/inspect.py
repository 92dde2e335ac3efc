"""`seglab inspect`: discover and audit a dataset, then describe it in plain text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seglab.config import DataConfig
from seglab.data.checking.audit import audit
from seglab.data.checking.checks import FATAL, WARNING, format_problems, severity
from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import LabelMapping, MaskMapping
from seglab.data.encodings.coloured_objects import ColouredObjectsMapping
from seglab.data.encodings.red_classes import RedClassMapping
from seglab.data.layouts.discover import discover_data
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.checking.stats import DatasetStats, resolve_classes
from seglab.labelsets import class_pixels

WARNINGS_SHOWN = 20  # lines per warning code unless every finding is asked for
SIZES_SHOWN = 8  # image sizes named, the commonest, unless every one is asked for (Oxford Pet has hundreds)


@dataclass
class InspectReport:
    """Everything `inspect_dataset` learned about a dataset.

    Args:
        problems: the audit's findings, fatal ones first (see `seglab.data.checking.checks.CHECKS`).
    """

    index: DatasetIndex
    stats: DatasetStats
    classes: ClassSpec
    problems: list[Problem] = field(default_factory=list)

    @property
    def fatal(self) -> list[Problem]:
        return [p for p in self.problems if severity(p) == FATAL]


def inspect_dataset(root: str | Path, **options: Any) -> InspectReport:
    """Discover, audit every pair and resolve the classes of a dataset folder.

    `options` are the reading fields of `seglab.config.DataConfig` (format, classes_file,
    ignore_index, ...), so inspect reads a folder exactly as training would.

    Duplicates count as being in different splits only when the layout has its own split
    folders; `seglab train` checks them again on the split it makes.

    Raises:
        DataError: the folder cannot be used at all (see `discover`); per-file problems are
            collected in the report instead.
    """
    index = discover_data(DataConfig(path=str(root), **options))
    report = audit(index)
    stats = report.stats
    return InspectReport(index, stats, resolve_classes(index, stats), report.problems)


def _kept_whole(pairs: Sequence[Pair]) -> str:
    """What the groups are for: a drawn split or fold keeps each whole, while a shipped split is
    kept as it is, even where it divides a group (VegAnn's TVT-split1 puts each site's images in
    train, val and test), which is said rather than claimed otherwise."""
    splits: dict[str, set[str]] = {}
    for pair in pairs:
        if pair.group is not None and pair.split is not None:
            splits.setdefault(pair.group, set()).add(pair.split)
    divided = sum(len(held) > 1 for held in splits.values())
    if divided:
        return f"the shipped split divides {divided} of them and is kept; drawn splits and folds keep a group whole"
    return "pairs of a group stay in one split or fold"


def _counts(counts: Mapping[Any, int], label: Callable[[Any], str] = str) -> str:
    return ", ".join(f"{label(k)} ({v})" for k, v in counts.items()) or "-"


def _size(hw: tuple[int, int]) -> str:
    return f"{hw[0]}x{hw[1]}"


def _sizes(sizes: Mapping[tuple[int, int], int], every: bool) -> str:
    """The image sizes and their counts: the SIZES_SHOWN commonest and the range of the others, or
    every one. Photos of many sizes made one line of every size (Oxford Pet's runs to hundreds)."""
    if every or len(sizes) <= SIZES_SHOWN:
        return _counts(sizes, _size)
    heights, widths = [h for h, _ in sizes], [w for _, w in sizes]
    return (f"{_counts(dict(Counter(sizes).most_common(SIZES_SHOWN)), _size)} and {len(sizes) - SIZES_SHOWN} more "
            f"sizes; all {min(heights)} to {max(heights)} high, {min(widths)} to {max(widths)} wide (`seglab inspect "
            "--all` lists every one)")


def format_report(report: InspectReport, all_problems: bool = False) -> str:
    """Human-readable summary: layout, counts, sizes, class shares and the problems by file:
    every fatal one, and up to WARNINGS_SHOWN of each warning code (and of the folder pairs)
    unless `all_problems`."""
    index, stats, classes = report.index, report.stats, report.classes
    splits = Counter(p.split for p in index.pairs if p.split is not None)
    per_split = f" ({', '.join(f'{k} {v}' for k, v in splits.items())})" if splits else ""
    groups = {p.group for p in index.pairs if p.group is not None}
    pairing = index.pairing if all_problems or len(index.pairing) <= WARNINGS_SHOWN else [
        *index.pairing[:WARNINGS_SHOWN],
        f"... and {len(index.pairing) - WARNINGS_SHOWN} more folder pairs (`seglab inspect --all` lists every one)"]
    lines = [
        f"Dataset:      {index.root}",
        f"Format:       {index.format}",
        *(f"{'Paired:' if i == 0 else '':<14}{line}" for i, line in enumerate(pairing)),
        f"Pairs:        {len(index.pairs)}{per_split}",
        *([f"Groups:       {len(groups)} ({_kept_whole(index.pairs)})"] if groups else []),
        f"Unlabelled:   {len(index.unlabelled)}",
        f"Ignored:      {_files(index.ignored, index.root)}",
        f"Image sizes:  {_sizes(stats.image_sizes, all_problems)}  (HxW)",
        f"Channels:     {_counts(stats.channels)}",
        f"Dtypes:       {_counts(stats.dtypes)}",
        f"Mean / std:   {_floats(stats.mean)} / {_floats(stats.std)}",
        *([f"No data:      {_no_data(stats, index)}"] if stats.no_data_pixels[0] or index.no_data is not None else []),
        f"Mask mapping: {index.mapping.describe()}",
        f"Mask values:  {', '.join(map(str, stats.mask_values)) or '-'}"
        + ("  (bit sets: bit k = class k; classes overlap)" if index.mapping.multilabel else ""),
        f"Classes:      {classes.num_classes}"
        + (f" (ignore_index {classes.ignore_index})" if classes.ignore_index is not None else ""),
    ]
    ignore = index.ignore_index if index.mapping.multilabel else classes.ignore_index
    counted = sum(c for v, c in stats.mask_values.items() if v != ignore)
    total = sum(stats.mask_values.values())
    width = max(len(n) for n in classes.names)
    per_class = (class_pixels(stats.mask_values, classes.num_classes) if index.mapping.multilabel  # bit sets
                 else [stats.mask_values.get(i, 0) for i in range(classes.num_classes)])
    class_colours = index.mapping.needs_rgb and not isinstance(index.mapping, (ColouredObjectsMapping, RedClassMapping))
    sources = _raw_sources(index.mapping, classes.num_classes)
    for i, (name, pixels) in enumerate(zip(classes.names, per_class)):
        colour = f"  rgb{classes.colours[i]}" if class_colours else ""  # what masks hold
        raw = f"  mask value{'s' * (len(sources[i]) > 1)} {', '.join(map(str, sources[i]))}" if sources else ""
        lines.append(f"  {i:>3}  {name:<{width}}  {pixels:>12,} px  {_share(pixels, counted)}{colour}{raw}")
    if ignore is not None:
        pixels = stats.mask_values.get(ignore, 0)
        lines.append(f"  ignore ({ignore}): {pixels:,} px, {_share(pixels, total)} of all pixels")
    levels = Counter(severity(p) for p in report.problems)
    counts = f" ({levels[FATAL]} fatal, {levels[WARNING]} warning{'s' * (levels[WARNING] != 1)})"
    lines.append(f"Problems:     {len(report.problems)}{counts if report.problems else ''}")
    lines += format_problems(report.problems, warnings_per_code=None if all_problems else WARNINGS_SHOWN)
    return "\n".join(lines)


def _raw_sources(mapping: MaskMapping, num_classes: int) -> list[list[int]]:
    """The raw mask values each class is read from, when a table of values reads some class from
    another value than its own (a shipped table's ids compacted: ToothFairy2's tooth 21 is class
    19; a --label-map), so that the report says which id is which class; empty otherwise. Values
    the table does not list are read as themselves."""
    if not isinstance(mapping, LabelMapping):
        return []
    listed = dict(mapping.values)
    sources: list[list[int]] = [[c] if c not in listed else [] for c in range(num_classes)]
    for raw, label in mapping.values:
        if 0 <= label < num_classes:
            sources[label].append(raw)
    return [sorted(found) for found in sources] if any(found != [c] for c, found in enumerate(sources)) else []


def _files(paths: list[Path], root: Path, shown: int = 5) -> str:
    """'3 files (a.npy, b.png, ...)': what discovery left out, so nothing is dropped unseen."""
    if not paths:
        return "0"
    names = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in paths[:shown]]
    more = f", ... and {len(paths) - shown} more" if len(paths) > shown else ""
    return f"{len(paths)} files not in any pair ({', '.join(names)}{more})"


def _no_data(stats: DatasetStats, index: DatasetIndex) -> str:
    """'72 px in 8 images (--nodata -32768 ...)': the pixels left out of the mean/std, and what marks them."""
    pixels, images = stats.no_data_pixels
    marked = "GDAL_NODATA tags" if index.no_data is None else f"--nodata {index.no_data:.10g} and GDAL_NODATA tags"
    return (f"{pixels:,} px in {images} image{'s' * (images != 1)} ({marked}; left out of the mean/std, fed as "
            "the channel's mean)")


def _floats(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in values) + ")"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.2f} %" if whole else "     - %"
