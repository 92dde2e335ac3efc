"""The bands read of a folder of chip folders (`band_chips`), in their natural order or as
`--bands` lists them, and the checks that they make one image: band files of one size, and no
more channels than an image may have."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from seglab.data.discovery.channel_files import band_order
from seglab.data.discovery.folders.chip_scenes import Chip, band_sizes, reading_route
from seglab.data.discovery.naming import stem
from seglab.data.discovery.pairing import folder_label
from seglab.data.files.channels import MAX_CHANNELS
from seglab.errors import DataError


def read_bands(chips: dict[str, Chip], bands: tuple[str, ...] | None, root: Path, parent: Path) -> list[str]:
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
    route = (f"read those of one size, e.g. --bands {','.join(spelled_band(p, b) for b, p in largest)}, or "
             if len(largest) > 1 else "")
    chip = folder_label(next(iter(files.values())).parent, root)
    raise DataError(f"the band files of chip '{chip}' differ in size ({shown}); seglab "
                    f"stacks bands of one size: {route}resample them to one grid first (gdalwarp -tr, rasterio)")


def refuse_too_many_bands(chips: dict[str, Chip], order: list[str], root: Path, parent: Path) -> None:
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
    spelled = [spelled_band(chip.bands[band], band) if band in chip.bands else band for band in order[:fit]]
    held = f"scenes of {folder_label(parent, root)} hold {len(order)} bands a date" if chip.dates else \
        f"chips of {folder_label(parent, root)} hold {len(order)} bands"
    lighter = [reading_route(other) for other in chip.others if "" in other.bands]  # pictures: a few channels
    raise DataError(f"'{root}': the {held}, {len(order) * dates} channels an image, and seglab reads at most "
                    f"{MAX_CHANNELS}: read {fit} bands at most, e.g. --bands {','.join(spelled)}"
                    + "".join(f", or {route}" for route in lighter))


def spelled_band(path: Path, band: str) -> str:
    """A band file's band as its name spells it (`B8A` of `B8A.tif`, of `<patch>_B8A.tif`)."""
    return next((word for word in re.split(r"[^A-Za-z0-9]+", stem(path)) if word.lower() == band), band)
