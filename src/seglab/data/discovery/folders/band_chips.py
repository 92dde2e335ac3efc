"""Chip folders of band files: a folder per chip holding a raster per band, as remote-sensing
datasets ship them. DrivenData's Cloud Cover: `train_features/<chip>/B02.tif` ... `B08.tif` beside
`train_labels/<chip>.tif`; AgriFieldNet's STAC catalogue: `<P>_source/<P>_source_<chip>/B01.tif` ...
`B12.tif` beside `<P>_labels_train/<P>_labels_train_<chip>/raster_labels.tif` and `field_ids.tif`;
BigEarthNet's `<tile>/<tile>_<patch>/<tile>_<patch>_B01.tif` ... `_B12.tif`.

Each chip folder is one image whose channels are its band files (as `bands.stack_band_folders`
makes one image of a folder per band), the bands in their natural order (B01, ..., B08, B8A, B09)
or as `--bands` lists them; it pairs with the label its chip id names: a file named after the
chip, or the label raster of a folder per chip, the other rasters beside it listed as ignored.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.discovery.band_words import names_a_band
from seglab.data.discovery.channel_files import added_words, band_order, folder_names_a_band
from seglab.data.discovery.folders.content import looks_like_masks
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.per_image import one_mask
from seglab.data.discovery.naming import KeyRule, looks_like_mask_folder, stem, words
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.index import Problem
from seglab.data.files.io import read_image
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_SEPARATORS = "_-. "


@dataclass
class ChipSearch:
    """What `band_chips` found: a match per folder of chip folders that has labels, the chips
    without a label (each by its first band file, as a band folder's unlabelled images are), the
    files no pair reads, and the folders read (searched for nothing else)."""

    matches: list[FolderMatch] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    claimed: set[Path] = field(default_factory=set)


@dataclass
class _LabelSource:
    """A folder naming chips: chip id -> its label file, with the name that gave the id and the
    folder that holds it (the source itself, or its folder per chip), and the names of the files
    beside the labels in a folder per chip (`field_ids.tif` beside `raster_labels.tif`)."""

    folder: Path
    labels: dict[str, Path]
    names: dict[str, str]
    folders: dict[str, Path]
    beside: set[str] = field(default_factory=set)


def chip_id(name: str, folder: str) -> str:
    """A chip's id: its folder's or label file's name less the name of the folder holding it,
    which STAC catalogues put first (`<P>_source/<P>_source_d536c/` and
    `<P>_labels_train/<P>_labels_train_d536c/` are chip `d536c`); else the name, lower case
    (Cloud Cover's `train_features/adwp/` and `train_labels/adwp.tif`)."""
    lower, prefix = name.lower(), folder.lower()
    rest = lower[len(prefix):].lstrip(_SEPARATORS) if lower.startswith(prefix) else ""
    return rest or lower


def chip_bands(folder: Folder) -> dict[str, Path] | None:
    """band -> file of a chip folder: two or more files, each named by one band word beside the
    words all of them share (`B02.tif`, `B8A.tif`; BigEarthNet's `<patch>_B01.tif`); None for
    any other folder."""
    if len(folder.files) < 2 or folder.named_mask or not folder_names_a_band(stem(folder.files[0])):
        return None  # the first file names no band: a folder of photos or masks, told without the others
    found: dict[str, Path] = {}
    for path, own in zip(folder.files, added_words([words(stem(path)) for path in folder.files])):
        if len(own) != 1 or not names_a_band(own[0]) or own[0] in found:
            return None
        found[own[0]] = path
    return found


def band_chips(folders: list[Folder], root: Path, bands: tuple[str, ...] | None,
               chosen_images: Callable[[Folder], bool], chosen_masks: Callable[[Folder], bool]) -> ChipSearch:
    """The folders of two or more chip folders (`chip_bands`) among `folders`, each chip one image
    of the bands `bands` names (None: those at least half the chips hold), paired by chip id with
    the label source naming the most of them (`_best_source`); chips that no label source names
    are left to the other layouts, so that no route is offered that ends in no pairs. A chip
    lacking one of the bands is left out, its label a finding naming the chip and the band. The
    files of the chip folders and of the label sources naming them that no image or label reads
    are listed as ignored.

    Raises:
        DataError: `bands` names a band no chip holds; two label sources name as many chips; the
            bands of a chip differ in size (naming the files, and the `--bands` of one size).
    """
    found = ChipSearch()
    groups: dict[Path, dict[str, _Chip]] = {}
    for folder in folders:
        held = chip_bands(folder) if chosen_images(folder) else None
        if held is not None:
            groups.setdefault(folder.path.parent, {})[chip_id(folder.path.name, folder.path.parent.name)] = \
                _Chip(folder, held)
    groups = {parent: chips for parent, chips in groups.items() if len(chips) > 1 and _share_bands(chips)}
    if not groups:
        return found
    chip_folders = {chip.folder.path for chips in groups.values() for chip in chips.values()}
    sources = _label_sources([f for f in folders if f.path not in chip_folders and chosen_masks(f)])
    read: set[Path] = set()
    for parent, chips in groups.items():
        naming = [source for source in sources if len(source.labels.keys() & chips.keys()) > 1]
        source = _best_source(naming, chips, root, parent)
        if source is None:
            continue  # chips no labels name (OSCD's dates, labelled per city): other layouts report them
        order = _read_bands(chips, bands, root, parent)
        found.claimed |= {chip.folder.path for chip in chips.values()} | {
            s.folders[key] for s in naming for key in s.folders.keys() & chips.keys()}
        read |= _read_chips(parent, chips, order, source, root, found)
    found.ignored = [path for folder in folders if folder.path in found.claimed for path in folder.files
                     if path not in read]
    return found


def _share_bands(chips: dict[str, _Chip]) -> bool:
    """Whether two bands or more are each held by more than half the chips: chips of one sensor
    share their band names, while folders of photos whose names happen to read as bands
    (e-ophtha's `E0000404/C0001273.jpg`, `C0001274.jpg`, a number per photo) share none."""
    held = Counter(band for chip in chips.values() for band in chip.bands)
    return sum(2 * n > len(chips) for n in held.values()) >= 2


@dataclass(frozen=True)
class _Chip:
    """A chip folder and its band files, band -> file."""

    folder: Folder
    bands: dict[str, Path]


def _label_sources(folders: list[Folder]) -> list[_LabelSource]:
    """Each folder as a source of files named after chips (`train_labels/<chip>.tif`), and each
    folder holding folders of image files as a source of a folder per chip, the label in it its
    one file or its one file named for labels (`one_mask`: `raster_labels.tif`)."""
    sources: list[_LabelSource] = []
    by_parent: dict[Path, list[Folder]] = {}
    for folder in (f for f in folders if f.files):
        source = _LabelSource(folder.path, {}, {}, {})
        for path in folder.files:
            key = chip_id(stem(path), folder.path.name)
            source.labels[key], source.names[key], source.folders[key] = path, stem(path).lower(), folder.path
        sources.append(source)
        by_parent.setdefault(folder.path.parent, []).append(folder)
    for parent, below in by_parent.items():
        source = _LabelSource(parent, {}, {}, {chip_id(f.path.name, parent.name): f.path for f in below})
        for folder in below:
            label = one_mask(folder.files)
            if label is not None:
                key = chip_id(folder.path.name, parent.name)
                source.labels[key], source.names[key] = label, folder.path.name.lower()
                source.beside |= {p.name for p in folder.files if p != label}
        sources.append(source)
    return sources


def _best_source(sources: list[_LabelSource], chips: dict[str, _Chip], root: Path,
                 parent: Path) -> _LabelSource | None:
    """The source of labels naming the most chips, among those named for labels or whose files
    look like masks; on a tie the one naming more chips by their whole names (BigEarthNet's
    `<tile>_<patch>` in each tile's reference maps). None when no such source names two chips.

    Raises:
        DataError: two sources name as many chips, alike.
    """
    def rank(source: _LabelSource) -> tuple[int, int]:
        ids = source.labels.keys() & chips.keys()
        return len(ids), sum(source.names[key] == chips[key].folder.path.name.lower() for key in ids)

    labelled = sorted((s for s in sources if _holds_labels(s)), key=rank, reverse=True)
    if len(labelled) > 1 and rank(labelled[0]) == rank(labelled[1]):
        shown = " and ".join(folder_label(s.folder, root) for s in labelled[:2])
        raise DataError(f"'{root}': {shown} both name {rank(labelled[0])[0]} chip folders of "
                        f"{folder_label(parent, root)} after their chip; name the labels with --masks, e.g. "
                        f"--masks {labelled[0].folder.relative_to(root).as_posix()}")
    return labelled[0] if labelled else None


def _holds_labels(source: _LabelSource) -> bool:
    """Whether a source's folders or label files are named for labels (`train_labels/`,
    `raster_labels.tif`), or its first files look like masks (BigEarthNet's reference maps)."""
    first = next(iter(source.labels.values()), None)
    if first is None:
        return False
    if any(looks_like_mask_folder(name) for name in (source.folder.name, first.parent.name, stem(first))):
        return True
    return looks_like_masks(Folder(source.folder, list(source.labels.values())[:2], None, False, False, ()))


def _read_bands(chips: dict[str, _Chip], bands: tuple[str, ...] | None, root: Path, parent: Path) -> list[str]:
    """The bands read from each chip: `bands` as given, or those at least half the chips hold in
    their natural order (`band_order`: B01, ..., B08, B8A, B09; red, green, blue first).

    Raises:
        DataError: a band of `bands` that no chip holds; bands of one chip that differ in size.
    """
    held = Counter(band for chip in chips.values() for band in chip.bands)
    if bands is not None:
        unknown = [band for band in bands if band not in held]
        if unknown:
            raise DataError(f"--bands {','.join(bands)}: no chip folder of {folder_label(parent, root)} holds "
                            f"{', '.join(unknown)}; they hold {', '.join(sorted(held, key=band_order))}")
        order = list(bands)
    else:
        order = sorted((band for band, n in held.items() if 2 * n >= len(chips)), key=band_order)
    complete = next((chip for chip in chips.values() if all(band in chip.bands for band in order)), None)
    if complete is not None:
        _same_size({band: complete.bands[band] for band in order}, root)
    return order


def _same_size(files: dict[str, Path], root: Path) -> None:
    """Check that a chip's band files are of one size: bands of 10, 20 and 60 m (BigEarthNet's
    120, 60 and 20 pixels a side) are not resampled to one, but refused, naming the files.

    Raises:
        DataError: files of several sizes, with the `--bands` that reads those of the largest.
    """
    sizes: dict[tuple[int, ...], list[tuple[str, Path]]] = {}
    for band, path in files.items():
        try:
            sizes.setdefault(read_image(path).shape[:2], []).append((band, path))
        except DataError:  # said by the scan, for this file as for any other
            return
    if len(sizes) < 2:
        return
    by_size = sorted(sizes.items(), key=lambda item: -item[0][0] * item[0][1])
    shown = "; ".join(f"{h}x{w}: {', '.join(p.name for _, p in found)}" for (h, w), found in by_size)
    largest = by_size[0][1]
    route = (f"read those of one size, e.g. --bands {','.join(_spelled(p, b) for b, p in largest)}, or "
             if len(largest) > 1 else "")
    chip = folder_label(next(iter(files.values())).parent, root)
    raise DataError(f"the band files of chip '{chip}' differ in size ({shown}); seglab "
                    f"stacks bands of one size: {route}resample them to one grid first (gdalwarp -tr, rasterio)")


def _spelled(path: Path, band: str) -> str:
    """A band file's band as its name spells it (`B8A` of `B8A.tif`, of `<patch>_B8A.tif`)."""
    return next((word for word in re.split(r"[^A-Za-z0-9]+", stem(path)) if word.lower() == band), band)


def _read_chips(parent: Path, chips: dict[str, _Chip], order: list[str], source: _LabelSource | None, root: Path,
                found: ChipSearch) -> set[Path]:
    """Add one folder of chip folders to `found`: a match whose pairs are each chip's first band
    file with its label, its other bands the further channels (`FolderMatch.channels`), and the
    chips without a label to `found.unlabelled`. Returns the files so read."""
    spelled = {band: _spelled(path, band) for chip in chips.values() for band, path in chip.bands.items()}
    labels = source.labels if source is not None else {}
    pairs, channels, problems, unlabelled, read = [], {}, [], [], set()
    for key, chip in sorted(chips.items()):
        label = labels.get(key)
        lacking = [spelled[band] for band in order if band not in chip.bands]
        if lacking:
            kept = ",".join(spelled[band] for band in order if band in chip.bands)
            message = (f"chip '{folder_label(chip.folder.path, root)}' has no band file {', '.join(lacking)}, which "
                       f"the other chips have; the chip is left out (--bands {kept} reads it)")
            if label is None:
                logger.warning("%s: %s", root, message)
            else:
                problems.append(Problem(label, message, "mask-without-image"))
            continue
        files = [chip.bands[band] for band in order]
        read.update(files)
        if label is None:
            unlabelled.append(files[0])
        else:
            read.add(label)
            pairs.append((key, files[0], label))
            channels[key] = tuple(files[1:])
    found.unlabelled += unlabelled
    names = [spelled[band] for band in order]
    beside = sorted(source.beside) if source is not None else []
    logger.info("%s: %s holds %d chip folders of band files, each one image of %d channels (%s)%s%s%s", root,
                folder_label(parent, root), len(chips), len(order), ", ".join(names),
                f", paired with the labels in {folder_label(source.folder, root)} by chip" if source else "",
                f" ({', '.join(beside)} beside each label left out, listed as ignored)" if beside else "",
                f"; {len(unlabelled)} chips without a label are unlabelled images" if unlabelled else "")
    if pairs and source is not None:
        rule = KeyRule("chip id (a chip folder's name, less its folder's, names its label)",
                       lambda path: chip_id(stem(path), path.parent.name) if path.parent == source.folder
                       else chip_id(path.parent.name, path.parent.parent.name),
                       lambda path: chip_id(path.parent.name, path.parent.parent.name))
        found.matches.append(FolderMatch(parent, source.folder, chips[pairs[0][0]].folder.split, rule, pairs,
                                         problems, channels=channels, band_files=tuple(names)))
    return read
