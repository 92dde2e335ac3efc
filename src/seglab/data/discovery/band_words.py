"""Words that name a band of a scene (`nir`, `vv`, `B02`, `dsm`), as folder and file names carry them:
a folder per band (38-Cloud's `train_nir/`), and files that end with their folder's band (ETCI 2021's
`vv/<tile>_vv.png` beside `flood_label/<tile>.png`) or with their folder's whole name (Stanford
2D-3D-S' `rgb/<x>_rgb.png` beside `semantic/<x>_semantic.png`), a word that is no part of the item's name.
"""

from __future__ import annotations

import re

# words that name a band or channel of the scene, not something derived from the labels
_BAND_WORDS = frozenset({
    "red", "green", "blue", "nir", "rededge", "swir", "swir1", "swir2", "tir", "thermal", "lwir", "ir", "infrared",
    "pan", "panchromatic", "coastal", "aerosol", "cirrus", "rgb", "rgbn", "rgbir", "irrg", "mul", "ms", "msi", "sar",
    "vv", "vh", "hh", "hv", "dsm", "ndsm", "dem", "dtm", "elevation", "height", "lidar", "depth", "hha", "ndvi",
    "ndwi", "flair", "t1", "t1ce", "t1c", "t1gd", "t2", "pd", "dwi", "adc", "ct", "pet", "dapi", "gfp", "rfp",
    "yfp", "cfp", "fitc", "tritc", "cy3", "cy5", "brightfield", "phase", "dic", "fluorescence", "band", "channel"})
_BAND_NUMBER = re.compile(r"(b|band|ch|channel|c)\d+a?")  # Sentinel-2's B02 and B8A, band4, ch1, c0
_LAST_WORD = re.compile(r"(.+)[_\-. ]([a-zA-Z0-9]+)")  # a file stem's last word, after its last separator
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def names_a_band(word: str) -> bool:
    """Whether a folder-name word names a band of the scene (`nir`, `dsm`, `B8A`, `flair`,
    `dapi`), rather than something drawn from the labels (`distance` maps, `weight` maps)."""
    return word in _BAND_WORDS or bool(_BAND_NUMBER.fullmatch(word))


def numbers_bands(word: str, number: str) -> bool:
    """Whether `word` before `number` names a band, so the number alone says which (`band` and
    `08` of Contrails' `band_08.npy`, as `band08` would)."""
    return number.isdigit() and names_a_band(word + number)


def without_band_word(name: str) -> str:
    """`name` less the word naming a band that it ends with (GeoNRW's `290_5620_dem` is tile
    `290_5620`, its elevation beside `290_5620_seg`); other names as they are."""
    found = _LAST_WORD.fullmatch(name)
    return found.group(1) if found and names_a_band(found.group(2).lower()) else name


def without_folder_word(name: str, folder: str) -> str:
    """`name` less the word it ends with when its folder is named by that word: a band (`x_vv` in
    `vv/`, `x_B02` in `S2_B02/`) or the folder's whole name in letters (`x_semantic` in
    `semantic/`, `x_depth` in `depth/`). The word is the folder's, not the item's, so that `x_vv`
    pairs with the mask `x` and stacks with `vh/x_vh`, and `rgb/x_rgb` pairs with `semantic/x_semantic`.
    Other names as they are (`x_nir` in `images/`, `img_A` in `case_A/`)."""
    found = _LAST_WORD.fullmatch(name)
    word = found.group(2).lower() if found else ""
    if found and (names_a_band(word) and word in _WORD_SPLIT.split(folder.lower())
                  or len(word) > 2 and word.isalpha() and word == folder.lower()):
        return found.group(1)
    return name
