"""Mask trees that mirror an image tree other than part for part: below one more folder.

`placement.mirrored` takes a mask folder whose path differs from the image folder's in one part.
A shipped layout mirrors the whole image tree below one more folder named for masks, beside the
image tree's own folders: CULane's `laneseg_label_w16/driver_23_30frame/<clip>.MP4/` for
`driver_23_30frame/<clip>.MP4/` (`inserted_below`).

`mask_keys` and `image_keys` are the places `placement.FolderPlaces` files them under, so that
an image folder finds such mask folders by lookup, not by trying each.
"""

from __future__ import annotations

from collections.abc import Hashable

from seglab.data.discovery.naming import looks_like_mask_folder


def inserted_below(image: tuple[str, ...], mask: tuple[str, ...], named: bool) -> bool:
    """Whether a mask folder's path is an image folder's with one folder more, named for masks
    unless the user `named` the masks (CULane's `laneseg_label_w16/` above a copy of the image tree)."""
    return len(mask) == len(image) + 1 and any(
        mask[:i] + mask[i + 1:] == image and (named or looks_like_mask_folder(mask[i])) for i in range(len(mask)))


def mask_keys(parts: tuple[str, ...], named: bool) -> list[Hashable]:
    """The places a mask folder at `parts` is filed under for `image_keys` to find."""
    return [("inserted", parts[:i] + parts[i + 1:]) for i in range(len(parts))
            if named or looks_like_mask_folder(parts[i])]


def image_keys(parts: tuple[str, ...]) -> list[Hashable]:
    """The places an image folder at `parts` looks up for mask trees that mirror it."""
    return [("inserted", parts)]

