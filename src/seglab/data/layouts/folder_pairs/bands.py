"""Image folders of one band each that pair with one mask folder, stacked as one image's channels;
and the bands `--bands` names read from a sample's band files (`discovery.band_files`)."""

from __future__ import annotations

import logging
import shlex
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.channel_files import band_folders, band_order, date_order, telling_names
from seglab.data.files.index import Problem
from seglab.data.files.io import channel_count
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.discovery.naming.split_words import every_split
from seglab.errors import DataError

logger = logging.getLogger(__name__)


def stack_band_folders(root: Path, matches: list[FolderMatch]) -> list[FolderMatch]:
    """Image folders that pair with one mask folder and hold one band each (38-Cloud's
    `train_red/` ... `train_nir/` with `train_gt/`, single-channel files named `red_patch_...`),
    or colour images in one and a band each in the others (`rgb/` + `nir/`), as one match whose
    images' channels are their files: the colour image's, then red, green and blue, then the
    other bands in name order. An image is paired when every folder has its file; a mask whose
    image lacks a band says which. A folder of one channel joins only when the word its name
    adds names a band (`band_words.names_a_band`): NuInsSeg's `distance maps/` beside `tissue
    images/` are drawn from the labels, and would leak them into the input. Folders named by
    numbers alone are channels in number order (BrainMetShare's `Mets_005/0/` ... `3/`, an MR
    sequence each, beside `seg/`). Two or more folders
    of multi-channel images that share masks (ISPRS Potsdam's RGB and IRRG renderings) stay
    apart (`settle_shared_masks`), unless they are two named as the dates of one scene
    (LEVIR-CD's `A/` and `B/` with `label/`: `channel_files.date_order`), whose change masks need
    both: date 1's channels, then date 2's. Bands stacked onto colour images (Pothole-440's
    `depth/` beside `rgb/`) are said in a warning, with the --images that reads the colour alone."""
    by_masks: dict[tuple[Path, str | None], list[FolderMatch]] = {}
    for match in matches:
        by_masks.setdefault((match.mask_dir, match.split), []).append(match)
    stacked, dated, onto_colour = [], [], []
    for group in by_masks.values():
        if len(group) < 2 or any(not m.pairs or m.channels or m.mask_dir == m.image_dir for m in group) \
                or not _same_images(group):
            stacked += group
            continue
        counts = {m.image_dir: channel_count(m.pairs[0][1]) for m in group}
        colour = all(c is not None and c > 1 for c in counts.values())
        dates = date_order(telling_names([m.image_dir for m in group]), colour)  # Hi-UCD's image/2017/9/, 2018/9/
        ordered = [group[i] for i in dates] if dates else _in_band_order(group, counts)
        if ordered is None:
            stacked += group
            continue
        stacked.append(_stacked(root, ordered, bool(dates)))
        if dates:
            dated.append(stacked[-1])
        elif (counts[ordered[0].image_dir] or 0) > 1:
            onto_colour.append((stacked[-1], sum(counts[m.image_dir] or 0 for m in ordered)))
    if dated:
        first, second = dated[0].image_dir, dated[0].channel_dirs[0]
        logger.info("%s: %s and %s hold one scene at two dates (change detection): each mask's image is both, "
                    "date 1's channels then date 2's, in %d folder pair(s) "
                    "(docs/data.md#change-detection-two-dates-of-one-scene)",
                    root, folder_label(first, root), folder_label(second, root), len(dated))
    if onto_colour:
        match, channels = onto_colour[0]
        logger.warning("%s: %s stacked onto the colour images of %s as further channels (%d channels an image, in %d "
                       "folder pair(s)); --images %s reads the colour images alone", root,
                       ", ".join(folder_label(d, root) for d in match.channel_dirs), folder_label(match.image_dir, root),
                       channels, len(onto_colour), shlex.quote(every_split(match.image_dir.name)))
    return stacked


def read_sample_bands(root: Path, matches: list[FolderMatch], bands: tuple[str, ...] | None
                      ) -> tuple[list[FolderMatch], list[Path]]:
    """`matches` whose images are each a sample's band files (WeedsGalore's `<sample>_R.png`, ...,
    `_RE.png`: `FolderMatch.sample_bands`) reading the bands `bands` names, lower case, in that order
    (`--bands NIR,R,G`); and the band files so left out, to list as ignored. None: every band.

    Raises:
        DataError: a band of `bands` that the samples have no file of, naming those they have.
    """
    if bands is None:
        return matches, []
    read, left = [], []
    for match in matches:
        held = [band.lower() for band in match.sample_bands]
        if not held:
            read.append(match)
            continue
        unknown = [band for band in bands if band not in held]
        if unknown:
            raise DataError(f"--bands {','.join(bands)}: the samples of {folder_label(match.image_dir, root)} have no "
                            f"band file {', '.join(unknown)}; they have {', '.join(match.sample_bands)}")
        order = [held.index(band) for band in bands]
        pairs, channels = [], {}
        for key, image, mask in match.pairs:
            files = (image, *match.channels[key])
            first, *rest = (files[k] for k in order)
            pairs.append((key, first, mask))
            channels[key] = tuple(rest)
            left += [files[k] for k in range(len(files)) if k not in order]
        read.append(replace(match, pairs=pairs, channels=channels,
                            sample_bands=tuple(match.sample_bands[k] for k in order)))
    return read, left


def _in_band_order(group: list[FolderMatch], counts: dict[Path, int | None]) -> list[FolderMatch] | None:
    """The folders as bands (`channel_files.band_folders`), the colour image's first, then red,
    green, blue and the others by name; None when they are no bands of one image (names that add
    no band word, several folders of colour images, a file that cannot be read)."""
    if not band_folders([m.image_dir.name for m in group], [counts[m.image_dir] for m in group]):
        return None
    return sorted(group, key=lambda m: (counts[m.image_dir] == 1, band_order(m.image_dir.name)))


def _stacked(root: Path, ordered: list[FolderMatch], dates: bool) -> FolderMatch:
    """One match of the first folder's pairs whose images take the others' files (bands, or
    date 2 when `dates`) as further channels; a mask whose image lacks one of them is left out,
    naming the folder (a problem)."""
    first, *rest = ordered
    file_kind = "date-2" if dates else "band"
    files = [{key: image for key, image, _ in m.pairs} for m in rest]
    pairs, channels, problems = [], {}, []
    for key, image, mask in first.pairs:
        lacking = [m.image_dir for m, found in zip(rest, files) if key not in found]
        if lacking:
            where = ", ".join(folder_label(d, root) for d in lacking)
            problems.append(Problem(mask, f"mask's image has no {file_kind} file in {where} (its file in "
                                    f"{folder_label(first.image_dir, root)} is '{image.name}'); the pair is left out",
                                    "mask-without-image"))
        else:
            pairs.append((key, image, mask))
            channels[key] = tuple(found[key] for found in files)
    # the first folder's lonely masks stand for every folder's
    problems += [p for m in rest for p in m.problems if p.code != "mask-without-image"]
    return replace(first, pairs=pairs, problems=first.problems + problems, channels=channels,
                   channel_dirs=tuple(m.image_dir for m in rest), dates=dates)


def _same_images(group: list[FolderMatch]) -> bool:
    """Whether the folders hold files of the same images, as bands do (most pair with the same
    masks), rather than sharing out the images of one mask folder (Lizard's `Lizard_Images1/`
    and `Lizard_Images2/`)."""
    return all(_mostly_same(group[0], other) for other in group[1:])


def _mostly_same(one: FolderMatch, other: FolderMatch) -> bool:
    """Whether two matches pair the same images: half the keys of the smaller at least."""
    keys, others = {key for key, _, _ in one.pairs}, {key for key, _, _ in other.pairs}
    return len(keys & others) >= 0.5 * min(len(keys), len(others))
