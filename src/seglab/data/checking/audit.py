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

The table of findings is `checks`, the checks of each file `file_checks`; this module runs them
and the duplicate check.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.data.checking.checks import CHECKS, FATAL, WARNING, files_of, severity
from seglab.data.checking.file_checks import (
    _bit_depth_problems,
    _channel_problems,
    _gap_problems,
    _header_problems,
    _label_problems,
    _marker_problems,
    _outline_problems,
    _size_problems,
    _unsupported_files,
)
from seglab.data.checking.stats import DatasetStats, ImageFacts, scan
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.splitting.splits import SPLITS

logger = logging.getLogger(__name__)

_ORDER = {code: i for i, code in enumerate(CHECKS)}


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
        problems += _header_problems(pair, index.alpha_channel, index.mapping.needs_alpha)
        problems += _label_problems(pair, stats, index)
    problems += _gap_problems(index, stats)
    problems += _outline_problems(stats)
    problems += _bit_depth_problems(facts)
    problems += _marker_problems(facts)
    problems += _channel_problems(facts)
    if size is None:
        problems += _size_problems(facts, min_side)
    split_of = _split_of(index, splits)
    problems += _duplicate_problems([(p, f) for p, f in facts if not f.constant], split_of)
    problems = _naming_sources(problems, index.pairs)
    problems.sort(key=lambda p: (severity(p) != FATAL, _ORDER.get(p.code, -1), str(p.path)))
    logger.debug("audit of %s: %d problems", index.root, len(problems))
    return AuditReport(stats=stats, problems=problems)


def _naming_sources(problems: list[Problem], pairs: list[Pair]) -> list[Problem]:
    """The findings, those about a file a layout made in the cache saying what from (EddyNet's
    `filtered_SSH_train_data.npy`, slice 3): the cached `00003_image.npy` is no file to fix."""
    source_of = {path: note for pair in pairs for path, note in pair.sources.items()}
    return [replace(p, message=f"{p.message} ({source_of[p.path]})") if p.path in source_of else p
            for p in problems]


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
