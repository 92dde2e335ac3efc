"""Images whose channels are files of their own: a folder per band (38-Cloud's `train_red/`,
`train_green/`, `train_blue/`, `train_nir/`), a folder per date of one scene (change detection:
LEVIR-CD's `A/` and `B/`) or nnU-Net's 2-D channel files (`road_1_0000.png`, `road_1_0001.png`).

Training pairs them through `folder_pairs` and `pairing`; a model remembers the channels'
names (`channel_names`, in its card), so that `predict` puts the same files together again in
the same order (`channel_groups`), whatever order the inputs come in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

from seglab.data.discovery.band_words import _LAST_WORD, names_a_band, numbers_bands
from seglab.data.files.index import Pair, natural_key
from seglab.data.discovery.naming import stem, words
from seglab.errors import DataError

NNUNET_CHANNEL = re.compile(r"(.+)_(\d{4})")  # nnU-Net channel files: case_0000, case_0001, ...
# bands that come first, in this order: the colours (so that pictures show them as colours), then
# radar's like polarisations before its cross ones (Sentinel-1's VV, VH; ALOS's HH, HV)
_FIRST_BANDS = ("red", "green", "blue", "hh", "vv", "hv", "vh")
# the words that tell the folders of a scene's two dates apart (change detection), date 1 first:
# LEVIR-CD's A/ B/, S2Looking's Image1/ Image2/, SECOND's im1/ im2/, SYSU-CD's time1/ time2/, DSIFN's t1/ t2/
_DATE_WORDS = (("a", "b"), ("image1", "image2"), ("img1", "img2"), ("im1", "im2"), ("time1", "time2"), ("t1", "t2"),
               ("pre", "post"), ("before", "after"))
DATE_WORDS = frozenset(word for dates in _DATE_WORDS for word in dates)  # a name without one dates no folder
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # a date folder's year: Hi-UCD's 2017/ and 2018/
_YEAR_WIDE = re.compile(r"(?<!\d)\d{4}(?!\d)")  # a number as wide as a year: a year, or a sequence's number
# the most sibling folders alike but for a year read as dates: an annual series since Landsat 5 (1984) has fewer
_MOST_YEARS = 50
_MRI_WEIGHTINGS = frozenset({"t1", "t2"})  # also dates; MRI sequences in grey images
# the folders above a channel file that may name its channel: its own (38-Cloud's `test_red/`), or the one
# above it, a date folder with a folder below it (Hi-UCD's `image/2017/9/20_31.png`, `below_shared`)
_NAMING_FOLDERS = 2
# an image word a date's number may follow as a word of its own (OSCD's imgs_1/ and imgs_2/), as it is glued
_APART = {"image": "image", "img": "img", "imgs": "img", "im": "im", "time": "time"}


def folder_names_a_band(folder: str) -> bool:
    """Whether a folder's name has a word naming a band (`nir/` beside `rgb/`, `train_dsm/`)."""
    return any(names_a_band(word) for word in words(folder))


def band_folders(folders: Sequence[str], counts: Sequence[int | None]) -> bool:
    """Whether image folders, by their names and their images' channel counts, hold the bands of
    one image: each name adds a word the others lack (`train_red`, `train_nir`; `vi`, `ir`), one
    folder at most holds colour images, and the words each folder of one channel adds all name
    bands (`nir`, `ir`: NuInsSeg's `distance maps/` are drawn from the labels), or the folders are
    named by numbers alone (BrainMetShare's `0/` ... `3/`, an MR sequence each); `images/` beside
    `images_denoised/` are versions instead."""
    named = [set(words(folder)) for folder in folders]
    shared = set.intersection(*named)
    if not all(own - shared for own in named) or None in counts or sum(c is not None and c > 1 for c in counts) > 1:
        return False
    return all(folder.isdigit() for folder in folders) or all(
        names_a_band(word) for folder, count in zip(folders, counts) if count == 1
        for word in words(folder) if word not in shared)


def date_order(folders: Sequence[str], colour: bool) -> tuple[int, int] | None:
    """The indexes of two folders, date 1 first, when their names differ by the words of two
    dates (`A/` and `B/`, `train_Image1/` and `train_Image2/`, `pre/` and `post/`, OSCD's `imgs_1/`
    and `imgs_2/`: `date_words`) or by a year alone (Hi-UCD's `2017/` and `2018/`, the earlier
    first); else None. `t1`/`t2` also name MRI weightings: folders of grey images so named are an
    MRI scan's sequences (bands), so they are dates only when `colour` (DSIFN-CD's RGB `t1/` and `t2/`)."""
    if len(folders) != 2:
        return None
    years = [YEAR.findall(folder) for folder in folders]
    if all(len(year) == 1 for year in years) and years[0] != years[1] \
            and YEAR.sub("#", folders[0].lower()) == YEAR.sub("#", folders[1].lower()):
        return (0, 1) if years[0] < years[1] else (1, 0)
    named = [date_words(folder) for folder in folders]
    shared = set(named[0]) & set(named[1])
    added = tuple(tuple(w for w in folder if w not in shared) for folder in named)
    for dates in _DATE_WORDS:
        if colour or not _MRI_WEIGHTINGS >= set(dates):
            if added == ((dates[0],), (dates[1],)):
                return 0, 1
            if added == ((dates[1],), (dates[0],)):
                return 1, 0
    return None


def date_groups(names: Sequence[str]) -> list[list[str]]:
    """Sibling names that `date_order` may date against each other, grouped: alike but for a year
    (any case), or their words alike less one date word each. Names that share no group are never
    dates of one scene, so siblings are compared within groups, not two by two (10,000 chip folders
    under one parent are not 10^8 comparisons). A number that numbers a sequence (`_numbering_years`)
    groups none by its year: `seq_1950/` beside `seq_1951/` are two sequences, not two dates."""
    numbering = _numbering_years(names)
    alike: dict[Hashable, list[str]] = {}
    for name in names:
        named = set(date_words(name))
        years = [] if name in numbering else [YEAR.sub("#", name.lower())]
        for key in [*years, *(frozenset(named - {word}) for word in named & DATE_WORDS)]:
            alike.setdefault(key, []).append(name)
    return list(alike.values())


def _numbering_years(names: Sequence[str]) -> frozenset[str]:
    """The names among siblings `names` whose year numbers them instead: names alike but for a number
    as wide as a year where one such number is no year (`seq_1899/`, `seq_0007/` beside `seq_1950/`:
    a run crossing the years' edges), or where more than `_MOST_YEARS` are."""
    alike: dict[str, dict[str, str]] = {}  # a name less one such number -> the names so alike -> their numbers
    for name in names:
        for number in _YEAR_WIDE.finditer(name.lower()):
            rest = f"{name[:number.start()]}#{name[number.end():]}".lower()
            alike.setdefault(rest, {})[name] = number.group()
    return frozenset(name for numbers in alike.values()
                     if len(numbers) > _MOST_YEARS or not all(map(YEAR.fullmatch, numbers.values()))
                     for name, number in numbers.items() if YEAR.fullmatch(number))


def dated_names(names: Sequence[str]) -> frozenset[str]:
    """The names among `names` that `date_order` dates against another of them (`window_a` beside
    `window_b`), each tried only with those of its `date_groups`: 1,000 sequence folders in one
    made 2 million `date_order` calls, two by two, and now about one a name sharing a group."""
    return frozenset(name for group in date_groups(names) for name in group
                     if any(date_order([name, other], True) is not None for other in group if other != name))


def date_words(name: str) -> list[str]:
    """The words of a name, a date's number joined to the image word before it as `_DATE_WORDS`
    spell it (OSCD's `imgs_1_rect` -> `img1`, `rect`; `Image_2` -> `image2`)."""
    found: list[str] = []
    for word in words(name):
        if word in ("1", "2") and found and found[-1] in _APART:
            found[-1] = _APART[found[-1]] + word
        else:
            found.append(word)
    return found


def joined_dates(folder: str) -> tuple[str, str] | None:
    """The names of two date folders that a folder's name joins, as spelt, date 1 first: Hi-UCD's
    `mask/2017_2018/`, the change between `image/2017/` and `image/2018/`; None for other names."""
    dates = [part for part in re.split(r"[^0-9A-Za-z]+", folder) if part]
    return (dates[0], dates[1]) if len(dates) == 2 and date_order(dates, True) == (0, 1) else None


def below_shared(folders: Sequence[Path]) -> list[tuple[str, ...]]:
    """Each folder's path below the folder they all share: their names when they are siblings
    (LEVIR-CD's `A/`, `B/`), more where their names are alike (Hi-UCD's `image/2017/9/` and
    `image/2018/9/`: `2017/9`, `2018/9`)."""
    if len(folders) < 2:
        return [(folder.name,) for folder in folders]
    common = Path(os.path.commonpath(folders))
    return [folder.relative_to(common).parts or (folder.name,) for folder in folders]


def telling_names(folders: Sequence[Path]) -> list[str]:
    """The names that tell folders apart: their own, or, where two share one, the first folder of
    each below the folder all share (`below_shared`; Hi-UCD's `2017`, `2018`, Mid-Air's
    `color_left/trajectory_0000/` and `color_right/trajectory_0000/`: `color_left`, `color_right`)."""
    if len({folder.name for folder in folders}) == len(folders):
        return [folder.name for folder in folders]
    return [parts[0] for parts in below_shared(folders)]


def band_order(folder: str) -> tuple[int, tuple[object, ...]]:
    """The `_FIRST_BANDS` folders first, in their order (red, green, blue; vv, vh), then by name."""
    tokens = words(folder)
    return next((i for i, band in enumerate(_FIRST_BANDS) if band in tokens), len(_FIRST_BANDS)), natural_key(folder)


def nnunet_cases(files: Iterable[Path]) -> dict[Path, str]:
    """file -> its case, for the files that are nnU-Net channel files (`case_0000`, `case_0001`
    -> `case`): a `_NNNN` suffix numbers a channel only where its case has channel `0000` in the
    same folder and the numbers run on from it without a gap; else it is part of the name
    (MosMedData's `study_0004` and `study_0010`, two studies, not channels of a case `study`)."""
    named = {path: found.groups() for path in files if (found := NNUNET_CHANNEL.fullmatch(stem(path)))}
    numbers: dict[tuple[Path, str], list[int]] = {}
    for path, (case, number) in named.items():
        numbers.setdefault((path.parent, case), []).append(int(number))
    runs = {key for key, found in numbers.items() if sorted(found) == list(range(len(found)))}
    return {path: case for path, (case, _) in named.items() if (path.parent, case) in runs}


def channel_names(pair: Pair) -> tuple[str, ...]:
    """The names of an image's channel files, in order: nnU-Net's channel numbers (`0000`,
    `0001`, ...), the word each file of a chip folder adds to the others' names (`b02`, ...,
    `b08` for `<chip>/B02.tif` ... `B08.tif`), the word each band's folder adds to the others'
    names (`red`, ..., `nir` for `train_red/` ... `train_nir/`), or the words each date's folder
    and band file add (`1_b02`, ..., `2_b08` for OSCD's `<city>/imgs_1_rect/B02.tif` ...
    `imgs_2_rect/B08.tif`, and for its `imgs_1/S2A_OPER_..._20151001T010000_A00_T23KPQ_B02.tif`:
    `_band_of`); empty for an image of one file."""
    if not pair.more_channels:
        return ()
    numbers = [NNUNET_CHANNEL.fullmatch(stem(f)) for f in pair.images]
    one_folder = len({f.parent for f in pair.images}) == 1
    if all(numbers) and one_folder:
        return tuple(m.group(2) for m in numbers if m)
    if one_folder:
        return _last_words(pair.images) or _added_words([words(stem(f)) for f in pair.images],
                                                        [stem(f).lower() for f in pair.images])
    if len({f.parent for f in pair.images}) < len(pair.images):  # a scene's dates, each a folder of band files
        return _added_words([words(f.parent.name) + _band_of(stem(f)) for f in pair.images],
                            [f"{f.parent.name}_{stem(f)}".lower() for f in pair.images])
    folders = telling_names([f.parent for f in pair.images])
    return _added_words([words(folder) for folder in folders], [folder.lower() for folder in folders])


def _last_words(files: Sequence[Path]) -> tuple[str, ...]:
    """The last word of each file's name, where the names are the same but for it: a sample's band
    files (WeedsGalore's `<sample>_R.png` ... `_RE.png`; MSBin's `BT_0_0.png` ... `BT_0_11.png`,
    whose page number names a band too, so that no word is one file's alone); empty otherwise."""
    named = [words(stem(f)) for f in files]
    if all(len(name) > 1 for name in named) and len({tuple(name[:-1]) for name in named}) == 1:
        return tuple(name[-1] for name in named)
    return ()


def _band_of(name: str) -> list[str]:
    """The band word a file's name ends with, alone (`b02` of OSCD's
    `S2A_OPER_MSI_L1C_TL_SGS__20151001T010000_A00_T23KPQ_B02`): the words before it name the
    product, its date and tile, which differ from scene to scene, so a channel named by them would
    match no other scene's file; all its words where it ends with none."""
    found = words(name)
    return found[-1:] if found and names_a_band(found[-1]) else found


def _added_words(named: list[list[str]], whole: list[str]) -> tuple[str, ...]:
    """The words each name adds to those all share, joined by `_` (the whole name where it adds none)."""
    return tuple("_".join(own) or full for own, full in zip(added_words(named), whole))


def added_words(named: list[list[str]]) -> list[tuple[str, ...]]:
    """The words of each name (a list of its words) that not all the names hold, in its order:
    `[["b02"], ["b03"]]` -> `[("b02",), ("b03",)]`, a chip folder's band files' words."""
    shared = set.intersection(*map(set, named))
    return [tuple(w for w in name if w not in shared) for name in named]


def channel_groups(files: Sequence[Path], names: Sequence[str]) -> tuple[list[tuple[Path, ...]], list[Path]]:
    """`files` put together as the channel files of images, in the order of `names` (a model's
    `channel_names`): nnU-Net channel files of one case in one folder, or band files whose
    names are the same without their band word (`red_patch_1.TIF` in `test_red/` and
    `nir_patch_1.TIF` in `test_nir/`), those of band folders also in one folder (BrainMetShare's
    `Mets_003/0/000.png` ... `Mets_003/3/000.png`, not `Mets_017/0/000.png`); and the files that
    are no channel file of such an image.

    Raises:
        DataError: an image one of whose channel files is missing, naming the files found, or
            with two files for one channel.
    """
    numbered = _numbered(names)
    shared = _shared_words(files)
    cases: dict[tuple[object, ...], dict[str, Path]] = {}
    others = []
    for path in files:
        found = _channel_of(path, names, numbered, shared.get(path.parent, frozenset()))
        if found is None:
            others.append(path)
        else:
            case, name = found
            other = cases.setdefault(case, {}).setdefault(name, path)
            if other != path:
                raise DataError(f"'{other}' and '{path}' are both channel {name} of one image; give the files of "
                                "one set of images")
    groups = []
    for channels in cases.values():
        missing = [n for n in names if n not in channels]
        if missing:
            given = ", ".join(f"'{p}'" for p in channels.values())
            raise DataError(f"image {given} lacks its channel file(s) {', '.join(missing)}: the model reads "
                            f"{len(names)} files per image ({', '.join(names)}); give them all")
        groups.append(tuple(channels[n] for n in names))
    return groups, others


def unread_bands(files: Sequence[Path], names: Sequence[str]) -> list[Path]:
    """The files of `files` that are bands a model of channels `names` does not read, of an image
    whose bands it reads, or beside such bands: a chip folder's `B01.tif` and `B05.tif` beside
    `B02.tif` ... for a model of B02, B03, B04 and B08 (`--bands`), a scene's `imgs_1_rect/B01.tif`
    beside `imgs_1_rect/B02.tif` for a model of its dates' `1_b02` ... `2_b08`, left out rather than
    predicted as images of their own."""
    numbered = _numbered(names)
    keys = {path: _channel_of(path, names, numbered) for path in files}
    images = {found[0] for found in keys.values() if found is not None}
    read = {path.parent for path, found in keys.items() if found is not None}
    return [path for path, found in keys.items() if found is None and (image := _band_image(path)) is not None
            and (image in images or path.parent in read)]


def _band_image(path: Path) -> tuple[object, ...] | None:
    """The image key of a file named by one band word (`B01.tif`, `nir_patch_1.TIF`), or ending with
    one (OSCD's `S2A_OPER_MSI_..._B01.tif`, whose product name holds `MSI` too: `_band_of`), as
    `_channel_of` keys a channel file; None for other files."""
    tokens = words(stem(path))
    ending = _band_of(stem(path))
    bands = ending if len(ending) == 1 and names_a_band(ending[0]) else [word for word in tokens if names_a_band(word)]
    if len(bands) != 1:
        return None
    return tuple(w for w in tokens if w != bands[0]) or (path.parent,)


def is_channel_file(path: Path, names: Sequence[str]) -> bool:
    """Whether a file is one of an image's channel files for a model of channels `names`."""
    return _channel_of(path, names, _numbered(names)) is not None


def group_name(files: Sequence[Path], names: Sequence[str]) -> str:
    """An image's name without its channel or band (`road_1`, `patch_1`), as its first file spells
    it; where that is all the file's name is, or the word that makes its number a band (`band` of
    Contrails' `<record>/band_08.npy`), the folder holding its files: a chip folder's
    (`<chip>/B02.tif`), a scene's of its dates' folders (OSCD's `<city>/imgs_1_rect/B02.tif` ...
    `imgs_2_rect/B08.tif`, channels `1_b02` ... `2_b08`), or of the folder of its two date pictures
    (`<city>/pair/img1.png`, `img2.png`), as training names them (`chip_scenes.dated_scenes`), and
    so where the files' names differ without their channels (OSCD's `<city>/imgs_1/<product>_B02.tif`
    ... `imgs_2/<product>_B08.tif`, each date's product named otherwise)."""
    first = stem(files[0])
    number = NNUNET_CHANNEL.fullmatch(first)
    if number and number.group(2) == names[0]:
        return number.group(1)
    named = _less_own_channels(files, names) or [_without_channels(stem(path), names) for path in files]
    if named[0] and not numbers_bands(named[0].lower(), names[0]) and len({name.lower() for name in named}) == 1 \
            and not set(words(first)) <= set(names[0].split("_")):
        return named[0]
    folders = sorted({path.parent for path in files})
    if len(folders) == 1 and date_order(names, True) is not None:  # a scene's two date pictures
        return folders[0].parent.name
    return Path(os.path.commonpath(folders)).name


def _less_own_channels(files: Sequence[Path], names: Sequence[str]) -> list[str]:
    """Each file's name less its own channel's name, its last word, where every file ends so
    (MSBin's `BT_0` of `BT_0_0.png` ... `BT_0_11.png`, channels `0` ... `11`: the page's number is
    a channel's name too, and is kept); empty otherwise."""
    found = [_LAST_WORD.fullmatch(stem(path)) for path in files]
    if len(found) == len(names) and all(m is not None and m.group(2).lower() == n for m, n in zip(found, names)):
        return [m.group(1) for m in found if m is not None]
    return []


def _without_channels(name: str, channels: Sequence[str]) -> str:
    """A file's name less every channel name it holds, the longest first (`red_edge` before `red`):
    PST900's `depth/30_bag26_rect_rgb_frame0042.png` holds the rgb channel's name, not its own."""
    for channel in sorted(channels, key=len, reverse=True):
        name = _without_channel(name, channel)
    return name


def _without_channel(name: str, channel: str) -> str:
    """A file's name less its channel's name where it holds it (`patch_1` of `red_patch_1`)."""
    return re.sub(rf"(^|[^a-zA-Z0-9]){re.escape(channel)}([^a-zA-Z0-9]|$)", lambda m: m.group(1) or m.group(2),
                  name, count=1, flags=re.IGNORECASE).strip("_-. ")


def _numbered(names: Sequence[str]) -> bool:
    """Whether channel names are nnU-Net's channel numbers (`0000`, `0001`, run on from `0000`:
    `nnunet_cases`), not band words nor years (Hi-UCD's date folders `2017/` and `2018/`)."""
    return all(re.fullmatch(r"\d{4}", n) for n in names) and "0000" in names


def _shared_words(files: Sequence[Path]) -> dict[Path, frozenset[str]]:
    """Each folder's words that every one of `files` in it holds in its name: OSCD's product name
    in `imgs_1/` (`s2a`, ..., `20151001t010000`, `a00`, `t23kpq` before each band), no image's."""
    held: dict[Path, frozenset[str]] = {}
    for path in files:
        own = frozenset(words(stem(path)))
        held[path.parent] = held[path.parent] & own if path.parent in held else own
    return held


def _channel_of(path: Path, names: Sequence[str], numbered: bool,
                shared: frozenset[str] = frozenset()) -> tuple[tuple[object, ...], str] | None:
    """(the image's key, the channel's name) of a channel file; None for another file. Where a
    folder names the channel (a date's), the words every file of that folder holds (`shared`: a
    product name, which differs between the dates) are no part of the key."""
    if numbered:
        match = NNUNET_CHANNEL.fullmatch(stem(path))
        if match is None or match.group(2) not in names:
            return None
        return (path.parent, match.group(1).lower()), match.group(2)
    tokens = words(stem(path))
    for folder in path.parents[:_NAMING_FOLDERS]:
        named = [n for n in names if set(n.split("_")) <= {*tokens, *words(folder.name)}]
        if named:
            break
    else:
        return None
    most = max(len(n.split("_")) for n in named)  # `red_edge` rather than `red`
    named = [n for n in named if len(n.split("_")) == most]
    if len(named) > 1 and tokens and tokens[-1] in named:  # a sample's band file, its band last (MSBin's
        named = tokens[-1:]  # `BT_0_5`: page 0's band 5)
    if len(named) > 1:  # a folder naming two dates holds their change (Hi-UCD's mask/2017_2018/9/)
        return None
    band = named[0]
    rest = tuple(tokens[:-1]) if tokens and tokens[-1] == band else tuple(w for w in tokens if w not in band.split("_"))
    if not set(band.split("_")) <= set(tokens):  # a folder names the band: an image of the folder above it and
        # of those between (Hi-UCD's 9/), so that BrainMetShare's Mets_003/0/000.png is not Mets_017's
        return (folder.parent, *path.parent.relative_to(folder).parts, *(w for w in rest if w not in shared)), band
    if not rest or len(rest) == 1 and numbers_bands(rest[0], band):  # `B02.tif`, `band_08.npy`: a band alone
        return (path.parent,), band  # is its folder's (a chip's)
    return rest, band
