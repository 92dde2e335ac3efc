"""Chip folders of band files: a folder per chip holding a raster per band, as remote-sensing
datasets ship them. DrivenData's Cloud Cover: `train_features/<chip>/B02.tif` ... `B08.tif` beside
`train_labels/<chip>.tif`; AgriFieldNet's STAC catalogue: `<P>_source/<P>_source_<chip>/B01.tif` ...
`B12.tif` beside `<P>_labels_train/<P>_labels_train_<chip>/raster_labels.tif` and `field_ids.tif`;
BigEarthNet's `<tile>/<tile>_<patch>/<tile>_<patch>_B01.tif` ... `_B12.tif`; OSCD's scenes, a folder
per city of its two dates' chip folders (`chip_scenes`), labelled per city.

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

from seglab.data.discovery.band_words import names_a_band, numbers_bands
from seglab.data.discovery.channel_files import added_words, band_order, folder_names_a_band
from seglab.data.discovery.folders.chip_scenes import (
    Chip,
    band_sizes,
    chip_id,
    dated_scenes,
    described,
    reading_route,
)
from seglab.data.discovery.folders.chip_frames import chosen_frame, frame_count, frame_words
from seglab.data.discovery.folders.chip_labels import chip_labels, own_labels
from seglab.data.discovery.folders.content import looks_like_masks
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.per_image import one_mask
from seglab.data.discovery.naming import KeyRule, folder_split, looks_like_mask_folder, stem, words
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.channels import MAX_CHANNELS
from seglab.data.files.index import Problem
from seglab.errors import DataError

logger = logging.getLogger(__name__)


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


def chip_bands(folder: Folder) -> dict[str, Path] | None:
    """band -> file of a chip folder: two or more files, each named by one band word beside the
    words all of them share (`B02.tif`, `B8A.tif`; BigEarthNet's `<patch>_B01.tif`), or by a
    number that a shared word makes a band (Contrails' `band_08.npy` ... `band_16.npy`, as
    `band08` would be); files named for labels beside them are the chip's own (`chip_labels`:
    Contrails' `human_pixel_masks.npy`). None for any other folder."""
    if len(folder.files) < 2 or folder.named_mask:
        return None
    labels = set(chip_labels(folder.files))  # once: a folder of 40,000 photos is no chip, told at its first file
    files = [path for path in folder.files if path not in labels]
    if len(files) < 2 or not folder_names_a_band(stem(files[0])):
        return None  # the first file names no band: a folder of photos or masks, told without the others
    named = [words(stem(path)) for path in files]
    shared = set.intersection(*map(set, named))
    found: dict[str, Path] = {}
    for path, own in zip(files, added_words(named)):
        band = own[0] if len(own) == 1 else ""
        if not (names_a_band(band) or any(numbers_bands(word, band) for word in shared)) or band in found:
            return None
        found[band] = path
    return found


def band_chips(folders: list[Folder], root: Path, bands: tuple[str, ...] | None,
               chosen_images: Callable[[Folder], bool], chosen_masks: Callable[[Folder], bool],
               frame: int | None = None) -> ChipSearch:
    """The folders of two or more chip folders (`chip_bands`) among `folders`, each chip one image
    of the bands `bands` names (None: those at least half the chips hold), or of two or more scene
    folders of two dates each (`chip_scenes.dated_scenes`: OSCD's `<city>/imgs_1_rect/` and
    `imgs_2_rect/`), each scene one image of both dates, paired by chip id with the label source
    naming the most of them, or the sources of each split's (`_label_parts`); chips that no label
    source names are left to the other layouts, so that no route is offered that ends in no pairs. A chip
    lacking one of the bands is left out, its label a finding naming the chip and the band. The
    files of the chip folders and of the label sources naming them that no image or label reads
    are listed as ignored. Band files that each hold a time series of their band (`chip_frames`)
    are read at `frame` (`--frame`), else at their middle frame.

    Raises:
        DataError: `bands` names a band no chip holds; two label sources name as many chips; the
            bands of a chip differ in size (naming the files, and the `--bands` of one size); they
            are more channels than an image may have (`_fits`); `frame` past their last frame.
    """
    found = ChipSearch()
    chosen = [folder for folder in folders if chosen_images(folder)]
    groups: dict[Path, dict[str, Chip]] = {}
    for folder in chosen:
        held = chip_bands(folder)
        if held is not None:
            groups.setdefault(folder.path.parent, {})[chip_id(folder.path.name, folder.path.parent.name)] = \
                Chip(folder, held)
    groups = {parent: chips for parent, chips in groups.items() if len(chips) > 1 and _share_bands(chips)}
    groups, dates = dated_scenes(groups, chosen)
    groups = {parent: chips for parent, chips in groups.items() if len(chips) > 1}
    if not groups:
        return found
    chip_folders = {path for chips in groups.values() for path in _folders_of(chips, dates)}
    sources = _label_sources([f for f in folders if f.path not in chip_folders and chosen_masks(f)])
    sources += [own for parent, chips in groups.items() if (own := _own_labels(parent, chips)) is not None]
    read: set[Path] = set()
    for parent, chips in groups.items():
        naming = [source for source in sources if len(source.labels.keys() & chips.keys()) > 1]
        parts = _label_parts(naming, chips, root, parent)
        if not parts:
            continue  # chips no labels name: other layouts report them
        order = _read_bands(chips, bands, root, parent)
        _fits(chips, order, root, parent)
        found.claimed |= _folders_of(chips, dates) | {
            s.folders[key] for s in naming for key in s.folders.keys() & chips.keys()}
        read |= _read_chips(parent, chips, order, parts, root, found, frame)
    found.ignored = [path for folder in folders if folder.path in found.claimed for path in folder.files
                     if path not in read]
    return found


def _folders_of(chips: dict[str, Chip], dates: dict[Path, set[Path]]) -> set[Path]:
    """The folders holding `chips`' files: each chip folder, or a scene's folders of its dates (`dated_scenes`)."""
    return {path for chip in chips.values() for path in dates.get(chip.folder.path, {chip.folder.path})}


def _share_bands(chips: dict[str, Chip]) -> bool:
    """Whether two bands or more are each held by more than half the chips: chips of one sensor
    share their band names, while folders of photos whose names happen to read as bands
    (e-ophtha's `E0000404/C0001273.jpg`, `C0001274.jpg`, a number per photo) share none."""
    held = Counter(band for chip in chips.values() for band in chip.bands)
    return sum(2 * n > len(chips) for n in held.values()) >= 2


def _label_sources(folders: list[Folder]) -> list[_LabelSource]:
    """Each folder as a source of files named after chips (`train_labels/<chip>.tif`), each folder
    holding folders of image files as a source of a folder per chip, the label in it its one file
    or its one file named for labels (`one_mask`: `raster_labels.tif`), and each folder holding
    folders that hold one such folder each as a source of a folder per scene (OSCD's `Train
    Labels/<city>/cm/`), the label in it as in a folder per chip or named as its folder (`cm.png`)."""
    sources: list[_LabelSource] = []
    by_parent: dict[Path, list[Folder]] = {}
    for folder in (f for f in folders if f.files):
        source = _LabelSource(folder.path, {}, {}, {})
        for path in folder.files:
            key = chip_id(stem(path), folder.path.name)
            source.labels[key], source.names[key], source.folders[key] = path, stem(path).lower(), folder.path
        sources.append(source)
        by_parent.setdefault(folder.path.parent, []).append(folder)
    scenes: dict[Path, _LabelSource] = {}
    for parent, below in by_parent.items():
        source = _LabelSource(parent, {}, {}, {chip_id(f.path.name, parent.name): f.path for f in below})
        for folder in below:
            _add_label(source, chip_id(folder.path.name, parent.name), folder.path.name, folder, one_mask(folder.files))
        sources.append(source)
        if len(below) == 1:
            scene = scenes.setdefault(parent.parent, _LabelSource(parent.parent, {}, {}, {}))
            key = chip_id(parent.name, parent.parent.name)
            scene.folders[key] = below[0].path
            _add_label(scene, key, parent.name, below[0], _named_as_folder(below[0]))
    return sources + list(scenes.values())


def _own_labels(parent: Path, chips: dict[str, Chip]) -> _LabelSource | None:
    """The labels chip folders hold beside their bands (`chip_labels.own_labels`) as a source of a
    folder per chip, the other files named for labels beside them; None where they hold none."""
    labels = own_labels(chips)
    if not labels:
        return None
    source = _LabelSource(parent, {}, {}, {key: chips[key].folder.path for key in labels})
    for key, label in labels.items():
        _add_label(source, key, chips[key].folder.path.name,
                   Folder(label.parent, chip_labels(chips[key].folder.files), None, False, False, ()), label)
    return source


def _add_label(source: _LabelSource, key: str, name: str, folder: Folder, label: Path | None) -> None:
    """Add the label of chip `key` (by `name`) in its own `folder`, if any, to `source`, and the
    names of the files beside it."""
    if label is not None:
        source.labels[key], source.names[key] = label, name.lower()
        source.beside |= {p.name for p in folder.files if p != label}


def _named_as_folder(folder: Folder) -> Path | None:
    """The label of a folder of one scene's labels: its `one_mask`, else its one file named as the
    folder (OSCD's `cm/cm.png` beside `<city>-cm.tif`, the same change in values 1 and 2)."""
    named = [p for p in folder.files if stem(p).lower() == folder.path.name.lower()]
    return one_mask(folder.files) or (named[0] if len(named) == 1 else None)


def _label_parts(sources: list[_LabelSource], chips: dict[str, Chip], root: Path,
                 parent: Path) -> list[_LabelSource]:
    """The source of labels naming the most chips, among those named for labels or whose files
    look like masks; on a tie the one naming more chips by their whole names (BigEarthNet's
    `<tile>_<patch>` in each tile's reference maps). Empty when no such source names two chips.
    With it, the sources of other splits' labels of other chips, named alike and named for
    splits, are parts of one labelling (OSCD's `Train Labels/<city>/cm/cm.png` and `Test
    Labels/...`); a source of other labels of other chips is not (AgriFieldNet's `<P>_labels_test/`,
    whose `field_ids.tif` are no `raster_labels.tif`).

    Raises:
        DataError: two sources name as many chips, alike.
    """
    def rank(source: _LabelSource) -> tuple[int, int]:
        ids = source.labels.keys() & chips.keys()
        return len(ids), sum(source.names[key] == chips[key].folder.path.name.lower() for key in ids)

    labelled = sorted((s for s in sources if _holds_labels(s)), key=rank, reverse=True)
    if not labelled:
        return []
    parts = [labelled[0]]
    for other in labelled[1:]:
        if _other_split(other, parts):
            parts.append(other)
    rivals = [s for s in labelled if s not in parts]
    if rivals and rank(rivals[0]) == rank(labelled[0]):
        shown = " and ".join(folder_label(s.folder, root) for s in (labelled[0], rivals[0]))
        raise DataError(f"'{root}': {shown} both name {rank(labelled[0])[0]} chip folders of "
                        f"{folder_label(parent, root)} after their chip; name the labels with --masks, e.g. "
                        f"--masks {labelled[0].folder.relative_to(root).as_posix()}")
    return parts


def _other_split(source: _LabelSource, parts: list[_LabelSource]) -> bool:
    """Whether `source` labels a split of its own, other chips than `parts` do, in files named as theirs."""
    split = folder_split(source.folder.name)
    return split is not None and all(
        folder_split(part.folder.name) not in (None, split) and not part.labels.keys() & source.labels.keys()
        and {p.name for p in part.labels.values()} == {p.name for p in source.labels.values()} for part in parts)


def _holds_labels(source: _LabelSource) -> bool:
    """Whether a source's folders or label files are named for labels (`train_labels/`,
    `raster_labels.tif`), or its first files look like masks (BigEarthNet's reference maps)."""
    first = next(iter(source.labels.values()), None)
    if first is None:
        return False
    if any(looks_like_mask_folder(name) for name in (source.folder.name, first.parent.name, stem(first))):
        return True
    return looks_like_masks(Folder(source.folder, list(source.labels.values())[:2], None, False, False, ()))


def _read_bands(chips: dict[str, Chip], bands: tuple[str, ...] | None, root: Path, parent: Path) -> list[str]:
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
    sizes = band_sizes(files)
    if sizes is None:  # said by the scan, for this file as for any other
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


def _fits(chips: dict[str, Chip], order: list[str], root: Path, parent: Path) -> None:
    """Check that the bands read of a chip, of both dates for a scene, are no more channels than
    an image may have (OSCD's 13 bands a date are 26).

    Raises:
        DataError: too many, with the `--bands` of as many as fit and the scenes' other readings.
    """
    chip = next(iter(chips.values()))
    dates = 2 if chip.dates else 1
    if "" in order or len(order) * dates <= MAX_CHANNELS:
        return
    fit = MAX_CHANNELS // dates
    spelled = [_spelled(chip.bands[band], band) if band in chip.bands else band for band in order[:fit]]
    held = f"scenes of {folder_label(parent, root)} hold {len(order)} bands a date" if chip.dates else \
        f"chips of {folder_label(parent, root)} hold {len(order)} bands"
    lighter = [reading_route(other) for other in chip.others if "" in other.bands]  # pictures: a few channels
    raise DataError(f"'{root}': the {held}, {len(order) * dates} channels an image, and seglab reads at most "
                    f"{MAX_CHANNELS}: read {fit} bands at most, e.g. --bands {','.join(spelled)}"
                    + "".join(f", or {route}" for route in lighter))


def _spelled(path: Path, band: str) -> str:
    """A band file's band as its name spells it (`B8A` of `B8A.tif`, of `<patch>_B8A.tif`)."""
    return next((word for word in re.split(r"[^A-Za-z0-9]+", stem(path)) if word.lower() == band), band)


def _read_chips(parent: Path, chips: dict[str, Chip], order: list[str], parts: list[_LabelSource], root: Path,
                found: ChipSearch, frame: int | None) -> set[Path]:
    """Add one folder of chip folders to `found`: a match per source of labels in `parts` whose
    pairs are each chip's first band file with its label, its other bands (and a scene's date 2)
    the further channels (`FolderMatch.channels`), read at `frame` of band files holding a time
    series (`chip_frames.chosen_frame`), and the chips without a label to `found.unlabelled`.
    Returns the files so read."""
    spelled = {band: _spelled(path, band) for chip in chips.values() for band, path in chip.bands.items()}
    pairs: dict[Path, list[tuple[str, Path, Path]]] = {source.folder: [] for source in parts}
    problems: dict[Path, list[Problem]] = {source.folder: [] for source in parts}
    channels, unlabelled, read = {}, [], set()
    for key, chip in sorted(chips.items()):
        source = next((s for s in parts if key in s.labels), None)
        lacking = [spelled[band] for band in order if band not in chip.bands or chip.dates and band not in chip.later]
        if lacking:
            kept = ",".join(spelled[band] for band in order if band in chip.bands)
            message = (f"chip '{folder_label(chip.folder.path, root)}' has no band file {', '.join(lacking)}, which "
                       f"the other chips have; the chip is left out (--bands {kept} reads it)")
            if source is None:
                logger.warning("%s: %s", root, message)
            else:
                problems[source.folder].append(Problem(source.labels[key], message, "mask-without-image"))
            continue
        files = [chip.bands[band] for band in order] + ([chip.later[band] for band in order] if chip.dates else [])
        read.update(files)
        if source is None:
            unlabelled.append(files[0])
        else:
            read.add(source.labels[key])
            pairs[source.folder].append((key, files[0], source.labels[key]))
            channels[key] = tuple(files[1:])
    found.unlabelled += unlabelled
    first = next(iter(chips.values()))
    complete = next((c for c in chips.values() if all(band in c.bands for band in order)), first)
    frames = frame_count([complete.bands[band] for band in order if band in complete.bands])
    frame = chosen_frame(frame, frames, folder_label(parent, root)) if frames > 1 else None
    names = [spelled[band] for band in order]
    beside = sorted({name for source in parts for name in source.beside})
    beside = beside if len(beside) <= 3 else [*beside[:3], f"{len(beside) - 3} more"]
    what = (f"scenes seen at two dates (change detection), each one image of its dates' channels, date 1's first "
            f"({described(first)})" if first.dates else
            f"chip folders of band files, each one image of {len(order)} channels ({', '.join(names)})"
            + (f" {frame_words(frame, frames)}" if frame is not None else ""))
    logger.info("%s: %s holds %d %s, paired with the labels in %s by %s%s%s%s", root, folder_label(parent, root),
                len(chips), what, " and ".join(folder_label(s.folder, root) for s in parts),
                "scene" if first.dates else "chip",
                f" ({', '.join(beside)} beside each label left out, listed as ignored)" if beside else "",
                f"; {len(unlabelled)} chips without a label are unlabelled images" if unlabelled else "",
                "".join(f"; {reading_route(other)}" for other in first.others))
    if first.dates:
        held = next(p for found_pairs in pairs.values() for p in found_pairs)
        names = [path.relative_to(chips[held[0]].folder.path).as_posix() for path in (held[1], *channels[held[0]])]
    for source in parts:
        if pairs[source.folder]:
            split = folder_split(source.folder.name) if len(parts) > 1 else first.folder.split
            found.matches.append(FolderMatch(parent, source.folder, split, _chip_rule(source.folder, parent, first),
                                             pairs[source.folder], problems[source.folder],
                                             channels={key: channels[key] for key, _, _ in pairs[source.folder]},
                                             band_files=tuple(names), dates=bool(first.dates),
                                             frame=frame, frames=frames))
    return read


def _chip_rule(labels: Path, chips: Path, chip: Chip) -> KeyRule:
    """The key rule of chips (or scenes, like `chip`) in the folder `chips` paired with labels in
    the folder `labels`: the chip id of the file or folder below each that holds the path (`_chip_of`)."""
    name = "scene (the name of the folder holding its dates names its labels')" if chip.dates else \
        "chip id (a chip folder's name, less its folder's, names its label)"
    return KeyRule(name, lambda path: _chip_of(path, labels), lambda path: _chip_of(path, chips))


def _chip_of(path: Path, holder: Path) -> str | None:
    """The chip id of a file in `holder` (`train_labels/<chip>.tif`), or of the folder below
    `holder` that holds it (`<chip>/B02.tif`, OSCD's `<city>/imgs_1_rect/B01.tif`); None for a
    file elsewhere."""
    if path.parent == holder:
        return chip_id(stem(path), holder.name)
    return chip_id(path.relative_to(holder).parts[0], holder.name) if holder in path.parents else None
