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
Which folders name the labels is `chip_label_sources`; which bands are read, and whether they
make one image, `chip_band_reading`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.discovery.band_words import names_a_band, numbers_bands
from seglab.data.discovery.channel_files import added_words, folder_names_a_band
from seglab.data.discovery.folders.chip_band_reading import read_bands, refuse_too_many_bands, spelled_band
from seglab.data.discovery.folders.chip_frames import chosen_frame, frame_count, frame_words
from seglab.data.discovery.folders.chip_label_sources import LabelSource, label_parts, label_sources, own_label_source
from seglab.data.discovery.folders.chip_labels import chip_labels
from seglab.data.discovery.folders.chip_scenes import Chip, chip_id, dated_scenes, described, reading_route
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.naming import KeyRule, folder_split, stem, words
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.index import Problem

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
    naming the most of them, or the sources of each split's (`chip_label_sources.label_parts`); chips that no label
    source names are left to the other layouts, so that no route is offered that ends in no pairs. A chip
    lacking one of the bands is left out, its label a finding naming the chip and the band. The
    files of the chip folders and of the label sources naming them that no image or label reads
    are listed as ignored. Band files that each hold a time series of their band (`chip_frames`)
    are read at `frame` (`--frame`), else at their middle frame.

    Raises:
        DataError: `bands` names a band no chip holds; two label sources name as many chips; the
            bands of a chip differ in size (naming the files, and the `--bands` of one size); they
            are more channels than an image may have (`chip_band_reading.refuse_too_many_bands`);
            `frame` past their last frame.
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
    sources = label_sources([f for f in folders if f.path not in chip_folders and chosen_masks(f)])
    sources += [own for parent, chips in groups.items() if (own := own_label_source(parent, chips)) is not None]
    read: set[Path] = set()
    for parent, chips in groups.items():
        naming = [source for source in sources if len(source.labels.keys() & chips.keys()) > 1]
        parts = label_parts(naming, chips, root, parent)
        if not parts:
            continue  # chips no labels name: other layouts report them
        order = read_bands(chips, bands, root, parent)
        refuse_too_many_bands(chips, order, root, parent)
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


def _read_chips(parent: Path, chips: dict[str, Chip], order: list[str], parts: list[LabelSource], root: Path,
                found: ChipSearch, frame: int | None) -> set[Path]:
    """Add one folder of chip folders to `found`: a match per source of labels in `parts` whose
    pairs are each chip's first band file with its label, its other bands (and a scene's date 2)
    the further channels (`FolderMatch.channels`), read at `frame` of band files holding a time
    series (`chip_frames.chosen_frame`), and the chips without a label to `found.unlabelled`.
    Returns the files so read."""
    spelled = {band: spelled_band(path, band) for chip in chips.values() for band, path in chip.bands.items()}
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
