"""Subjects found in file names, so that a random split never divides one.

2-D datasets cut from scans and videos name their files after the scan: TransUNet's Synapse
`case0005_slice000`, an ACDC export's `patient001_frame01`, SA-Med2D-20M's `ct_00--AbdomenCT1K--Case_00001--x_0003`
(slice 3 along x), MedSAM's `CT_Abd_FLARE22_Tr_0001-012` (slice 12 of CT 0001), BiomedParse's
`patient001_frame01_1_MRI_heart` (a patient id first, whatever follows), a lesion's crop (ULS23's `case_00000_lesion_01`), the LGG MRI set's
`TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_12.tif` (a folder per patient, numbered slices),
the Ultrasound Nerve Segmentation's `47_120.tif` (image 120 of subject 47), Carvana's
`0cdf5b5d0ce1_01.jpg` (view 1 of car `0cdf5b5d0ce1`), CHASE_DB1's `Image_01L.jpg` and
`Image_01R.jpg` (one child's two eyes; a stereo camera's `P000/image_left/000000_left.png`: TartanAir's
trajectory P000), CholecSeg8k's `video01/video01_00080/` (a clip of video
1), names that repeat in every numbered folder (KolektorSDD's `kos01/Part0.jpg`: a folder per
item), a video's frames numbered after its folder (SegTrack v2's `bmx/bmx_06668.png`), or the
satellite scene a patch was cut from (38-Cloud's
`patch_1_1_by_1_LC08_L1TP_002053_20160520_20170324_01_T1`: Landsat scene 002053 of 2016-05-20;
Sen2Fire's `scene1/scene_1_patch_0_3`), the place seen before a sensor code (CALFIN's glacier
`Upernavik-NE_LE07_L1TP_2003-06-10_...`),
or the slide or image a crop was cut from, before the numbers of its place (DigestPath's
`18-00530A_2019-05-01 21_00_01-lv1-20000-15766-2530-2296`: slide `18-00530A`, its scan date,
level and the crop's x, y, width and height; QuPath's TileExporter's `CMU-1/CMU-1 [d=2,x=0,y=64,w=64,h=64]`:
slide `CMU-1`, in a folder of its own; TIGER's `100B_[11024, 22304, 11072, 22344]`: a box on slide `100B`), a subject id before words of a few values (CDD-CESM's
`P1_L_DM_MLO` and `P1_L_CM_MLO`: patient 1's left breast, low-energy and subtracted, in the MLO view),
or, failing those, the mask images share (Foggy Cityscapes' three renderings of one frame), or last
the name an image has in each of sibling folders repeating one image and mask tree (ROSE's
`SVC/train/img/01.tif` and `DVC/train/img/01.tif`: one eye at two depths of the retina), or the
path below top folders that repeat one tree of images (MIDV-2020's `templates/images/alb_id/00.jpg`
and `photo/images/alb_id/00.jpg`: one document scanned and photographed). A case folder that
each of sibling trees holds alike is one subject across them (CVC-MUSCIMA's `ideal/w-01/` and
`curvature/w-01/`: one writer's pages under two distortions). First of
all, a change-detection scene seen at two dates, each date an image with its own mask in sibling
folders named for the dates (SECOND's `im1/00003.png` + `label1/` and `im2/00003.png` + `label2/`).
Neighbouring slices look alike, so a split that puts some in training and others in validation
scores memory, not generalisation. When nearly every name says its subject, the pairs carry it as
their group, and `seglab.data.splitting.splits` keeps each group in one split (as it does for volumes). A
metadata table the dataset ships (`seglab.data.splitting.subject_tables`: HAM10000's lesion_id) comes first.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.channel_files import DATE_WORDS, YEAR, date_order, date_words
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.discovery.naming import folder_split, folders_split, stem, words
from seglab.data.discovery.naming.affixes import without_affix_words
from seglab.data.discovery.naming.case_versions import case_name
from seglab.data.splitting.subject_tables import SubjectTable, find_subject_table
from seglab.data.discovery.unmasked import is_background_fill, is_shared_blank

log = logging.getLogger(__name__)

# a slice or frame number, a lesion's (ULS23's `case_00000_lesion_01`), or a slice along an axis (SA-Med2D-20M's
# `ct_00--AbdomenCT1K--Case_00001--x_0003`: slice 3 along x)
_SLICE_NAME = re.compile(r"^(?P<subject>.*?[a-z0-9])(?:[_\-. ]*(?:slice|slc|frame|lesion)[_\-. ]*|[_\-. ]+[xyz]_)\d+$",
                         re.IGNORECASE)
# MedSAM's `CT_Abd_FLARE22_Tr_0001-012`: slice 12 after a case id ending in a zero-padded number
_CASE_SLICE = re.compile(r"(?P<subject>.*[a-z].*[_\-]\d{3,})-\d{3,}", re.IGNORECASE)
# BiomedParse's `patient001_frame01_1_MRI_heart`: a word naming a subject and its number lead the name
_CASE_ID = re.compile(r"(?P<subject>(?:patient|case|subject)[_\- ]?\d+)[_\- ].+", re.IGNORECASE)
_EYE_WORDS = {"l", "r", "od", "os", "left", "right"}
_EYE_NAME = re.compile(rf"^(?P<subject>.*\d)[_\- ]?(?:{'|'.join(sorted(_EYE_WORDS))})$", re.IGNORECASE)
_SCENE_ID = re.compile(  # Landsat Collection and pre-collection ids, Sentinel-2 product names
    r"L[COTEM]0\d_L\w{3}_\d{6}_\d{8}_\d{8}_\d{2}_(?:T1|T2|RT)|L[COTEM]\d\d{13}[A-Z]{3}\d{2}"
    r"|S2[A-D]_MSIL[12][AC]_\d{8}T\d{6}_N\d{4}_R\d{3}_T\d{2}[A-Z]{3}_\d{8}T\d{6}")
# CALFIN's `Upernavik-NE_LE07_L1TP_2003-06-10_017-008_T1_B4_Subset`: a place named by words before a
# Landsat sensor and processing level, or a Sentinel-2 mission and product level
_PLACE_BEFORE_SENSOR = re.compile(
    r"(?P<place>[a-z][a-z_\- ]*?)[_\- ]+(?:L[COTEM]0\d_L\w{3}|S2[A-D]_MSIL[12][AC])_", re.IGNORECASE)
_PATCH_WORDS = ("patch", "tile", "crop", "chip")  # before a tile's numbers: Sen2Fire's `scene_1_patch_0_3`
_TAIL_NUMBER = re.compile(r"[a-z]{0,3}\d+", re.IGNORECASE)  # a crop's x, y, w, h or date; `lv1`: a zoom level
_REGION_TAG = re.compile(  # QuPath's TileExporter: `CMU-1 [d=2,x=0,y=64,w=64,h=64]`, z and t after h where set;
    # a bracketed box of corners (TIGER's `100B_[11024, 22304, 11072, 22344]`: x1, y1, x2, y2 on slide 100B)
    r"(?P<source>.*[^\s_\-])[\s_\-]*\[(?:(?:d=[\d.]+,)?x=\d+,y=\d+(?:,[a-z]=[\d.]+)*|\d+(?:,\s*\d+){3})\]",
    re.IGNORECASE)
_NAME_PART = re.compile(r"[^_\- ]+")
# Carvana: a hex id; OSIC's (Chest CT Segmentation's) `ID00007637202177411956430`: letters and a long number
_SUBJECT_AND_NUMBER = re.compile(r"(?P<subject>\d+|[0-9a-f]{8,}|[a-z]+\d{8,})[_\-](?P<number>\d+)", re.IGNORECASE)
_LEADING_ID = re.compile(r"(?P<subject>[a-z]+\d+)(?P<words>(?:[_\- ][a-z][a-z0-9]*)+)", re.IGNORECASE)  # P1_L_DM_MLO
_CLIP = re.compile(r"(?P<case>.+)[_\-]\d+")  # SUN-SEG's case1_3: clip 3 of case 1
_FRAME_NUMBER = re.compile(r"(?P<video>.*\D)?(?P<frame>\d+)")  # SegTrack's bmx_06668: frame 6668 of bmx
_FOLDER_NUMBER = re.compile(r"\d+$")  # the case a folder holds: TNBC's Slide_01/ and GT_01/
_SHARE = 0.9  # of the names that must say their subject
_MIN_FOLDERS = 5  # subjects by folder or number; fewer are more likely classes (BUSI's benign/, malignant/)
_FRAME_DIGITS = 5  # a video's frame numbers: DAVIS' 00000.jpg; fewer digits number samples (MVTec's 000.png)
_MIN_CASES = 3  # case folders named with a number: a train, a validation and a test subject
_MOST_IN_ONE = 1 / 3  # of the pairs in one folder of repeated names: more is a whole split (MVTec's good/)
_MIN_TAIL = 2  # numbers after a crop's source: x and y at least; one is a frame (CamVid's `0001TP_006690`)
_FEW_VALUES = 4  # a word after a subject id, each of its values: a breast side, an image type, a view


def with_subjects(index: DatasetIndex) -> DatasetIndex:
    """`index` with each pair's subject as its group, when a shipped table or the names give them
    (see module doc); unchanged when any pair has a group already or neither says."""
    if not index.pairs or any(p.group is not None for p in index.pairs):
        return index
    if (table := find_subject_table(index.pairs, index.root)) is not None:
        return _by_table(index, table)
    found = (_by_dates(index.pairs, index.root) or _by_slice_token(index.pairs) or _by_case_id(index.pairs)
             or _by_numbered_folder(index.pairs)
             or _by_subject_number(index.pairs, index.root)
             or _by_eye(index.pairs, index.root) or _by_case_folder(index.pairs, index.root, index.label_folders)
             or _by_numbered_folder_pair(index.pairs, index.root)
             or _by_repeated_names(index.pairs, index.root) or _by_frame_folder(index.pairs, index.root)
             or _by_case_slice(index.pairs) or _by_place_before_sensor(index.pairs) or _by_scene_id(index.pairs)
             or _by_crop_source(index.pairs) or _by_tile_source(index.pairs) or _by_leading_id(index.pairs)
             or _by_shared_mask(index.pairs, index.root) or _by_parallel_trees(index.pairs, index.root)
             or _by_repeated_top_trees(index.pairs, index.root))
    if found is None:
        return index
    subjects, how = found
    subjects, clips = _clips_together(subjects)
    how += ", clips of one case together" if clips else ""
    subjects, versions = _versions_together(subjects)
    how += ", versions of one case together" if versions else ""
    subjects, variants = _variants_together(subjects)
    how += ", a case's folder in each sibling tree together" if variants else ""
    example = next(p for p in index.pairs if p.name in subjects)
    shown = _example_name(example, index.pairs)
    line = (f"{len(set(subjects.values()))} subjects in the names, by {how} ('{shown}' is "
            f"'{subjects[example.name]}'): a split keeps each subject's images together")
    return _grouped(index, subjects, line)


def _clips_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """SUN-SEG's `Frame/case1_1/` and `Frame/case1_3/` -> `Frame/case1`: subjects named as a case
    (a last word holding a letter and a number) and a clip number after it, when some case has
    several clips: clips of one patient's video look alike. A name without a number before its own
    (TNBC's `Slide_01`, `Slide_02`; SA-Med2D-20M's `ct_00--AbdomenCT1K--Case_00001`, whose digits lie
    in words before) names no case. Whether any were put together."""
    return _cases_together(subjects, _clip_case)


def _clip_case(last: str) -> str | None:
    """The case a subject's last part names before its clip number (`case1` of `case1_3`), None where none."""
    found = _CLIP.fullmatch(last)
    words = _NAME_PART.findall(found["case"]) if found else []  # none in a case of separators alone (`__1`)
    word = words[-1] if words else ""
    return found["case"] if any(c.isalpha() for c in word) and any(c.isdigit() for c in word) else None


def _versions_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """SenNet + HOA 2023's `train/kidney_1_dense` and `train/kidney_1_voi` -> `train/kidney_1`:
    subjects named as versions of one case (`versioned_case`), or as the case itself, where the
    case has several: one kidney labelled twice over, split apart, is scored on what was trained
    on. Whether any were put together."""
    return _cases_together(subjects, case_name)


def _variants_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """CVC-MUSCIMA's `CvcMuscima-Distortions/ideal/w-01` and `curvature/w-01` -> `CvcMuscima-Distortions/w-01`:
    subject folders whose names hold a number (a writer, a patient) in each of two or more sibling
    folders that hold the same such folders, each with the same file names: one tree rendered or
    imaged each way (a writer's pages under every distortion), whose copies of a page, split apart,
    are scored as unseen. The files are their paths below the subject folder (ROBUST-MIS' patients'
    `<frame>/raw.png` differ by frame). Sites numbering their patients anew hold other patients and
    other images (`_sequences_together` tells them by their sets). Whether any were put together."""
    files: dict[str, set[str]] = {}
    for name, subject in subjects.items():
        if name.startswith(f"{subject}/"):  # a folder's subject, not a name's
            files.setdefault(subject, set()).add(name.removeprefix(f"{subject}/").lower())
    trees: dict[str, dict[str, dict[str, frozenset[str]]]] = {}  # a parent -> its folders -> their cases' files
    for subject, held in files.items():
        tree, _, case = subject.rpartition("/")
        parent, _, variant = tree.rpartition("/")
        if variant and folder_split(variant) is None and any(c.isdigit() for c in case):
            trees.setdefault(parent, {}).setdefault(variant, {})[case] = frozenset(held)
    merged = {}
    for parent, variants in trees.items():
        alike = Counter(frozenset(cases.items()) for cases in variants.values())
        for variant, cases in variants.items():
            if alike[frozenset(cases.items())] > 1 and len(cases) >= _MIN_CASES:
                merged.update({f"{parent}/{variant}/".lstrip("/") + case: f"{parent}/{case}".lstrip("/")
                               for case in cases})
    return {name: merged.get(subject, subject) for name, subject in subjects.items()}, bool(merged)


def _cases_together(subjects: dict[str, str], case_of_last: Callable[[str], str | None]) -> tuple[dict[str, str], bool]:
    """Each subject as the case `case_of_last` reads in its last part (None: no case), where that
    case is read in several subjects. Whether any were put together."""
    case_of = {}
    for subject in set(subjects.values()):
        head, _, last = subject.rpartition("/")
        if (case := case_of_last(last)) is not None:
            case_of[subject] = f"{head}/{case}" if head else case
    counts = Counter(case_of.values())
    merged = {subject: case for subject, case in case_of.items() if counts[case] > 1 and case != subject}
    return {name: merged.get(subject, subject) for name, subject in subjects.items()}, bool(merged)


def _grouped(index: DatasetIndex, subjects: dict[str, str], line: str) -> DatasetIndex:
    """`index` with each pair grouped by its subject (a pair without one is a group of its own),
    and `line` logged and kept for `seglab inspect`."""
    log.info("%s: %s", index.root, line)
    pairs = [replace(p, group=subjects.get(p.name, p.name)) for p in index.pairs]
    return replace(index, pairs=pairs, pairing=[*index.pairing, line])


def _by_table(index: DatasetIndex, table: SubjectTable) -> DatasetIndex:
    """`index` grouped by `table`, which is read now and so no longer listed as ignored."""
    unlisted = len(index.pairs) - len(table.subjects)
    line = (f"split by the {table.column} of {_shown(table.path, index.root)}: "
            f"{len(set(table.subjects.values())) + unlisted:,} groups"
            + (f" ({unlisted:,} pairs it gives no {table.column}: a group each)" if unlisted else ""))
    ignored = [p for p in index.ignored if os.path.abspath(p) != os.path.abspath(table.path)]
    return _grouped(replace(index, ignored=ignored), table.subjects, line)


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _example_name(example: Pair, pairs: list[Pair]) -> str:
    """`example`'s name as the log shows it: its file's, or its whole name where other pairs' files
    share it (ROBUST-MIS' `raw` of every frame folder), which would say nothing."""
    last = _last(example.name)
    return last if sum(_last(p.name) == last for p in pairs) == 1 else example.name


def _shown(path: Path, root: Path) -> str:
    """`path` inside the dataset folder as `seglab inspect` lists its files."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def subject_of(name: str) -> str | None:
    """`case0005_slice000` -> `case0005`: the name before its slice, frame or lesion number or its
    slice along an axis (`--x_0003`), as often as it ends in one (`patient001_frame01_slice_3` ->
    `patient001`); None when it ends in none."""
    subject = name
    while (found := _SLICE_NAME.match(subject)) is not None:
        subject = found.group("subject")
    return subject if subject != name else None  # a match always shortens the name


def _by_dates(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """SECOND's `im1/00003.png` + `label1/` and `im2/00003.png` + `label2/` -> `00003`: images of one
    name in sibling folders named for two dates (im1/im2, A/B, t1/t2, pre/post: `date_order`; or two
    years, 2018/ and 2019/), each date with its own mask, show one scene; apart, its dates would
    straddle splits."""
    stems: dict[Path, dict[str, str]] = {}
    for pair in pairs:
        stems.setdefault(pair.image.parent, {})[pair.image.stem.lower()] = pair.name
    siblings: dict[Path, list[Path]] = {}
    for folder in stems:
        siblings.setdefault(folder.parent, []).append(folder)
    dated_with = {folder: others for group in siblings.values() for folder, others in _dated_siblings(group).items()}
    subjects, dated = {}, []
    for folder, named in stems.items():
        for other in dated_with.get(folder, ()):
            scene = Path(os.path.relpath(folder.parent, root))
            subjects.update({named[key]: (scene / key).as_posix() for key in named.keys() & stems[other].keys()})
            dated.append(folder.name)
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, f"the scene its dates show, named alike in sibling date folders ({'/, '.join(dated[:2])}/)"


def _dated_siblings(folders: list[Path]) -> dict[Path, list[Path]]:
    """Each of `folders` (one parent's) -> those of the others its name dates it against (`_dates`),
    in their order. Two names can only be alike but for a year, or alike but for a date word each
    (`date_order`: their words less that word are one set), so only names sharing such a key are
    compared: 10,000 chip folders under one parent are not 10^8 comparisons."""
    alike: dict[object, list[Path]] = {}
    for folder in folders:
        named = set(date_words(folder.name))
        for key in [YEAR.sub("#", folder.name), *(frozenset(named - {word}) for word in named & DATE_WORDS)]:
            alike.setdefault(key, []).append(folder)
    candidates: dict[Path, set[Path]] = {}
    for group in alike.values():
        for folder in group:
            candidates.setdefault(folder, set()).update(other for other in group if other != folder)
    order = {folder: i for i, folder in enumerate(folders)}
    return {folder: [other for other in sorted(others, key=order.__getitem__) if _dates(folder.name, other.name)]
            for folder, others in candidates.items()}


def _dates(folder: str, other: str) -> bool:
    """Whether two folder names differ by the words of two dates, or by a year alone."""
    years = [YEAR.sub("#", name) for name in (folder, other)]
    return date_order([folder, other], True) is not None or (years[0] == years[1] and folder != other)


def _by_slice_token(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """Names ending in a slice or frame number (`subject_of`): a patient's two frames stay together."""
    subjects = {}
    for pair in pairs:
        if (subject := subject_of(_last(pair.name))) is not None:
            subjects[pair.name] = subject
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the name before its slice, frame or lesion number"


def _by_case_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """BiomedParse's `patient001_frame01_1_MRI_heart` -> `patient001`: a word that names a subject
    (patient, case, subject) and its number lead the name, its frame, slice, modality and site
    after it, in as many subjects as `_in_enough_folders` asks, each in its folder (`_in_its_folder`):
    the word says the subject outright, whatever follows (`subject_of` reads only a slice or frame
    number at the end)."""
    subjects = {pair.name: _in_its_folder(pair.name, found["subject"]) for pair in pairs
                if (found := _CASE_ID.fullmatch(_last(pair.name))) is not None}
    if not _in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the patient, case or subject id the name starts with"


def _by_numbered_folder(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """`TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_12` -> its folder: files numbered after the
    folder they lie in, or folders numbered after the one above (CholecSeg8k's
    `video01/video01_00080/frame_80_endo` -> `video01`), in several folders."""
    subjects = {}
    for pair in pairs:
        folder, above = pair.image.parent.name, pair.image.parent.parent.name
        if re.fullmatch(rf"{re.escape(folder)}[_\-]\d+", _last(pair.name), re.IGNORECASE):
            subjects[pair.name] = folder
        elif above and re.fullmatch(rf"{re.escape(above)}[_\-]\d+", folder, re.IGNORECASE):
            subjects[pair.name] = above
    if len(set(subjects.values())) < _MIN_FOLDERS or not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the folder each is numbered after"


def _by_subject_number(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """`47_120` -> `47`: names of two numbers, subject and image (mask/image words aside:
    `119_sat_09`), in several subjects. Only numbers, or ids of a long number (OSIC's
    `ID00007637202177411956430_12`: slice 12 of a patient): a word before a number is as often a
    class or scene (`kitchen_0001`), and a split by classes would validate on classes never
    trained on. Numbers count from `_MIN_FOLDERS` subjects (fewer may be classes, or a map's sheets:
    Massachusetts Roads' `10078660_15`), ids holding letters (a hex id, an accession number) from
    `_MIN_CASES`: they name subjects outright. A number in several image folders is no subject's
    (GeoNRW's `aachen/291_5620` and `bergisch/291_5621`: a grid's easting, which neighbouring
    cities share): the folders are (`_by_image_folder`)."""
    subjects = {}
    for pair in pairs:
        found = _SUBJECT_AND_NUMBER.fullmatch(without_affix_words(_last(pair.name)))  # 119_sat_09: tile 119
        if found is not None:
            subjects[pair.name] = found.group("subject")
    fewest = _MIN_FOLDERS if any(subject.isdigit() for subject in subjects.values()) else _MIN_CASES
    if len(set(subjects.values())) < fewest or not _says_subjects(subjects, len(pairs)):
        return None
    in_split = {folder: _folder_in_split(folder, root) for folder in {pair.image.parent for pair in pairs}}
    folders = {pair.name: in_split[pair.image.parent] for pair in pairs}
    folders_of: dict[str, set[str]] = {}
    for name, subject in subjects.items():
        folders_of.setdefault(subject, set()).add(folders[name])
    if any(len(found) > 1 for found in folders_of.values()):
        return _by_image_folder(folders, len(pairs))
    return subjects, "the number before the image's number"


def _folder_in_split(folder: Path, root: Path) -> str:
    """An image folder below `root` less its split folders (`train/aachen` -> `aachen`, `test/` ->
    `.`): a subject in a shipped train/ and test/ is in one place, and a split is no group. Callers
    ask once per folder: many pairs share one."""
    parts = Path(os.path.relpath(folder, root)).parts
    return Path(*(part for part in parts if folder_split(part) is None)).as_posix()


def _by_image_folder(folders: dict[str, str], pairs: int) -> tuple[dict[str, str], str] | None:
    """GeoNRW's `aachen/290_5620_rgb.jp2` -> `aachen`: tiles named by grid numbers that recur from
    folder to folder lie in a folder per city or site, neighbours alike; as many folders as
    `_by_repeated_names` asks, none holding a whole split. Files outside any folder are no group."""
    subjects = {name: folder for name, folder in folders.items() if folder != "."}
    if not _in_enough_folders(subjects, pairs):
        return None
    return subjects, "the folder each is in, whose numbers recur in the others (a grid's, not a subject's)"


def _by_eye(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """`Image_01L` -> `Image_01`: a person's left and right eye (`L`/`R`, `OD`/`OS`) after their
    number, most people with both; an eye in training and its fellow in test is a near copy. The
    folder around the pair is part of the subject (`_eye_folder`): TartanAir's
    `<env>/Easy/P000/image_left/000000_left.png` is frame 0 of trajectory P000, not of every one.
    Numbers that are a video's frames (`_video_frame`) in several such folders are a stereo
    camera's: the sequence folder is the subject, as for DAVIS' videos, its frames near copies."""
    subjects, sequences = {}, {}
    eye_folders: dict[Path, str] = {}  # an image folder -> its `_eye_folder`, asked once
    for pair in pairs:
        if (found := _EYE_NAME.match(_last(pair.name))) is not None:
            folder = pair.image.parent
            if folder not in eye_folders:
                eye_folders[folder] = _eye_folder(folder, root)
            sequences[pair.name] = eye_folders[folder]
            subjects[pair.name] = (Path(sequences[pair.name]) / found.group("subject")).as_posix()
    if not _most_have_several(subjects) or not _says_subjects(subjects, len(pairs)):
        return None
    if all(_video_frame(_last(s)) for s in subjects.values()) and _in_enough_folders(sequences, len(pairs)):
        return sequences, "the sequence folder of its stereo frames (a left and a right camera's)"
    return subjects, "the name before its eye (L or R)"


def _eye_folder(images: Path, root: Path) -> str:
    """The folder a pair of eyes or cameras lies in below `root`, from their image folder `images`,
    less split folders and the camera's own folder (TartanAir's `P000/image_left/` -> `P000`), so
    that both eyes share it."""
    folder = Path(_folder_in_split(images, root))
    return folder.parent.as_posix() if _EYE_WORDS & set(words(folder.name)) else folder.as_posix()


def _by_case_folder(pairs: list[Pair], root: Path, label_folders: dict[Path, Path]
                    ) -> tuple[dict[str, str], str] | None:
    """CHAOS' `CT/1/DICOM_anon/i0000,0000b.dcm` + `CT/1/Ground/liver_GT_000.png` -> `CT/1`: image
    and mask folders inside a folder per case, whose name holds a number (a patient, not a class
    such as BUSI's benign/), in several cases; their files name no subject. A mask painted into
    the cache says its case by its annotation file's folder (SpaceNet 7's `<AOI>/labels_match_pix/`).
    Not a folder holding split folders (BTAD's products `01/test/ko/` + `01/ground_truth/ko/`): a
    dataset of its own, whose images are no one subject's."""
    cases = {}
    top = Path(os.path.abspath(root))  # absolute: DATA, --images and --masks may each be given relative or not
    for pair in pairs:
        labels = label_folders.get(pair.image) or (pair.mask.parent if pair.mask is not None else None)
        if labels is None or labels == pair.image.parent:
            continue
        case = _case_folder(Path(os.path.abspath(pair.image.parent)), Path(os.path.abspath(labels)))
        if case != top and case.is_relative_to(top) and folders_split(Path(os.path.abspath(pair.image)), case) is None:
            cases[pair.name] = case.relative_to(top)
    together = _sequences_together(cases)
    subjects = {name: case.as_posix() for name, case in together.items() if any(c.isdigit() for c in case.name)}
    if len(set(subjects.values())) < _MIN_CASES or not _says_subjects(subjects, len(pairs)):
        return None
    lifted = " (the one above, where each holds folders of the same names: a patient's sequences)"
    return subjects, "the case folder holding its image and mask folders" + (lifted if together != cases else "")


def _case_folder(images: Path, labels: Path) -> Path:
    """The folder holding both, or the images' case folder where the labels lie in a sibling that
    is a version of its case (SenNet's `kidney_3_sparse/images/` + `kidney_3_dense/labels/`)."""
    cases = (images.parent, labels.parent)
    if cases[0] != cases[1] and cases[0].parent == cases[1].parent \
            and len({case_name(case.name) for case in cases}) == 1:
        return cases[0]
    return Path(os.path.commonpath([images, labels]))


def _sequences_together(cases: dict[str, Path]) -> dict[str, Path]:
    """CHAOS' `MR/1/T1DUAL/` and `MR/1/T2SPIR/` -> `MR/1`: case folders of the same names in each of
    `_MIN_CASES` folders or more name the sequences, scans or visits of the case above them (a
    patient's two MR sequences), which is the case. Patients numbered anew in each of several
    sites (`siteA/1/`, `siteB/1/`, ...) are told apart by the sites' differing sets of them."""
    below: dict[Path, set[str]] = {}
    for case in set(cases.values()):
        if case.parent != Path("."):
            below.setdefault(case.parent, set()).add(case.name)
    shared = Counter(frozenset(names) for names in below.values())
    return {name: case.parent if case.parent in below and shared[frozenset(below[case.parent])] >= _MIN_CASES
            else case for name, case in cases.items()}


def _by_numbered_folder_pair(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """TNBC's `Slide_01/01_1.png` + `GT_01/01_1.png` -> `Slide_01`: image and mask folders side by
    side that end with one number, a pair of folders per case (slide, patient), in several cases."""
    subjects = {}
    for pair in pairs:
        if pair.mask is None or pair.mask.parent == pair.image.parent or (
                pair.mask.parent.parent != pair.image.parent.parent and pair.mask.parent.name != pair.image.parent.name):
            continue  # renamed mirrored trees' numbered folders (Fish4Knowledge's fish_01/ and mask_01/) are a
            # species each; mirrored folders of one name (IDD's leftImg8bit/train/0/ + gtFine/train/0/) a drive each
        numbers = [_FOLDER_NUMBER.search(folder.name) for folder in (pair.image.parent, pair.mask.parent)]
        if all(numbers) and len({int(n[0]) for n in numbers if n}) == 1:
            subjects[pair.name] = os.path.relpath(pair.image.parent, root)
    if len(set(subjects.values())) < _MIN_CASES or not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the numbered image and mask folders of its case"


def _video_frame(name: str) -> bool:
    """Whether a name is a video's frame number as video datasets write it, five digits or more
    (DAVIS' and YouTube-VOS' `00000`): MVTec AD's `000.png` in `broken_large/` and `contamination/`
    number the samples of a defect type, whose folders are classes to learn, not videos."""
    return name.isdigit() and len(name) >= _FRAME_DIGITS


def _by_repeated_names(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """KolektorSDD's `kos01/Part0.jpg` ... `kos50/Part0.jpg` -> the folder: file names that repeat
    from folder to folder name a part or frame of the item or sequence each folder holds, in
    several folders whose names hold a number (a word may name a class: `benign/`), or that lie in
    one each (CT-ICH's `Patients_CT/049/brain/`: `_item_folder`), or whose files are numbered frames (DAVIS' `JPEGImages/480p/bear/00000.jpg`: a video named by a word), none
    holding more than a third of the pairs (one split's worth). Numbered folders count from
    `_MIN_CASES`, as case folders do (DSAD's `liver/01/image00.png` ... `liver/04/`: a surgery
    each); folders named by words from `_MIN_FOLDERS`."""
    folders_of: dict[str, set[Path]] = {}
    for pair in pairs:
        folders_of.setdefault(_last(pair.name).lower(), set()).add(pair.image.parent)
    items = {pair.name: _item_folder(pair.image, root) for pair in pairs}
    subjects = {pair.name: items[pair.name] for pair in pairs
                if len(folders_of[_last(pair.name).lower()]) > 1
                and (_video_frame(_last(pair.name)) or any(c.isdigit() for c in os.path.basename(items[pair.name])))}
    if not _in_enough_folders(subjects, len(pairs)):
        return _by_item_folder(pairs, root, folders_of)
    return subjects, "the folder each is in, whose file names repeat in the others"


def _by_item_folder(pairs: list[Pair], root: Path, folders_of: dict[str, set[Path]]
                    ) -> tuple[dict[str, str], str] | None:
    """A folder per item, each holding one pair whose file name repeats in other folders: the
    folder names no subject, as it holds only one image. One name in every folder (ROBUST-MIS'
    `<surgery>/<patient>/<frame>/raw.png`) says a frame: the folder above, numbered, is the video;
    several names, each in several folders (SeasoNet's `<season>/grid1/<patch>/<patch>_10m_RGB.tif`),
    say a place seen at several times: the name is the subject. In as many groups as
    `_by_repeated_names` asks."""
    if len({p.image.parent for p in pairs}) < len(pairs) or any(len(f) < 2 for f in folders_of.values()):
        return None
    if len(folders_of) == 1:
        found = _outermost_numbered_folders(pairs, root)
        how = "the numbered folder above its frame's (every frame or view one file of one name: a video's, a scene's)"
        return (found, how) if found is not None else None
    subjects = {p.name: _last(p.name) for p in pairs}
    how = "its name, which each of several folders holds (one place or item seen again)"
    return (subjects, how) if _in_enough_folders(subjects, len(pairs)) else None


def _outermost_numbered_folders(pairs: list[Pair], root: Path) -> dict[str, str] | None:
    """Each pair's outermost folder under `root`, above its own, whose name holds a number and that
    gives as many groups as `_in_enough_folders` asks, else the next one in (a release folder such as
    `Structured3D/` is one group): ROBUST-MIS' `Training/<surgery>/<patient>/<frame>/raw.png` ->
    `Training/<surgery>/<patient>`; Structured3D's `scene_00000/2D_rendering/2201/perspective/full/1/`
    -> `scene_00000`, whose rooms (2201) and cameras, furnished and empty, show one house. Levels count
    up from the frame's folder, not down from `root`: ROBUST-MIS' `Testing/Stage_1/<surgery>/<patient>/`
    holds a numbered folder more than `Training/<surgery>/<patient>/`, a test stage, not a patient."""
    numbered = {}
    for pair in pairs:
        parts = Path(os.path.relpath(pair.image.parent.parent, root)).parts
        numbered[pair.name] = [Path(*parts[:i + 1]).as_posix() for i, part in enumerate(parts)
                               if any(c.isdigit() for c in part)][::-1]  # the innermost first
    for level in reversed(range(max(map(len, numbered.values()), default=0))):
        subjects = {name: folders[level] for name, folders in numbered.items() if len(folders) > level}
        if _in_enough_folders(subjects, len(pairs)):
            return subjects
    return None


def _item_folder(image: Path, root: Path) -> str:
    """The folder of the item an image is part of, under `root`: its own, or the one above when
    only that one's name holds a number (CT-ICH's `Patients_CT/049/brain/3.jpg`: slice 3 of
    patient 049 in the brain window, beside `bone/`)."""
    folder = os.path.relpath(image.parent, root)
    above = os.path.dirname(folder)
    numbered = [any(c.isdigit() for c in os.path.basename(name)) for name in (folder, above)]
    return above if above and not numbered[0] and numbered[1] else folder


def _by_frame_folder(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """SegTrack v2's `JPEGImages/bmx/bmx_06668.png`, `birdfall/birdfall2_00018.png`, `girl/00001.bmp`
    -> the folder: a video's frames, named by a frame number (`_video_frame`) alone or after the
    folder's name, in as many folders as `_by_repeated_names` asks, whose numbers need not repeat
    (a video may start at any frame). A name before the number that is not the folder's
    (ADE20K's `<scene>/ADE_train_00000001.jpg`) says no video."""
    subjects = {}
    for pair in pairs:
        found, folder = _FRAME_NUMBER.fullmatch(_last(pair.name)), pair.image.parent
        if found is not None and _video_frame(found["frame"]) \
                and (found["video"] or folder.name).lower().startswith(folder.name.lower()):  # or a bare number
            subjects[pair.name] = os.path.relpath(folder, root)
    if not _in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the folder each is in, of frames numbered after it"


def _in_enough_folders(subjects: dict[str, str], pairs: int) -> bool:
    """Whether folder subjects are several folders, none holding a whole split (more than
    `_MOST_IN_ONE` of the pairs): from `_MIN_CASES` folders whose names hold a number, from
    `_MIN_FOLDERS` named by words (fewer are more likely classes)."""
    counts = Counter(subjects.values())
    numbered = all(any(c.isdigit() for c in os.path.basename(folder)) for folder in counts)
    fewest = _MIN_CASES if numbered else _MIN_FOLDERS
    return len(counts) >= fewest and max(counts.values(), default=0) <= _MOST_IN_ONE * pairs \
        and _says_subjects(subjects, pairs)


def _by_case_slice(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """MedSAM's `CT_Abd_FLARE22_Tr_0001-012` -> `CT_Abd_FLARE22_Tr_0001`: a slice's three digits or
    more after a hyphen and a case id ending in a zero-padded number, the case in its folder
    (`_in_its_folder`). Tried after the folder rules: DICOM exports number a series so (CHAOS'
    `1/T2SPIR/DICOM_anon/IMG-0002-00001`, series 2 of patient 1, whose case folder says more). Not
    in `subject_of`, which names volume cases too: there a hyphen and three digits are a timepoint
    (`case_versions`)."""
    subjects = {pair.name: _in_its_folder(pair.name, found["subject"]) for pair in pairs
                if (found := _CASE_SLICE.fullmatch(_last(pair.name))) is not None}
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the case id before its slice number"


def _in_its_folder(name: str, subject: str) -> str:
    """`subject` under the folder a pair's `name` carries where file names repeat from folder to
    folder (Sunnybrook's `SC-HF-I-1/IM-0001-0048`): one id in two folders is two subjects."""
    folder = name.rpartition("/")[0]
    return f"{folder}/{subject}" if folder else subject


def _by_place_before_sensor(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """CALFIN's `Upernavik-NE_LE07_L1TP_2003-06-10_017-008_T1_B4_Subset` -> `Upernavik-NE`: a place
    named by words before a satellite's sensor and level code (Landsat's `LE07_L1TP`, Sentinel-2's
    `S2A_MSIL1C`), seen on several dates: one glacier's fronts look alike from year to year. A name
    holding a number before the code (38-Cloud's `patch_1_1_by_1_LC08_...`) names no place but a
    patch: `_by_scene_id` groups those."""
    subjects = {pair.name: found["place"] for pair in pairs
                if (found := _PLACE_BEFORE_SENSOR.match(_last(pair.name))) is not None}
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the place named before its satellite's sensor code (one place seen on several dates)"


def _by_scene_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """38-Cloud's `patch_1_1_by_1_LC08_L1TP_002053_20160520_20170324_01_T1` -> its Landsat scene:
    patches of one satellite scene share its clouds and ground, a leak if split apart."""
    subjects = {}
    for pair in pairs:
        if (found := _SCENE_ID.search(_last(pair.name))) is not None:
            subjects[pair.name] = found.group()
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the satellite scene each was cut from"


def _by_crop_source(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """DigestPath's `18-00530A_2019-05-01 21_00_01-lv1-20000-15766-2530-2296` -> `18-00530A`: the
    name before a tail of numbers (a crop's place, a date) that nearly every name ends in, cut
    at the same count of numbers in each, the longest the names allow (slide ids vary in form:
    `2018_64982_1-3`, `D20180011`). What is left must hold a number, as in `_by_subject_number`
    (Cityscapes' `aachen_000000_000019` names a city), in several subjects, none holding a third
    of the pairs."""
    tails = sorted((_tail_numbers(_last(p.name)) for p in pairs), reverse=True)
    cut = tails[math.ceil(_SHARE * len(pairs)) - 1]
    if cut < _MIN_TAIL:
        return None
    subjects = {p.name: _without_tail(_last(p.name), cut) for p in pairs if _tail_numbers(_last(p.name)) >= cut}
    counts = Counter(subjects.values())
    if len(counts) < _MIN_FOLDERS or max(counts.values()) > _MOST_IN_ONE * len(pairs) \
            or not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the name before the numbers of its crop or date"


def _by_tile_source(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """QuPath's TileExporter `tiles/CMU-1/CMU-1 [d=2,x=0,y=64,w=64,h=64]` -> `CMU-1`, TIGER's ROIs
    `100B_[11024, 22304, 11072, 22344]` (a box's corners) -> `100B`, and other exporters'
    `<slide>/<slide>_<x>_<y>` -> the folder: tiles that say the slide they were cut from, by a
    region tag or box in brackets or by lying in a folder per slide named as the name before the
    tile's numbers, spelled with separators or without and a patch word between (Sen2Fire's
    `scene1/scene_1_patch_0_3.npz`: a patch of satellite scene 1). Either says the slide or scene
    outright, so two, one with several tiles, are enough (a project's few), where `_by_crop_source`'s
    bare numbers ask for five (fewer may be classes). A split folder is no slide."""
    subjects = {}
    numbers = rf"(?:[_\- ]+(?:{'|'.join(_PATCH_WORDS)}))?(?:[_\- ]+{_TAIL_NUMBER.pattern}){{{_MIN_TAIL},}}"
    for pair in pairs:
        name, folder = _last(pair.name), pair.image.parent.name
        if (tagged := _REGION_TAG.fullmatch(name)) is not None:
            subjects[pair.name] = tagged["source"]
        elif folder_split(folder) is None and re.fullmatch(_spelled_loosely(folder) + numbers, name, re.IGNORECASE):
            subjects[pair.name] = folder
    if not _says_subjects(subjects, len(pairs)):
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
    parts = _NAME_PART.findall(name)
    count = 0
    while count < len(parts) - 1 and _TAIL_NUMBER.fullmatch(parts[-1 - count]) \
            and any(c.isdigit() for c in _without_tail(name, count + 1)):
        count += 1
    return count


def _without_tail(name: str, numbers: int) -> str:
    """`name` without its last `numbers` parts and the separators before them."""
    start = [m.start() for m in _NAME_PART.finditer(name)][-numbers]
    return name[:start].rstrip("_- ")


def _by_leading_id(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """CDD-CESM's `P1_L_DM_MLO` and `P1_L_CM_MLO` -> `P1`: a subject id (letters and a number) before
    words that each take a few values (breast side, image type, view), in as many subjects as
    `_in_enough_folders` asks, most with several images: one breast's views and types show one lesion."""
    subjects: dict[str, str] = {}
    values: dict[int, set[str]] = {}  # a word's place after the id -> the words found there
    for pair in pairs:
        if (found := _LEADING_ID.fullmatch(_last(pair.name))) is not None:
            subjects[pair.name] = found["subject"]
            for place, word in enumerate(_NAME_PART.findall(found["words"])):
                values.setdefault(place, set()).add(word.lower())
    if any(len(found) > _FEW_VALUES for found in values.values()) or not _most_have_several(subjects) \
            or not _in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the subject id before words of a few values (side, type, view)"


def _most_have_several(subjects: dict[str, str]) -> bool:
    """Whether at least half the subjects have several names."""
    counts = Counter(subjects.values())
    return sum(n >= 2 for n in counts.values()) >= len(counts) / 2


def _by_shared_mask(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """Foggy Cityscapes' `x_leftImg8bit_foggy_beta_0.005.png`, `_0.01` and `_0.02` -> their one mask
    `x_gtFine_labelIds.png`: images sharing a mask render one scene, a near copy across splits.
    `--unmasked-background`'s fills, and a run-length table's mask of the rows without a pixel, are
    shared by images that have nothing else in common."""
    subjects = {pair.name: _shown(pair.mask, root) for pair in pairs
                if pair.mask is not None and not is_background_fill(pair.mask) and not is_shared_blank(pair.mask)}
    if not _says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the mask they share"


def _by_parallel_trees(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """ROSE's `ROSE-1/SVC/train/img/01.tif` + `gt/01.tif`, again under `DVC/` and `SVC_DVC/` ->
    `ROSE-1/train/img/01`: one eye imaged at each depth of the retina, in sibling folders that
    each hold an image and mask folder pair of the same file names below split folders of their own
    (a copy of the dataset's tree, imaged another way). The folders told apart are named by words
    alone, above the masks as above the images, above a split and naming none: numbered folders are
    cases (`_by_case_folder`), word-named case folders holding their image and mask folders alike
    (`benign/images/`) classes, and MVTec AD's defect folders of `000.png` each (`test/broken_large/`,
    masks in `ground_truth/broken_large/`) other photos. A folder whose image folders of one split
    hold a name twice numbers its files in each (MVTec 3D-AD's `bagel/test/crack/rgb/000.png` and
    `bagel/test/hole/rgb/000.png`): its names are no subjects, and `cable_gland/`'s `000.png` another
    object's photo. Pairs outside such folders (ROSE-2's, another device's) are a group each."""
    folders: dict[tuple[Path, Path], set[str]] = {}  # an image and its mask folder -> the image names
    for pair in pairs:
        if pair.mask is not None:
            folders.setdefault((pair.image.parent, pair.mask.parent), set()).add(pair.image.stem.lower())
    trees: dict[tuple[tuple[str, ...], int], dict[Path, set[str]]] = {}  # the path less one part -> its folders
    splits: dict[tuple[tuple[str, ...], str], dict[Path, set[str]]] = {}  # a sibling folder's split -> its folders
    for (images, masks), names in folders.items():
        parts = Path(os.path.relpath(images, root)).parts
        case = Path(os.path.relpath(os.path.commonpath([os.path.abspath(images), os.path.abspath(masks)]),
                                    os.path.abspath(root)))
        for place, part in enumerate(case.parts if case.parts[:1] not in ((), ("..",)) else ()):
            split = next(filter(None, map(folder_split, case.parts[place + 1:])), None)
            if folder_split(part) is None and not any(c.isdigit() for c in part) and split is not None:
                trees.setdefault((parts[:place] + parts[place + 1:], place), {}).setdefault(images, set()).update(names)
                splits.setdefault((parts[:place + 1], split), {}).setdefault(images, set()).update(names)
    numbering = {sibling for (sibling, _), held in splits.items()  # names counted again in each image folder
                 if max(Counter(name for names in held.values() for name in names).values()) > 1}
    parallel = {}  # an image folder -> its path less the part its siblings differ by
    for (rest, place), held in trees.items():
        held = {images: names for images, names in held.items()
                if Path(os.path.relpath(images, root)).parts[:place + 1] not in numbering}
        if len(held) > 1 and len(set(map(frozenset, held.values()))) == 1 and len(next(iter(held.values()))) > 1:
            parallel.update(dict.fromkeys(held, rest))
    subjects = {pair.name: Path(*parallel[pair.image.parent], pair.image.stem).as_posix()
                for pair in pairs if pair.image.parent in parallel}
    if len(set(subjects.values())) < 2:
        return None
    return subjects, "its image's name in the sibling folders that repeat one image and mask tree (one subject imaged each way)"


def _by_repeated_top_trees(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """MIDV-2020's `templates/images/alb_id/00.jpg`, again as `scan_upright/images/alb_id/00.jpg` and
    `photo/images/alb_id/00.jpg` -> `images/alb_id/00`: one document captured each way, in top
    folders that repeat one tree of image paths (most of each one's, in several folders below it),
    where the masks drawn from annotation files tell nothing (`_by_parallel_trees` needs mask
    folders). The top folders are named by words alone and no split (numbered folders are cases),
    and the images lie in no split folder below them: a top folder with splits of its own is a
    dataset of its own (MVTec 3D-AD's `bagel/test/crack/rgb/000.png`, a bagel's photo, not
    `cable_gland/`'s), or a copy imaged another way that `_by_parallel_trees` tells; class folders
    hold one folder of numbered files each (`benign/images/001.png`), or names of their own (BUSI's
    `benign (1).png`), and are left alone. Pairs outside such folders are a group each."""
    trees: dict[str, dict[str, str]] = {}  # a top folder -> its images' paths below it (no suffix) -> pair names
    for pair in pairs:
        if not pair.image.is_relative_to(root):
            continue
        parts = pair.image.relative_to(root).parts
        if len(parts) < 3:  # an image at the top, or DATA itself named as one (a manifest's '.')
            continue
        top, *below = parts
        if not any(map(folder_split, parts[:-1])) and not any(c.isdigit() for c in top):
            trees.setdefault(top, {})[Path(*below[:-1], stem(pair.image)).as_posix()] = pair.name
    held = Counter(path for tree in trees.values() for path in tree)
    repeating = [tree for tree in trees.values() if sum(held[path] > 1 for path in tree) > len(tree) / 2]
    held = Counter(path for tree in repeating for path in tree)
    subjects = {name: path for tree in repeating for path, name in tree.items() if held[path] > 1}
    if len(repeating) < 2 or len({os.path.dirname(path) for path in subjects.values()}) < 2:
        return None
    return subjects, "its image's path in the top folders that repeat one tree of images (one item captured each way)"


def _says_subjects(subjects: dict[str, str], pairs: int) -> bool:
    """Nearly every name gives a subject, and some subject has several names."""
    counts = Counter(subjects.values())
    return len(subjects) >= _SHARE * pairs and len(counts) >= 2 and max(counts.values()) >= 2
