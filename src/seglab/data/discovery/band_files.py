"""A sample's bands as files of their own in one folder, each named by the sample and its band:
WeedsGalore's `<date>/images/<date>_<NNNN>_R.png`, `_G`, `_B`, `_NIR` and `_RE` beside
`<date>/semantics/<date>_<NNNN>.png`. Each sample is one image whose channels are its band files,
as a folder per band (`layouts.folder_pairs.bands`) or a chip folder of band files
(`folders.band_chips`) is one; pairing keys it by the sample's name (`band_file_rule`).

Band words (`band_words`: `nir`, `dsm`, `B02`) name a band wherever they stand; the letters of the
colours and of red edge (`R`, `G`, `B`, `RE`) only here, where a sample's files share its name and
each adds one band to it: elsewhere a single letter names many things (a side, a date, a version).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seglab.data.discovery.band_words import _LAST_WORD, names_a_band
from seglab.data.discovery.channel_files import band_order
from seglab.data.discovery.naming import KeyRule, stem
from seglab.data.discovery.naming.affixes import strip_affixes
from seglab.data.discovery.naming.key_rules import _without_affixes
from seglab.data.discovery.naming.names import composed
from seglab.data.files.channels import MAX_CHANNELS
from seglab.data.files.io import channel_count

# the letters that name a band among a sample's band files, as band words spell the band
_BAND_LETTERS = {"r": "red", "g": "green", "b": "blue", "re": "rededge"}


@dataclass(frozen=True)
class SampleBands:
    """The samples of band files found: each sample's first band file -> the sample's name and
    its other band files, in band order; and the bands as the files spell them (`R`, ..., `RE`)."""

    samples: dict[Path, tuple[str, tuple[Path, ...]]]
    spelled: tuple[str, ...]

    @property
    def further(self) -> set[Path]:
        """The band files after each sample's first: channels, no images of their own."""
        return {path for _, files in self.samples.values() for path in files}


def sample_bands(files: Sequence[Path], masks: Sequence[Path] = ()) -> SampleBands | None:
    """The samples among `files` whose bands are files of one band each, named by the sample and
    a band (`<sample>_NIR.png`, `<sample>_R.png`), or by a number where `masks` confirm it
    (`_numbered_samples`: MSBin's `<book>_<page>_0.png` ... `_11.png`): two samples or more holding
    one set of two bands or more, every file of a sample adding a band to its name, the first
    sample's files a channel each, and no file named as the sample (Urban 3D's `<tile>_RGB.tif`
    beside `_DSM.tif`, or `<tile>.png` beside `<tile>_dsm.png`, is an image and its tile's products:
    `folders.tile_products`). None when there are no such samples."""
    by_sample: dict[tuple[Path, str], dict[str, Path]] = {}
    for path in files:
        found = _LAST_WORD.fullmatch(stem(path))
        if found is not None:
            by_sample.setdefault((path.parent, found.group(1)), {}).setdefault(found.group(2).lower(), path)
    named = {(path.parent, stem(path)) for path in files}
    by_sample = {key: bands for key, bands in by_sample.items() if len(bands) > 1 and key not in named}
    held = {key: bands for key, bands in by_sample.items()
            if all(band in _BAND_LETTERS or names_a_band(band) for band in bands)} or _numbered_samples(by_sample, masks)
    sets = Counter(frozenset(bands) for bands in held.values())
    if not sets:
        return None
    common, count = sets.most_common(1)[0]
    order = sorted(common, key=lambda band: band_order(_BAND_LETTERS.get(band, band)))
    samples = [(name, [bands[band] for band in order]) for (_, name), bands in held.items() if bands.keys() == common]
    shown, files_shown = samples[0]
    if count < 2 or any(channel_count(path) != 1 for path in files_shown):
        return None
    return SampleBands({composed(first): (name, tuple(rest)) for name, (first, *rest) in samples},
                       tuple(stem(path)[len(shown) + 1:] for path in files_shown))


def _numbered_samples(by_sample: dict[tuple[Path, str], dict[str, Path]], masks: Sequence[Path]
                      ) -> dict[tuple[Path, str], dict[str, Path]]:
    """The samples of `by_sample` whose files number their bands, where the masks confirm it:
    every sample's last words a number, running 0 to N-1 (or 1 to N) alike in each, N no more
    than an image's channels, a mask named as each sample and none as a band file (MSBin's
    `images/BT_0_0.png` ... `BT_0_11.png`, 12 wavelengths, beside `labels/BT_0.png`). A number
    alone names a frame, a slice or a version as often as a band: without such masks, none."""
    masked = {stem(mask).lower() for mask in masks}
    numbered = {key: bands for key, bands in by_sample.items() if all(band.isdigit() for band in bands)}
    runs = {tuple(sorted(int(band) for band in bands)) for bands in numbered.values()}
    if len(runs) != 1 or not all(name.lower() in masked for _, name in numbered):
        return {}
    run = runs.pop()
    if run not in (tuple(range(len(run))), tuple(range(1, len(run) + 1))) or len(run) > MAX_CHANNELS:
        return {}
    banded = any(stem(path).lower() in masked for bands in numbered.values() for path in bands.values())
    return {} if banded else numbered


def band_file_rule(bands: SampleBands) -> KeyRule:
    """The rule keying a sample's first band file by the sample's name, its mask as the others
    (`<sample>.png`, `<sample>_mask.png`)."""
    def sample_of(path: Path) -> str | None:
        found = bands.samples.get(path)
        return strip_affixes(found[0]) if found is not None else None

    return KeyRule(f"same name less the band of the sample's file ({', '.join('_' + b for b in bands.spelled)})",
                   _without_affixes, sample_of)
