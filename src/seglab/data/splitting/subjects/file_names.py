"""Subjects a file name says: a slice, frame or lesion number after its case (`case0005_slice000`),
a word naming a patient or case before anything (`patient001_frame01_1_MRI_heart`), a subject
number before an image's (`47_120`), a case id before a slice's number (`CT_Abd_FLARE22_Tr_0001-012`),
a place before a satellite's sensor code, a Landsat or Sentinel-2 scene id, the slide or image a
crop or tile was cut from before the numbers of its place, a subject id before words of a few
values (`P1_L_DM_MLO`). The name carries the subject, so each rule reads one name at a time;
`subject_of` also names volume slices' cases (`layouts.volume_format`)."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.naming.affixes import without_affix_words
from seglab.data.files.index import Pair
from seglab.data.splitting.subjects.evidence import (
    MIN_CASES,
    MIN_FOLDERS,
    MOST_IN_ONE,
    SHARE,
    in_enough_folders,
    most_have_several,
    says_subjects,
)
from seglab.data.splitting.subjects.folders import by_image_folder
from seglab.data.splitting.subjects.name_parts import NAME_PART, folder_in_split, last_part

# a slice or frame number, a lesion's (ULS23's `case_00000_lesion_01`), or a slice along an axis (SA-Med2D-20M's
# `ct_00--AbdomenCT1K--Case_00001--x_0003`: slice 3 along x)
_SLICE_NAME = re.compile(r"^(?P<subject>.*?[a-z0-9])(?:[_\-. ]*(?:slice|slc|frame|lesion)[_\-. ]*|[_\-. ]+[xyz]_)\d+$",
                         re.IGNORECASE)
# MedSAM's `CT_Abd_FLARE22_Tr_0001-012`: slice 12 after a case id ending in a zero-padded number, a letter in the
# name (looked ahead for once: two runs of any characters around it backtracked into each other, 0.5 s a long name)
_CASE_SLICE = re.compile(r"(?=.*[a-z])(?P<subject>.*[_\-]\d{3,})-\d{3,}", re.IGNORECASE)
# BiomedParse's `patient001_frame01_1_MRI_heart`: a word naming a subject and its number lead the name
_CASE_ID = re.compile(r"(?P<subject>(?:patient|case|subject)[_\- ]?\d+)[_\- ].+", re.IGNORECASE)
_LANDSAT_LEVEL = r"L[COTEM]0\d_L\w{3}"  # a Landsat sensor and processing level: LE07_L1TP
_SENTINEL2_LEVEL = r"S2[A-D]_MSIL[12][AC]"  # a Sentinel-2 mission and product level: S2A_MSIL1C
_SCENE_ID = re.compile(  # Landsat Collection and pre-collection ids, Sentinel-2 product names
    rf"{_LANDSAT_LEVEL}_\d{{6}}_\d{{8}}_\d{{8}}_\d{{2}}_(?:T1|T2|RT)|L[COTEM]\d\d{{13}}[A-Z]{{3}}\d{{2}}"
    rf"|{_SENTINEL2_LEVEL}_\d{{8}}T\d{{6}}_N\d{{4}}_R\d{{3}}_T\d{{2}}[A-Z]{{3}}_\d{{8}}T\d{{6}}")
# CALFIN's `Upernavik-NE_LE07_L1TP_2003-06-10_017-008_T1_B4_Subset`: a place named by words before a
# Landsat sensor and processing level, or a Sentinel-2 mission and product level; the place ends in a letter, so
# that its run and the separators' cannot share characters (each backtracked into the other: 2 s a long name)
_PLACE_BEFORE_SENSOR = re.compile(
    rf"(?P<place>[a-z](?:[a-z_\- ]*[a-z])?)[_\- ]+(?:{_LANDSAT_LEVEL}|{_SENTINEL2_LEVEL})_", re.IGNORECASE)
_PATCH_WORDS = ("patch", "tile", "crop", "chip")  # before a tile's numbers: Sen2Fire's `scene_1_patch_0_3`
_TAIL_NUMBER = re.compile(r"[a-z]{0,3}\d+", re.IGNORECASE)  # a crop's x, y, w, h or date; `lv1`: a zoom level
_REGION_TAG = re.compile(  # QuPath's TileExporter: `CMU-1 [d=2,x=0,y=64,w=64,h=64]`, z and t after h where set;
    # a bracketed box of corners (TIGER's `100B_[11024, 22304, 11072, 22344]`: x1, y1, x2, y2 on slide 100B)
    r"(?P<source>.*[^\s_\-])[\s_\-]*\[(?:(?:d=[\d.]+,)?x=\d+,y=\d+(?:,[a-z]=[\d.]+)*|\d+(?:,\s*\d+){3})\]",
    re.IGNORECASE)
# Carvana: a hex id; OSIC's (Chest CT Segmentation's) `ID00007637202177411956430`: letters and a long number
_SUBJECT_AND_NUMBER = re.compile(r"(?P<subject>\d+|[0-9a-f]{8,}|[a-z]+\d{8,})[_\-](?P<number>\d+)", re.IGNORECASE)
_LEADING_ID = re.compile(r"(?P<subject>[a-z]+\d+)(?P<words>(?:[_\- ][a-z][a-z0-9]*)+)", re.IGNORECASE)  # P1_L_DM_MLO
_MIN_TAIL = 2  # numbers after a crop's source: x and y at least; one is a frame (CamVid's `0001TP_006690`)
_FEW_VALUES = 4  # a word after a subject id, each of its values: a breast side, an image type, a view


def subject_of(name: str) -> str | None:
    """`case0005_slice000` -> `case0005`: the name before its slice, frame or lesion number or its
    slice along an axis (`--x_0003`), as often as it ends in one (`patient001_frame01_slice_3` ->
    `patient001`); None when it ends in none."""
    subject = name
    while (found := _SLICE_NAME.match(subject)) is not None:
        subject = found.group("subject")
    return subject if subject != name else None  # a match always shortens the name


def by_slice_token(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """Names ending in a slice or frame number (`subject_of`): a patient's two frames stay together."""
    subjects = {}
    for pair in pairs:
        if (subject := subject_of(last_part(pair.name))) is not None:
            subjects[pair.name] = subject
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the name before its slice, frame or lesion number"


def by_case_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """BiomedParse's `patient001_frame01_1_MRI_heart` -> `patient001`: a word that names a subject
    (patient, case, subject) and its number lead the name, its frame, slice, modality and site
    after it, in as many subjects as `in_enough_folders` asks, each in its folder (`_in_its_folder`):
    the word says the subject outright, whatever follows (`subject_of` reads only a slice or frame
    number at the end)."""
    subjects = {pair.name: _in_its_folder(pair.name, found["subject"]) for pair in pairs
                if (found := _CASE_ID.fullmatch(last_part(pair.name))) is not None}
    if not in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the patient, case or subject id the name starts with"


def by_subject_number(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """`47_120` -> `47`: names of two numbers, subject and image (mask/image words aside:
    `119_sat_09`), in several subjects. Only numbers, or ids of a long number (OSIC's
    `ID00007637202177411956430_12`: slice 12 of a patient): a word before a number is as often a
    class or scene (`kitchen_0001`), and a split by classes would validate on classes never
    trained on. Numbers count from `MIN_FOLDERS` subjects (fewer may be classes, or a map's sheets:
    Massachusetts Roads' `10078660_15`), ids holding letters (a hex id, an accession number) from
    `MIN_CASES`: they name subjects outright. A number in several image folders is no subject's
    (GeoNRW's `aachen/291_5620` and `bergisch/291_5621`: a grid's easting, which neighbouring
    cities share): the folders are (`by_image_folder`)."""
    subjects = {}
    for pair in pairs:
        found = _SUBJECT_AND_NUMBER.fullmatch(without_affix_words(last_part(pair.name)))  # 119_sat_09: tile 119
        if found is not None:
            subjects[pair.name] = found.group("subject")
    fewest = MIN_FOLDERS if any(subject.isdigit() for subject in subjects.values()) else MIN_CASES
    if len(set(subjects.values())) < fewest or not says_subjects(subjects, len(pairs)):
        return None
    in_split = {folder: folder_in_split(folder, root) for folder in {pair.image.parent for pair in pairs}}
    folders = {pair.name: in_split[pair.image.parent] for pair in pairs}
    folders_of: dict[str, set[str]] = {}
    for name, subject in subjects.items():
        folders_of.setdefault(subject, set()).add(folders[name])
    if any(len(found) > 1 for found in folders_of.values()):
        return by_image_folder(folders, len(pairs))
    return subjects, "the number before the image's number"


def by_case_slice(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """MedSAM's `CT_Abd_FLARE22_Tr_0001-012` -> `CT_Abd_FLARE22_Tr_0001`: a slice's three digits or
    more after a hyphen and a case id ending in a zero-padded number, the case in its folder
    (`_in_its_folder`). Tried after the folder rules: DICOM exports number a series so (CHAOS'
    `1/T2SPIR/DICOM_anon/IMG-0002-00001`, series 2 of patient 1, whose case folder says more). Not
    in `subject_of`, which names volume cases too: there a hyphen and three digits are a timepoint
    (`case_versions`)."""
    subjects = {pair.name: _in_its_folder(pair.name, found["subject"]) for pair in pairs
                if (found := _CASE_SLICE.fullmatch(last_part(pair.name))) is not None}
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the case id before its slice number"


def _in_its_folder(name: str, subject: str) -> str:
    """`subject` under the folder a pair's `name` carries where file names repeat from folder to
    folder (Sunnybrook's `SC-HF-I-1/IM-0001-0048`): one id in two folders is two subjects."""
    folder = name.rpartition("/")[0]
    return f"{folder}/{subject}" if folder else subject


def by_place_before_sensor(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """CALFIN's `Upernavik-NE_LE07_L1TP_2003-06-10_017-008_T1_B4_Subset` -> `Upernavik-NE`: a place
    named by words before a satellite's sensor and level code (Landsat's `LE07_L1TP`, Sentinel-2's
    `S2A_MSIL1C`), seen on several dates: one glacier's fronts look alike from year to year. A name
    holding a number before the code (38-Cloud's `patch_1_1_by_1_LC08_...`) names no place but a
    patch: `by_scene_id` groups those."""
    subjects = {pair.name: found["place"] for pair in pairs
                if (found := _PLACE_BEFORE_SENSOR.match(last_part(pair.name))) is not None}
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the place named before its satellite's sensor code (one place seen on several dates)"


def by_scene_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """38-Cloud's `patch_1_1_by_1_LC08_L1TP_002053_20160520_20170324_01_T1` -> its Landsat scene:
    patches of one satellite scene share its clouds and ground, a leak if split apart."""
    subjects = {}
    for pair in pairs:
        if (found := _SCENE_ID.search(last_part(pair.name))) is not None:
            subjects[pair.name] = found.group()
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the satellite scene each was cut from"


def by_crop_source(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """DigestPath's `18-00530A_2019-05-01 21_00_01-lv1-20000-15766-2530-2296` -> `18-00530A`: the
    name before a tail of numbers (a crop's place, a date) that nearly every name ends in, cut
    at the same count of numbers in each, the longest the names allow (slide ids vary in form:
    `2018_64982_1-3`, `D20180011`). What is left must hold a number, as in `by_subject_number`
    (Cityscapes' `aachen_000000_000019` names a city), in several subjects, none holding a third
    of the pairs."""
    tails = sorted((_tail_numbers(last_part(p.name)) for p in pairs), reverse=True)
    cut = tails[math.ceil(SHARE * len(pairs)) - 1]
    if cut < _MIN_TAIL:
        return None
    subjects = {p.name: _without_tail(last_part(p.name), cut) for p in pairs if _tail_numbers(last_part(p.name)) >= cut}
    counts = Counter(subjects.values())
    if len(counts) < MIN_FOLDERS or max(counts.values()) > MOST_IN_ONE * len(pairs) \
            or not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the name before the numbers of its crop or date"


def by_tile_source(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """QuPath's TileExporter `tiles/CMU-1/CMU-1 [d=2,x=0,y=64,w=64,h=64]` -> `CMU-1`, TIGER's ROIs
    `100B_[11024, 22304, 11072, 22344]` (a box's corners) -> `100B`, and other exporters'
    `<slide>/<slide>_<x>_<y>` -> the folder: tiles that say the slide they were cut from, by a
    region tag or box in brackets or by lying in a folder per slide named as the name before the
    tile's numbers, spelled with separators or without and a patch word between (Sen2Fire's
    `scene1/scene_1_patch_0_3.npz`: a patch of satellite scene 1). Either says the slide or scene
    outright, so two, one with several tiles, are enough (a project's few), where `by_crop_source`'s
    bare numbers ask for five (fewer may be classes). A split folder is no slide."""
    subjects = {}
    numbers = rf"(?:[_\- ]+(?:{'|'.join(_PATCH_WORDS)}))?(?:[_\- ]+{_TAIL_NUMBER.pattern}){{{_MIN_TAIL},}}"
    for pair in pairs:
        name, folder = last_part(pair.name), pair.image.parent.name
        if (tagged := _REGION_TAG.fullmatch(name)) is not None:
            subjects[pair.name] = tagged["source"]
        elif folder_split(folder) is None and re.fullmatch(_spelled_loosely(folder) + numbers, name, re.IGNORECASE):
            subjects[pair.name] = folder
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, ("the slide each tile was cut from (a region tag or box in brackets, or a folder per slide or "
                      "scene)")


def _spelled_loosely(name: str) -> str:
    """A pattern of `name` whose words and numbers may be parted by separators or not, as a folder
    and the files in it spell one id (Sen2Fire's `scene1/` and `scene_1_...`); `name` escaped
    where it holds other characters."""
    runs = re.findall(r"[a-z]+|\d+", name, re.IGNORECASE)
    if not runs or not re.fullmatch(r"[a-z\d_\- ]+", name, re.IGNORECASE):
        return re.escape(name)
    return r"[_\- ]*".join(runs)


def _tail_numbers(name: str) -> int:
    """How many numbers end `name` (`lv1` counts) while the name before them still holds a digit."""
    parts = NAME_PART.findall(name)
    count = 0
    while count < len(parts) - 1 and _TAIL_NUMBER.fullmatch(parts[-1 - count]) \
            and any(c.isdigit() for c in _without_tail(name, count + 1)):
        count += 1
    return count


def _without_tail(name: str, numbers: int) -> str:
    """`name` without its last `numbers` parts and the separators before them."""
    start = [m.start() for m in NAME_PART.finditer(name)][-numbers]
    return name[:start].rstrip("_- ")


def by_leading_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """CDD-CESM's `P1_L_DM_MLO` and `P1_L_CM_MLO` -> `P1`: a subject id (letters and a number) before
    words that each take a few values (breast side, image type, view), in as many subjects as
    `in_enough_folders` asks, most with several images: one breast's views and types show one lesion."""
    subjects: dict[str, str] = {}
    values: dict[int, set[str]] = {}  # a word's place after the id -> the words found there
    for pair in pairs:
        if (found := _LEADING_ID.fullmatch(last_part(pair.name))) is not None:
            subjects[pair.name] = found["subject"]
            for place, word in enumerate(NAME_PART.findall(found["words"])):
                values.setdefault(place, set()).add(word.lower())
    if any(len(found) > _FEW_VALUES for found in values.values()) or not most_have_several(subjects) \
            or not in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the subject id before words of a few values (side, type, view)"
