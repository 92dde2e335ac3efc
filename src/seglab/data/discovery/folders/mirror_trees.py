"""Mask trees that mirror an image tree other than part for part: below one more folder, or renamed.

`placement.mirrored` takes a mask folder whose path differs from the image folder's in one part.
Two shipped layouts mirror the whole image tree otherwise:

- below one more folder named for masks, beside the image tree's own folders: CULane's
  `laneseg_label_w16/driver_23_30frame/<clip>.MP4/` for `driver_23_30frame/<clip>.MP4/`
  (`inserted_below`);
- with every folder renamed by one word, the mask word for the images' word: Fish4Knowledge's
  `mask_image/mask_01/` for `fish_image/fish_01/` (`renamed_alike`), whose files are renamed alike
  (`mask_<n>.png` for `fish_<n>.png`) and pair by their names after the first word.

A tree per kind of file, the top folders named for no role at all (RailSem19's `jpgs/rs19_val/`
beside `uint8/rs19_val/` and `jsons/rs19_val/`), mirrors part for part but is told by its files
only: `kind_keys` files such trees, and few share a place (`MOST_KINDS`).

`mask_keys` and `image_keys` are the places `placement.FolderPlaces` files them under, so that
an image folder finds such mask folders by lookup, not by trying each.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from seglab.data.discovery.naming import looks_like_mask_folder, words

_HOLE = "\0"  # where the renamed word stood
# trees of one kind of file each (photos, label ids, outlines) are few beside one another; trees of
# items are many (VSPW's 3,536 videos), each the others' mirror, and none holds another's masks
MOST_KINDS = 4


def inserted_below(image: tuple[str, ...], mask: tuple[str, ...], named: bool) -> bool:
    """Whether a mask folder's path is an image folder's with one folder more, named for masks
    unless the user `named` the masks (CULane's `laneseg_label_w16/` above a copy of the image tree)."""
    return len(mask) == len(image) + 1 and any(
        mask[:i] + mask[i + 1:] == image and (named or looks_like_mask_folder(mask[i])) for i in range(len(mask)))


def renamed_alike(image: tuple[str, ...], mask: tuple[str, ...]) -> bool:
    """Whether a mask folder's path is an image folder's with one word, wherever it stands, swapped
    for a word naming masks (`fish_image/fish_01` and `mask_image/mask_01`)."""
    return len(image) == len(mask) and image != mask and any(
        key in _swapped(image, _image_words(image)) for key in _swapped(mask, _mask_words(mask)))


def mask_keys(parts: tuple[str, ...], named: bool) -> list[Hashable]:
    """The places a mask folder at `parts` is filed under for `image_keys` to find."""
    keys: list[Hashable] = [("inserted", parts[:i] + parts[i + 1:]) for i in range(len(parts))
                            if named or looks_like_mask_folder(parts[i])]
    return keys + [("renamed", key) for key in _swapped(parts, _mask_words(parts))]


def kind_keys(parts: tuple[str, ...]) -> list[Hashable]:
    """The places a folder at `parts` shares with the folders of trees that mirror its own but for
    one folder above it, named for no role (`uint8/rs19_val/` for `jpgs/rs19_val/`)."""
    return [("kinds", parts[:i], parts[i + 1:]) for i in range(len(parts) - 1)]


def image_keys(parts: tuple[str, ...]) -> list[Hashable]:
    """The places an image folder at `parts` looks up for mask trees that mirror it."""
    return [("inserted", parts), *(("renamed", key) for key in _swapped(parts, _image_words(parts)))]


def _mask_words(parts: tuple[str, ...]) -> set[str]:
    return {w for part in parts for w in words(part) if looks_like_mask_folder(w)}


def _image_words(parts: tuple[str, ...]) -> set[str]:
    return {w for part in parts for w in words(part) if not looks_like_mask_folder(w) and not w.isdigit()}


def _swapped(parts: tuple[str, ...], chosen: set[str]) -> set[tuple[str, ...]]:
    """`parts`, lower-cased, with each of the `chosen` words in turn holed wherever it stands as a word."""
    return {tuple(re.sub(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", _HOLE, p.lower()) for p in parts)
            for word in chosen}
