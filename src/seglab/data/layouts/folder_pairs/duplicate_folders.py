"""Image folders that pair with the same masks, so that no mask counts twice.

Copies in another file format are read once, renderings set aside; otherwise a refusal names
the flag that picks one.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

from seglab.data.discovery.channel_files import folder_names_a_band, telling_names
from seglab.data.discovery.folders import Folder, MaskSniffs
from seglab.data.layouts.folder_pairs.bands import _mostly_same
from seglab.data.files.index import list_images
from seglab.data.files.io import ARRAY_SUFFIXES
from seglab.data.discovery.naming import looks_like_image_folder, words
from seglab.data.discovery.naming.split_words import every_split
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.errors import DataError

logger = logging.getLogger(__name__)

# file-format words, originals and lossless first: the copy kept of pairs shipped in two formats
_FORMAT_WORDS = ("tif", "tiff", "png", "bmp", "gif", "jpg", "jpeg", "webp")


def _one_file_format(root: Path, matches: list[FolderMatch]) -> tuple[list[FolderMatch], list[Path]]:
    """Pairs shipped twice in two file formats, in folders named for them (CVC-ClinicDB's
    `PNG/Original/` + `PNG/Ground Truth/` beside `TIF/...`; the Massachusetts roads' `png/` and
    `tiff/`) or by a format word in their names (People Clothing Segmentation's `png_images/` +
    `png_masks/` beside `jpeg_images/` + `jpeg_masks/`, whose JPEG masks hold stray ids), read
    once: the copy in the first of `_FORMAT_WORDS`, the other set aside and logged. Two formats
    would count every image twice and let copies straddle the splits. Returns the matches kept
    and the files set aside."""
    by_place: dict[tuple[object, ...], list[tuple[str, str, FolderMatch]]] = {}
    for match in matches:
        if (found := _format_folder(root, match.image_dir)) is not None:
            by_place.setdefault(found[0], []).append((found[1], found[2], match))
    aside: list[FolderMatch] = []
    for copies in by_place.values():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda c: _FORMAT_WORDS.index(c[0]))
        kept = copies[0][2]
        for _, folder, other in copies[1:]:
            if _mostly_same(kept, other):
                aside.append(other)
                logger.info("%s holds the images of %s again in another file format; %s is read (--images %s reads "
                            "the other format)", folder_label(other.image_dir, root), folder_label(kept.image_dir, root),
                            folder_label(kept.image_dir, root), shlex.quote(folder))
    return [m for m in matches if not any(m is a for a in aside)], \
        [p for m in aside for path in (m.image_dir, m.mask_dir) for p in list_images(path, masks=True)]


def _format_folder(root: Path, image_dir: Path) -> tuple[tuple[object, ...], str, str] | None:
    """Where an image folder lies less its one folder named by a file format, alone or as a word
    (`png/`, `PNG Images/`, `jpeg_images/`): that place with the format word left out (the same for
    each format's copy), the format, and the format folder's path; None without exactly one."""
    parts = image_dir.relative_to(root).parts if image_dir.is_relative_to(root) else ()
    formats = [[w for w in words(part) if w in _FORMAT_WORDS] for part in parts]
    at = [i for i, found in enumerate(formats) if len(found) == 1]
    if len(at) != 1 or sum(map(len, formats)) != 1:
        return None
    i, word = at[0], formats[at[0]][0]
    rest = tuple(w for w in words(parts[i]) if w != word)
    return (parts[:i], rest, parts[i + 1:]), word, "/".join(parts[:i + 1])


def settle_shared_masks(root: Path, matches: list[FolderMatch],
                        is_masks: MaskSniffs) -> tuple[list[FolderMatch], list[Path]]:
    """Image folders whose images pair with the same masks, once bands are stacked: when one is
    named for images and the others name neither images nor bands, those are renderings
    (CoNSeP's `Overlay/` beside `Images/`, NuInsSeg's `distance maps/` beside `tissue images/`),
    set aside and logged with the flag that reads one; the matches kept and the files set aside.
    Folders that share out one mask folder between them (Lizard's `Lizard_Images1/` and
    `Lizard_Images2/`) are one dataset. `is_masks` judges whose files look like masks (the search's).

    Raises:
        DataError: otherwise (ISPRS Potsdam's `2_Ortho_RGB/` and `4_Ortho_RGBIR/` with
            `5_Labels_all/` would train and score every mask once per folder), the mask folder and
            its image folders, with the flag that picks one.
    """
    by_masks: dict[Path, list[FolderMatch]] = {}
    for match in matches:
        if match.pairs:
            by_masks.setdefault(match.mask_dir, []).append(match)
    aside: list[FolderMatch] = []
    for mask_dir, group in by_masks.items():
        masks = [mask for m in group for mask in {mask for _, _, mask in m.pairs}]  # one frame's renderings: once
        if len(set(masks)) == len(masks):
            continue
        # the folders' names, or those of the trees they lie in (MUSES' frame_camera/<split>/.../day/)
        telling = dict(zip((m.image_dir for m in group), telling_names([m.image_dir for m in group])))
        named = [m for m in group if looks_like_image_folder(telling[m.image_dir])]
        others = [m for m in group if m not in named]
        if len(named) == 1 and not any(folder_names_a_band(telling[m.image_dir]) for m in others):
            aside += others
            for other in others:
                logger.info("%s holds pictures or maps of the images in %s (its name says neither images nor a band); "
                            "not read as images (--images %s reads them)", folder_label(other.image_dir, root),
                            folder_label(named[0].image_dir, root), shlex.quote(telling[other.image_dir]))
            continue
        pictures = [m for m in group if _holds_pictures(m, is_masks)]
        if len(pictures) == 1:  # AI4Mars' images/mxy/ and rng-30m/ beside images/edr/: the rover's and range's masks
            aside += [m for m in group if m is not pictures[0]]
            logger.info("%s: %s hold masks of another kind, not images: not read as images (--images %s reads them)",
                        folder_label(mask_dir, root), ", ".join(folder_label(m.image_dir, root) for m in group
                                                                 if m is not pictures[0]),
                        shlex.quote(next(m for m in group if m is not pictures[0]).image_dir.name))
            continue
        image_dirs = [m.image_dir for m in group]
        listed = ", ".join(folder_label(d, root) for d in image_dirs)
        if len(pictures) == len(group) and is_masks.unlike(Folder(mask_dir, sorted(set(masks)), None, False, False, ())):
            _refuse_picture_masks(root, mask_dir, image_dirs)
        example = telling[min(group, key=lambda m: _likely_images(m, telling[m.image_dir])).image_dir]
        raise DataError(f"'{root}': the masks of {folder_label(mask_dir, root)} pair with the images of {len(image_dirs)} "
                        f"folders ({listed}), so each mask would count {len(image_dirs)} times; name the images "
                        f"to use: --images {shlex.quote(every_split(example))} (folders of one band each, "
                        "or one of colour images and others of one band, are read as the channels of one image: "
                        "docs/encodings.md#bands-in-separate-folders)")
    kept = [m for m in matches if not any(m is a for a in aside)]
    return kept, [p for m in aside for p in list_images(m.image_dir)]


def _refuse_picture_masks(root: Path, mask_dir: Path, image_dirs: list[Path]) -> None:
    """Stop where the one folder that pairs with several image folders holds pictures as they do
    (DENTEX's `unlabelled/xrays/` beside `quadrant/xrays/`, ..., its radiographs named alike): no
    masks, so no `--images` picks a pairing; the JSON files beside the image folders (DENTEX's
    COCO files) are named as the labels they may be.

    Raises:
        DataError: naming the folders, the JSON files, and the routes.
    """
    annotations = sorted({p for d in image_dirs for folder in (d, d.parent) for p in folder.glob("*.json")})
    shown = ", ".join(p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in annotations[:3])
    where = (f"; JSON files beside them ({shown}{', ...' if len(annotations) > 3 else ''}) may hold their labels: pass "
             "the folder holding one as DATA" if annotations else "")
    raise DataError(f"'{root}': {folder_label(mask_dir, root)} holds pictures named as the images of {len(image_dirs)} "
                    f"folders ({', '.join(folder_label(d, root) for d in image_dirs)}), not masks (its files have many "
                    f"values, as theirs do): these images have no masks here{where}; or name their masks' folder with "
                    "--masks")


def _holds_pictures(match: FolderMatch, is_masks: MaskSniffs) -> bool:
    """Whether an image folder's files look like no label masks (many values), as the search
    judged them (`is_masks`: the search's, its files opened once)."""
    return is_masks.unlike(Folder(match.image_dir, [image for _, image, _ in match.pairs], match.split, False, False, ()))


def _likely_images(match: FolderMatch, name: str) -> tuple[bool, bool, bool]:
    """Sorts the folder most likely to hold the images first, the refusal's example: one whose
    `name` (`telling_names`) is named for images (Synscapes' `rgb/` before its `depth/`), then one
    of pictures before one of arrays (.npy depth maps, disparities, point coordinates), then a
    stereo rig's left camera, whose view labels are drawn in (Mid-Air's `color_left/` before
    `color_down/`, as Cityscapes' leftImg8bit); else the folders' order."""
    arrays = all(image.suffix.lower() in ARRAY_SUFFIXES for _, image, _ in match.pairs)
    return not looks_like_image_folder(name), arrays, "left" not in words(name)
