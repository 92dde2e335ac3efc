"""A tile's other products beside its image in an image folder (SpaceNet Urban 3D's
`Inputs/<tile>_DSM.tif` and `_DTM.tif` beside `<tile>_RGB.tif`, whose mask is `GT/<tile>_GTL.tif`):
no images lacking a mask, whose finding would offer `--unmasked-background` and so train on
height rasters as all background, but files left out, said in one line and listed as ignored.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.band_words import without_band_word
from seglab.data.discovery.naming import stem
from seglab.data.discovery.pairing import FolderMatch, folder_label

logger = logging.getLogger(__name__)


def without_tile_products(matches: list[FolderMatch], root: Path) -> tuple[list[FolderMatch], list[Path]]:
    """`matches` less the image-without-mask findings of their images' other products: an image
    whose name, less a band word (`_DSM`, `_DTM`, `_nir`), is a paired image's name less its own
    (`<tile>_RGB`); and those products, to list as ignored."""
    kept, products = [], []
    for match in matches:
        theirs = tile_products(match)
        left_out = set(theirs)  # theirs in order, for the log line; the set for membership
        kept.append(replace(match, problems=[p for p in match.problems if p.path not in left_out]) if theirs else match)
        products += theirs
    if products:
        folders = sorted({folder_label(p.parent, root) for p in products})
        logger.info("%s: %d files in %s are other products of paired images' tiles (named as an image less a band "
                    "word: _DSM, _DTM, ...), e.g. '%s': left out, listed as ignored", root, len(products),
                    ", ".join(folders), products[0].relative_to(root).as_posix())
    return kept, products


def tile_products(match: FolderMatch) -> list[Path]:
    """The images of `match`'s image folder lacking a mask that are other products of its paired
    images' tiles (FAT's `000000.left.depth.png` beside `000000.left.jpg`): what `seglab predict
    FOLDER` leaves out as training did."""
    lacking = [p.path for p in match.problems if p.code == "image-without-mask" and p.path.parent == match.image_dir]
    if not lacking:
        return []
    tiles = {_tile(image) for _, image, _ in match.pairs}
    return [path for path in lacking if (tile := _tile(path)) != stem(path).lower() and tile in tiles]


def _tile(image: Path) -> str:
    """An image's name less the band word it ends with (`JAX_Tile_004_RGB` is tile `JAX_Tile_004`)."""
    return without_band_word(stem(image)).lower()
