"""The volumes in a folder and which label volume is whose: the cases a layout finds (`Layout`)."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.files.dicom import dicom_files
from seglab.data.files.folder_listing import files_in, folders_in
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_stack_shape
from seglab.data.files.index import Pair, Problem, natural_key
from seglab.data.discovery.channel_files import nnunet_cases
from seglab.data.discovery.naming import folder_split, template_rules
from seglab.data.discovery.naming.affixes import strip_affixes
from seglab.data.discovery.naming.key_rules import VOLUME_KEY_RULES
from seglab.data.discovery.naming.learned_rules import learned_namings
from seglab.data.discovery.pairing import KeyRule, best_rule, keyed_files
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import VOLUME_SUFFIXES, volume_stem

# ACDC: _gt; SegTHOR: GT; iSeg-2017: -label
_LABEL_SUFFIX = re.compile(r"(?:^|[_-])(seg|segmentation|mask|label|labels|gt)$", re.IGNORECASE)
# in a label folder, ground truth as MyoPS 2020 abbreviates it too (`myops_training_101_gd`), and a segmentation
# as UPenn-GBM does (`UPENN-GBM-00001_11_segm`); no label word elsewhere, where `_gd` may name a
# gadolinium-enhanced image (`T1_gd`)
_LABEL_FOLDER_SUFFIX = re.compile(r"(?:^|[_-])(seg|segm|segmentation|mask|label|labels|gt|gd)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"[_\-.]")
_LABEL_WORDS = ("seg", "label", "mask", "annotation")  # CURVAS' annotation_1: a rater's label map
# a rater's number ends a label volume's name, or is all of it: Prostate158's `t2_anatomy_reader1`,
# `adc_tumor_reader2`; `rater_2`, `annotator3` alone
_RATER_SUFFIX = re.compile(r"(?:^|[_-])(?:reader|rater|annotator|observer)[_-]?\d+$", re.IGNORECASE)
# a word of its own saying label in a volume's name, not one holding it (SegRap's `segrap_0001`, `T1w_masked`)
_LABEL_NAME = re.compile(r"(?:^|[_\-. ])(?:seg|segmentation|mask|masks|label|labels|annotation|annotations|gt)"
                         r"(?=$|[_\-. ]|\d)", re.IGNORECASE)
# a case and a modality word: HECKTOR's CHUM-001__CT, iSeg-2017's subject-1-T1
_MODALITY = re.compile(r"(.+?)(?:__?|-)([A-Za-z][A-Za-z0-9]*)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")  # a modality word alone: autoPET's `CTres`, WMH's `FLAIR`
_NUMBER = re.compile(r"\d+")  # a subject's or a case's number in its name
_IMAGE_WORD = re.compile(r"(.+)[_\-.](?:im|img|image|vol|volume)", re.IGNORECASE)  # MedSeg's tr_im ~ tr_mask


@dataclass
class Layout:
    """What a layout finder found: labelled cases, unlabelled volumes and unpaired files."""

    subjects: list[Subject] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # case -> its subject, when one holds several cases
    splits: dict[str, str] = field(default_factory=dict)  # case -> the split its container folder names
    folder: Path | None = None  # where the layout was found: DATA, or the one folder wrapping it
    slices: list[Pair] = field(default_factory=list)  # 2-D pairs read as they are, beside the volumes
    ignored: list[Path] = field(default_factory=list)  # label volumes a case holds beside the one read
    left_out: list[Path] = field(default_factory=list)  # a case's volumes off its label's grid beside its channels'
    products: list[Path] = field(default_factory=list)  # image volumes their case's label made (`label_products`)
    folder_cases: set[Path] = field(default_factory=set)  # label volumes of cases that are all their folder's volumes
    grouping: list[str] = field(default_factory=list)  # how cases were grouped by subject, for `seglab inspect`


def is_label_volume(path: Path) -> bool:
    """A NIfTI file named as a label volume: `*seg*`, `*label*`, `*mask*`, `*annotation*`, an ACDC
    `_gt`, or a rater's numbered reading (`_reader1`, `rater_2`): images are not numbered by who read them."""
    stem = volume_stem(path)
    unmasked = stem.lower().replace("masked", "")  # `T1w_masked`: an image masked out, not a mask
    return path.is_file() and (any(w in unmasked for w in _LABEL_WORDS)
                               or any(rule.search(stem) for rule in (_LABEL_SUFFIX, _RATER_SUFFIX)))


def names_a_label(volume: Path, case: str) -> bool:
    """Whether a volume's name, less its case's, says label by a word of its own (HECKTOR-like
    `<case>__seg`, CURVAS' `annotation_2`, `rater_1`), never to be fed as an image channel; not
    a word holding one (SegRap's `segrap_0001`, NFBS' `T1w_masked`)."""
    rest = volume_stem(volume).replace(case, "")
    return bool(_LABEL_NAME.search(rest) or _RATER_SUFFIX.search(rest))


def is_case_label(path: Path, label_file: str | None) -> bool:
    """A case folder's label volume: the one `label_file` names (a name or pattern: `--masks`), with
    the folders it lies in where it names them (`preprocessed/consensus_gt.nii.gz`: one version of
    each case, `case_versions.stage_versions`), else one named as labels (`is_label_volume`)."""
    if not label_file:
        return is_label_volume(path)
    named = "/".join(path.parts[-len(Path(label_file).parts):])
    return fnmatchcase(named.lower(), label_file.lower())


def volumes_in(folder: Path) -> list[Path]:
    """NIfTI files and DICOM series folders directly in `folder`, naturally sorted."""
    if not folder.is_dir():
        return []
    found = [p for p in files_in(folder) if not p.name.startswith(".") and p.name.lower().endswith(VOLUME_SUFFIXES)]
    found += [p for p in folders_in(folder) if not p.name.startswith(".") and dicom_files(p)]
    return sorted(found, key=lambda p: natural_key(p.name))


def hdf5_volumes_in(folder: Path) -> list[Path]:
    """HDF5 files directly in `folder` that each hold one 3-D dataset, naturally sorted: volumes
    whose labels are files of their own (NucMM's `Image/train/img_000_604_576.h5` and
    `Label/train/seg_000_604_576.h5`, a `main` each); read from the headers."""
    found = [p for p in files_in(folder) if p.suffix.lower() in HDF5_SUFFIXES
             and len(h5_stack_shape(p) or ()) == 3]
    return sorted(found, key=lambda p: natural_key(p.name))


def matched_cases(images: list[Path], labels: list[Path], label_dir: str,
                  rules: Sequence[KeyRule] | None = None) -> Layout:
    """Cases from image volumes (channel files grouped by their `_0000` suffix or modality word)
    and label volumes matched by name, grouped by their folder where it is a subject's
    (`_folder_subjects`); unpaired files become problems, but for the images of folders none of
    whose images has a label beside labelled ones elsewhere: unlabelled, as a 2-D image folder
    without masks is (MosMedData's `studies/CT-0/` beside `CT-1/`, whose studies have masks).
    `rules` (a `--mask-pattern`'s) pair images and labels named apart in place of the learned ones.
    Images in a folder per case pair with the label named that case and words ending in a label word
    (`_case_folder_labels`: UPenn-GBM's `<case>/<case>_FLAIR` with `<case>_automated_approx_segm`)."""
    label_of = {_LABEL_FOLDER_SUFFIX.sub("", volume_stem(p)): p for p in labels}
    channel_of = nnunet_cases(images)
    if not any(_case_key(p, label_of, channel_of) in label_of for p in images):
        by_folder = _case_folder_labels(images, labels) if rules is None else {}
        paired = {} if by_folder else _labels_by_image(images, labels, rules)  # named apart: BTCV's img0001 + label0001
        label_of = {volume_stem(p): p for p in labels if p not in (*paired.values(), *by_folder.values())}
        label_of.update({volume_stem(image): label for image, label in paired.items()} | by_folder)
    words = {found.group(2) for image in images
             if (found := _MODALITY.fullmatch(volume_stem(image))) and found.group(1) in label_of}
    channels: dict[str, list[Path]] = {}
    for image in images:
        channels.setdefault(_case_key(image, label_of, channel_of, words), []).append(image)
    layout = Layout()
    named = next((p for p in (*labels, *images) if p.is_file()), None)  # the suffix a missing label is expected under
    suffix = named.name[len(volume_stem(named)):] if named is not None else ".nii.gz"  # LNDb's .mhd, PI-CAI's .nii.gz
    labelled_folders = {files[0].parent for key, files in channels.items() if key in label_of}
    for key, files in channels.items():
        if key in label_of:
            layout.subjects.append(Subject(key, tuple(files), label_of[key]))
        elif labelled_folders and files[0].parent not in labelled_folders:
            layout.unlabelled += files
        else:
            message = f"image volume has no label volume (expected {label_dir}/{key}{suffix} or {key}_seg{suffix})"
            layout.problems.append(Problem(files[0], message, "image-without-mask"))
    layout.problems += [Problem(p, "label volume has no image volume", "mask-without-image")
                        for key, p in label_of.items() if key not in channels]
    layout.subjects = with_modalities(layout.subjects)
    layout.groups = _folder_subjects(layout.subjects)
    if not layout.groups and (series := _series_subjects(layout.subjects)):
        layout.groups = series
        example = min(series)
        layout.grouping.append(f"{len(set(series.values()))} subjects by the folder holding each case's DICOM series "
                               f"('{example}' is '{series[example]}'): a split keeps each subject's series together")
    return layout


def first_channels(volumes: Sequence[Path]) -> list[Path]:
    """`volumes` less the channel files after a case's first (nnU-Net's `imagesTs/case_0001`
    beside `case_0000`): a case of unlabelled volumes counts once, as its labelled cases do."""
    channel_of = nnunet_cases(volumes)
    seen: set[tuple[Path, str]] = set()
    kept = []
    for volume in volumes:
        case = (volume.parent, channel_of.get(volume, volume.name))
        if case not in seen:
            seen.add(case)
            kept.append(volume)
    return kept


def _folder_subjects(subjects: Sequence[Subject]) -> dict[str, str]:
    """case -> its folder's name, for the cases of folders each of one subject's cases
    (`one_subject`: PI-CAI's `10002/10002_1000002_t2w.mha`, `10002_1000099_t2w.mha`, a patient's
    two studies), so that splits keep a patient's studies together."""
    by_folder: dict[Path, list[str]] = {}
    for subject in subjects:
        by_folder.setdefault(subject.images[0].parent, []).append(subject.name)
    return {case: folder.name for folder, cases in by_folder.items() if one_subject(folder.name, cases)
            for case in cases}


def _series_subjects(subjects: Sequence[Subject]) -> dict[str, str]:
    """case -> the folder holding it below the one all cases share, for cases that are DICOM series
    folders a level or more below it (RSNA 2023 Abdominal Trauma's `train_images/10004/21057/` and
    `10004/51033/`: patient 10004's two series, each labelled as a case), so that splits keep a
    patient's series together; empty unless two or more such folders hold them, none a split's
    (`train/`, `val/`) nor holding more than half of the cases."""
    series = {s.name: s.images[0] for s in subjects if s.images[0].is_dir()}
    if len(series) < 2 or len(series) < len(subjects):
        return {}
    top = Path(os.path.commonpath(list(series.values())))
    parts = {case: folder.relative_to(top).parts for case, folder in series.items()}
    if any(len(found) < 2 for found in parts.values()):
        return {}
    holders = Counter(found[0] for found in parts.values())
    if len(holders) < 2 or max(holders.values()) > len(series) / 2 or any(map(folder_split, holders)):
        return {}
    return {case: found[0] for case, found in parts.items()}


def one_subject(folder: str, cases: Sequence[str]) -> bool:
    """Whether a folder's cases are one subject's: all named after the folder, and the folder's
    name numbers a subject (ACDC's `patient001/patient001_frame01`, `patient001_frame12`) or the
    rest of their names is numbered alike (`_ED`, `_ES`). Not MM-WHS' `ct_train/` of
    `ct_train_1001_image`, `ct_train_1002_image`: a word names the folder and a number each case,
    a patient each; nor PROMISE12's `TrainingData_Part1/Case00`, not named after the folder."""
    if not all(case.startswith(folder) for case in cases):
        return False
    numbers = {tuple(_NUMBER.findall(case[len(folder):])) for case in cases}
    return bool(_NUMBER.search(folder)) or len(numbers) == 1


def _case_key(image: Path, label_of: dict[str, Path], channel_of: dict[Path, str],
              words: Collection[str] = ()) -> str:
    """The case an image volume belongs to: its own name, or its name less an nnU-Net channel
    suffix (`case_0000`, as `channel_of` finds them), or less a modality word when that leaves a
    label's name (HECKTOR's `CHUM-001__CT` and `CHUM-001__PT` for `labelsTr/CHUM-001`) or is
    one of the labelled cases' `words` (PI-CAI's unlabelled `10001_1000001_t2w`, `_adc`, ...: one
    case without a label, not five)."""
    stem = volume_stem(image)
    modality = _MODALITY.fullmatch(stem)
    if stem not in label_of and modality and (modality.group(1) in label_of or modality.group(2) in words):
        return modality.group(1)
    key = stem if stem in label_of else channel_of.get(image, stem)
    return image.parent.name if key not in label_of and image.parent.name in label_of else key


def _case_folder_labels(images: Sequence[Path], labels: Sequence[Path]) -> dict[str, Path]:
    """case folder -> its label volume, for labels each named a folder of image volumes, a
    separator and words ending in a label word (UPenn-GBM's `images_segm/<case>_segm` and
    `automated_segm/<case>_automated_approx_segm` for `images_structural/<case>/<case>_FLAIR`, `_T1`,
    ...); labels naming no folder are left out, and none pairs where two name one folder."""
    folders = {p.parent.name for p in images}
    found: dict[str, Path] = {}
    for label in labels:
        stem = volume_stem(label)
        case = next((stem[:at.start()] for at in _SEPARATOR.finditer(stem) if stem[:at.start()] in folders
                     and _LABEL_FOLDER_SUFFIX.search(stem[at.start():])), None)
        if case in found:
            return {}
        if case is not None:
            found[case] = label
    return found


def with_modalities(subjects: Sequence[Subject], least: int = 1) -> list[Subject]:
    """Cases each recording the modality of each of its volumes, when they are named so
    (`case_modalities`) and number `least` or more: the dataset's one vote on which are its
    channels reads them (`modality_grids.on_label_grids`), and the run remembers those kept for
    `predict`."""
    return [replace(s, modalities=tuple(found))
            if len(found := case_modalities(s)) == len(s.images) and len(found) >= least else s for s in subjects]


def case_modalities(subject: Subject) -> dict[str, Path]:
    """modality -> its volume, when the case's images and label are volume files (not DICOM
    series) and each image is named `<case>_<modality>` (HECKTOR's `CHUM-001__CT`), or they share
    a stem before a modality word each (HaN-Seg's `case_01/case_01_IMG_CT`, `case_01_IMG_MR_T1`), or
    two or more are each named by a modality word alone (autoPET's `<study>/CT`, `CTres`, `PET`, `SUV`)."""
    if not all(p.name.lower().endswith(VOLUME_SUFFIXES) for p in (*subject.images, subject.label)):
        return {}
    named = [_MODALITY.fullmatch(volume_stem(p)) for p in subject.images]
    if all(found and found.group(1) == subject.name for found in named):
        return {found.group(2): path for found, path in zip(named, subject.images) if found}
    if len(subject.images) > 1 and all(_WORD.fullmatch(volume_stem(p)) for p in subject.images):
        return {volume_stem(p): p for p in subject.images}
    stem = modality_stem(subject.images)
    return {} if stem is None else {volume_stem(p)[len(stem) + 1:]: p for p in subject.images}


def modality_stem(files: Sequence[Path]) -> str | None:
    """The stem that two or more volumes share before a modality word each (`BraTS_001_` +
    `flair`, `t1`, ...), without its separator; None when they are not so named."""
    stems = [volume_stem(p) for p in files]
    if len(stems) < 2:
        return None
    shared = os.path.commonprefix(stems)
    cut = max(shared.rfind(sep) for sep in "_-.")
    words = [stem[cut + 1:] for stem in stems]
    if cut < 1 or not all(w and w[0].isalpha() for w in words):
        return None
    return shared[:cut]


def labelled_cases(images: list[Path], labels: list[Path]) -> Layout:
    """The cases of a folder holding several labelled ones, each label named after its image
    (ACDC's `patient001_frame01_gt` for `patient001_frame01`) or sharing its number alone (LiTS'
    `segmentation-3.nii` for `volume-3.nii`), or after a case whose images are named it and a
    modality word each (iSeg-2017's `subject-1-label` for `subject-1-T1` and `subject-1-T2`: its
    channels, those on the label's grid: `with_modalities`); none unless every label volume is a
    case's. Images without a label (ACDC's `_4d` sequence) are no case."""
    found = _labels_by_image(images, labels)
    subjects = [Subject(volume_stem(image), (image,), label) for image, label in found.items()]
    if len(subjects) < len(labels):
        subjects = _modality_cases(images, labels)
    if len(subjects) < 2 or len(subjects) != len(labels):
        return Layout()
    return Layout(with_modalities(subjects))


def _modality_cases(images: list[Path], labels: list[Path]) -> list[Subject]:
    """A case per label volume named a case and a label word (`subject-1-label`), its images those
    named the case and a modality word (`subject-1-T1`, `subject-1-T2`), in name order."""
    label_of = {_LABEL_SUFFIX.sub("", volume_stem(p)): p for p in labels}
    channels: dict[str, list[Path]] = {}
    for image in images:
        named = _MODALITY.fullmatch(volume_stem(image))
        if named and named.group(1) in label_of:
            channels.setdefault(named.group(1), []).append(image)
    return [Subject(case, tuple(files), label_of[case]) for case, files in channels.items()]


def worded_cases(images: list[Path], labels: list[Path]) -> list[Subject]:
    """Cases of volumes side by side named a case and an image word, and the case and a label
    word (MedSeg's `tr_im` + `tr_mask`: case `tr`), when every image is so named; empty otherwise.
    Images without a label (`val_im`) and labels of no image (`tr_lung_masks`) are no case."""
    named = {p: _IMAGE_WORD.fullmatch(volume_stem(p)) for p in images}
    if not images or not all(named.values()):
        return []
    label_of = {strip_affixes(volume_stem(p)).lower(): p for p in labels}
    return [Subject(found.group(1), (image,), label_of[found.group(1).lower()])
            for image, found in named.items() if found and found.group(1).lower() in label_of]


def _labels_by_image(images: Sequence[Path], labels: Sequence[Path],
                     rules: Sequence[KeyRule] | None = None) -> dict[Path, Path]:
    """image -> its label volume, one to one, by the naming rule that pairs the most
    (`pairing.best_rule`: the same name, without affixes such as `_seg` or `_gt`, a number that
    each name holds once (BTCV's `img0001` and `label0001`), or labels named as their image less
    its affix plus a suffix of their own (CTPelvic1K's `dataset1_0001_data` and
    `dataset1_0001_mask_4label`: `learned_namings`)); `rules` in place of those when given."""
    if rules is None:
        stems = {strip_affixes(volume_stem(p)) for p in images}
        learned = (rule for naming in learned_namings(stems, labels) for rule in template_rules(naming))
        rules = (*VOLUME_KEY_RULES, *learned)
    rule = best_rule(images, labels, rules)
    by_key, _ = keyed_files(images, rule, True)
    return {by_key[key]: label for key, label in keyed_files(labels, rule, False)[0].items() if key in by_key}
