"""Subjects the folders say where the file names do not: files numbered after their folder, a
folder per case holding image and mask folders, numbered image and mask folders of one case, a
person's two eyes or a stereo camera's in one folder, file names repeated in every item's folder,
a video's frames in a folder each, a grid's tiles in a folder per city. A folder's name may as
well be a class (BUSI's benign/), so these rules ask for numbered names or several folders."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from seglab.data.discovery.naming import folders_split, words
from seglab.data.discovery.naming.case_versions import case_name
from seglab.data.files.index import Pair
from seglab.data.splitting.subjects.evidence import (
    MIN_CASES,
    MIN_FOLDERS,
    in_enough_folders,
    most_have_several,
    says_subjects,
)
from seglab.data.splitting.subjects.name_parts import folder_in_split, last_part

_EYE_WORDS = {"l", "r", "od", "os", "left", "right"}
_EYE_NAME = re.compile(rf"^(?P<subject>.*\d)[_\- ]?(?:{'|'.join(sorted(_EYE_WORDS))})$", re.IGNORECASE)
_FRAME_NUMBER = re.compile(r"(?P<video>.*\D)?(?P<frame>\d+)")  # SegTrack's bmx_06668: frame 6668 of bmx
_FOLDER_NUMBER = re.compile(r"(?<!\d)\d+$")  # the case a folder holds: TNBC's Slide_01/, GT_01/ (tried at a run's start)
_FRAME_DIGITS = 5  # a video's frame numbers: DAVIS' 00000.jpg; fewer digits number samples (MVTec's 000.png)


def by_numbered_folder(pairs: list[Pair]) -> tuple[dict[str, str], str] | None:
    """`TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_12` -> its folder: files numbered after the
    folder they lie in, or folders numbered after the one above (CholecSeg8k's
    `video01/video01_00080/frame_80_endo` -> `video01`), in several folders."""
    subjects = {}
    for pair in pairs:
        folder, above = pair.image.parent.name, pair.image.parent.parent.name
        if re.fullmatch(rf"{re.escape(folder)}[_\-]\d+", last_part(pair.name), re.IGNORECASE):
            subjects[pair.name] = folder
        elif above and re.fullmatch(rf"{re.escape(above)}[_\-]\d+", folder, re.IGNORECASE):
            subjects[pair.name] = above
    if len(set(subjects.values())) < MIN_FOLDERS or not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the folder each is numbered after"


def by_image_folder(folders: dict[str, str], pairs: int) -> tuple[dict[str, str], str] | None:
    """GeoNRW's `aachen/290_5620_rgb.jp2` -> `aachen`: tiles named by grid numbers that recur from
    folder to folder lie in a folder per city or site, neighbours alike; as many folders as
    `by_repeated_names` asks, none holding a whole split. Files outside any folder are no group."""
    subjects = {name: folder for name, folder in folders.items() if folder != "."}
    if not in_enough_folders(subjects, pairs):
        return None
    return subjects, "the folder each is in, whose numbers recur in the others (a grid's, not a subject's)"


def by_eye(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """`Image_01L` -> `Image_01`: a person's left and right eye (`L`/`R`, `OD`/`OS`) after their
    number, most people with both; an eye in training and its fellow in test is a near copy. The
    folder around the pair is part of the subject (`_eye_folder`): TartanAir's
    `<env>/Easy/P000/image_left/000000_left.png` is frame 0 of trajectory P000, not of every one.
    Numbers that are a video's frames (`_video_frame`) in several such folders are a stereo
    camera's: the sequence folder is the subject, as for DAVIS' videos, its frames near copies."""
    subjects, sequences = {}, {}
    eye_folders: dict[Path, str] = {}  # an image folder -> its `_eye_folder`, asked once
    for pair in pairs:
        if (found := _EYE_NAME.match(last_part(pair.name))) is not None:
            folder = pair.image.parent
            if folder not in eye_folders:
                eye_folders[folder] = _eye_folder(folder, root)
            sequences[pair.name] = eye_folders[folder]
            subjects[pair.name] = (Path(sequences[pair.name]) / found.group("subject")).as_posix()
    if not most_have_several(subjects) or not says_subjects(subjects, len(pairs)):
        return None
    if all(_video_frame(last_part(s)) for s in subjects.values()) and in_enough_folders(sequences, len(pairs)):
        return sequences, "the sequence folder of its stereo frames (a left and a right camera's)"
    return subjects, "the name before its eye (L or R)"


def _eye_folder(images: Path, root: Path) -> str:
    """The folder a pair of eyes or cameras lies in below `root`, from their image folder `images`,
    less split folders and the camera's own folder (TartanAir's `P000/image_left/` -> `P000`), so
    that both eyes share it."""
    folder = Path(folder_in_split(images, root))
    return folder.parent.as_posix() if _EYE_WORDS & set(words(folder.name)) else folder.as_posix()


def by_case_folder(pairs: list[Pair], root: Path, label_folders: dict[Path, Path]
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
    if len(set(subjects.values())) < MIN_CASES or not says_subjects(subjects, len(pairs)):
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
    `MIN_CASES` folders or more name the sequences, scans or visits of the case above them (a
    patient's two MR sequences), which is the case. Patients numbered anew in each of several
    sites (`siteA/1/`, `siteB/1/`, ...) are told apart by the sites' differing sets of them."""
    below: dict[Path, set[str]] = {}
    for case in set(cases.values()):
        if case.parent != Path("."):
            below.setdefault(case.parent, set()).add(case.name)
    shared = Counter(frozenset(names) for names in below.values())
    return {name: case.parent if case.parent in below and shared[frozenset(below[case.parent])] >= MIN_CASES
            else case for name, case in cases.items()}


def by_numbered_folder_pair(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
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
    if len(set(subjects.values())) < MIN_CASES or not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the numbered image and mask folders of its case"


def _video_frame(name: str) -> bool:
    """Whether a name is a video's frame number as video datasets write it, five digits or more
    (DAVIS' and YouTube-VOS' `00000`): MVTec AD's `000.png` in `broken_large/` and `contamination/`
    number the samples of a defect type, whose folders are classes to learn, not videos."""
    return name.isdigit() and len(name) >= _FRAME_DIGITS


def by_repeated_names(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """KolektorSDD's `kos01/Part0.jpg` ... `kos50/Part0.jpg` -> the folder: file names that repeat
    from folder to folder name a part or frame of the item or sequence each folder holds, in
    several folders whose names hold a number (a word may name a class: `benign/`), or that lie in
    one each (CT-ICH's `Patients_CT/049/brain/`: `_item_folder`), or whose files are numbered
    frames (DAVIS' `JPEGImages/480p/bear/00000.jpg`: a video named by a word), none
    holding more than a third of the pairs (one split's worth). Numbered folders count from
    `MIN_CASES`, as case folders do (DSAD's `liver/01/image00.png` ... `liver/04/`: a surgery
    each); folders named by words from `MIN_FOLDERS`."""
    folders_of: dict[str, set[Path]] = {}
    for pair in pairs:
        folders_of.setdefault(last_part(pair.name).lower(), set()).add(pair.image.parent)
    items = {pair.name: _item_folder(pair.image, root) for pair in pairs}
    subjects = {pair.name: items[pair.name] for pair in pairs
                if len(folders_of[last_part(pair.name).lower()]) > 1
                and (_video_frame(last_part(pair.name))
                     or any(c.isdigit() for c in os.path.basename(items[pair.name])))}
    if not in_enough_folders(subjects, len(pairs)):
        return _by_item_folder(pairs, root, folders_of)
    return subjects, "the folder each is in, whose file names repeat in the others"


def _by_item_folder(pairs: list[Pair], root: Path, folders_of: dict[str, set[Path]]
                    ) -> tuple[dict[str, str], str] | None:
    """A folder per item, each holding one pair whose file name repeats in other folders: the
    folder names no subject, as it holds only one image. One name in every folder (ROBUST-MIS'
    `<surgery>/<patient>/<frame>/raw.png`) says a frame: the folder above, numbered, is the video;
    several names, each in several folders (SeasoNet's `<season>/grid1/<patch>/<patch>_10m_RGB.tif`),
    say a place seen at several times: the name is the subject. In as many groups as
    `by_repeated_names` asks."""
    if len({p.image.parent for p in pairs}) < len(pairs) or any(len(f) < 2 for f in folders_of.values()):
        return None
    if len(folders_of) == 1:
        found = _outermost_numbered_folders(pairs, root)
        how = "the numbered folder above its frame's (every frame or view one file of one name: a video's, a scene's)"
        return (found, how) if found is not None else None
    subjects = {p.name: last_part(p.name) for p in pairs}
    how = "its name, which each of several folders holds (one place or item seen again)"
    return (subjects, how) if in_enough_folders(subjects, len(pairs)) else None


def _outermost_numbered_folders(pairs: list[Pair], root: Path) -> dict[str, str] | None:
    """Each pair's outermost folder under `root`, above its own, whose name holds a number and that
    gives as many groups as `in_enough_folders` asks, else the next one in (a release folder such as
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
        if in_enough_folders(subjects, len(pairs)):
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


def by_frame_folder(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """SegTrack v2's `JPEGImages/bmx/bmx_06668.png`, `birdfall/birdfall2_00018.png`, `girl/00001.bmp`
    -> the folder: a video's frames, named by a frame number (`_video_frame`) alone or after the
    folder's name, in as many folders as `by_repeated_names` asks, whose numbers need not repeat
    (a video may start at any frame). A name before the number that is not the folder's
    (ADE20K's `<scene>/ADE_train_00000001.jpg`) says no video."""
    subjects = {}
    for pair in pairs:
        found, folder = _FRAME_NUMBER.fullmatch(last_part(pair.name)), pair.image.parent
        if found is not None and _video_frame(found["frame"]) \
                and (found["video"] or folder.name).lower().startswith(folder.name.lower()):  # or a bare number
            subjects[pair.name] = os.path.relpath(folder, root)
    if not in_enough_folders(subjects, len(pairs)):
        return None
    return subjects, "the folder each is in, of frames numbered after it"
