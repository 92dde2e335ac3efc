"""Image and label folders of volumes named for what they hold.

Named by --images and --masks, or by the names 2-D datasets use, below split folders.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH, folders_within, path_ends_with, visible_folders
from seglab.data.discovery.naming import (
    folder_split,
    folders_split,
    looks_like_image_folder,
    looks_like_mask_folder,
    usable_splits,
    words,
)
from seglab.data.discovery.naming.parts import parts_of_one_set
from seglab.data.discovery.pairing import KeyRule
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.volumes import volume_stem
from seglab.data.files.slice_cache import Subject
from seglab.data.layouts.volume_format.cases import (Layout, hdf5_volumes_in, matched_cases, volumes_in,
                                                     with_modalities)
from seglab.data.layouts.volume_format.modality_folders import modality_folder_cases, names_a_modality
from seglab.data.layouts.volume_format.separate_datasets import refuse_tasks_on_shared_images
from seglab.data.layouts.volume_format.subject_folders import names_repeat, with_prefix


def named_folders_layout(root: Path, images: str, masks: str, rules: Sequence[KeyRule] | None = None) -> Layout | None:
    """The volumes of the image and label folders `--images` and `--masks` name, matched by name
    (COVID-19-CT-Seg's `COVID-19-CT-Seg_20cases/` + `Lung_and_Infection_Mask/`, beside
    `Lung_Mask/` and `Infection_Mask/`), or by `rules` (`--mask-pattern`'s); None unless both hold
    volumes. A name several folders end with pairs each image folder with the label folder of that
    name beside it (ASOCA's `Normal/CTCA/` + `Normal/Annotations/` beside `Diseased/`'s). Volumes
    that do not pair are the layout's problems, named: those folders are a volume layout, whatever
    their names."""
    found = []
    for image_dir, label_dir in _named_pairs(_named_folders(root, images), _named_folders(root, masks)):
        image_files, label_files = _volumes_within(image_dir), _volumes_within(label_dir)
        cases = None if image_files and label_files else _parallel_cases(image_dir, label_dir, root)
        if cases is not None:
            found.append((_place(image_dir, root), cases))
        elif image_files and label_files:
            found.append((_place(image_dir, root), matched_cases(image_files, label_files, _under(label_dir, root),
                                                                 rules)))
    layout = _merged(_placed(root, found))
    return layout if layout.subjects or layout.problems else None


def _place(image_dir: Path, root: Path) -> str:
    """Where an image folder's cases lie: the path under `root` of the folder holding it, empty
    when DATA itself is the image folder (`--images .`: MONAI Label's studies folder)."""
    return "" if image_dir == root else _under(image_dir.parent, root)


def _under(folder: Path, root: Path) -> str:
    """`folder`'s path under `root`, or the path as given where it lies outside (--images or
    --masks naming a folder beside DATA)."""
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else folder.as_posix()


def _named_pairs(image_dirs: list[Path], label_dirs: list[Path]) -> list[tuple[Path, Path]]:
    """The image and label folder of each pair: the one of each, wherever they lie, or, where a
    name ends several folders' paths, each image folder and the label folder beside it."""
    if len(image_dirs) == 1 and len(label_dirs) == 1:
        return [(image_dirs[0], label_dirs[0])] if image_dirs != label_dirs else []
    beside = {folder.parent: folder for folder in label_dirs}
    return [(folder, beside[folder.parent]) for folder in image_dirs
            if folder.parent in beside and beside[folder.parent] != folder]


def _parallel_cases(image_dir: Path, label_dir: Path, root: Path) -> Layout | None:
    """Cases from two trees of case folders of one name, apart (SegRap2023's
    `SegRap2023_Training_Set_120cases/segrap_0000/{image,image_contrast}.nii.gz` and
    `..._OneHot_Labels/Task001/segrap_0000/<Organ>.nii.gz`), where volumes repeat their names from
    case to case and so do not pair by name: a case folder's image volumes are its channels, its
    label folder's one volume its label, or its several a 0/1 volume per structure, painted as
    TotalSegmentator's `segmentations/` are (`Subject.structures`), every case's structures one
    class each in name order. Image cases without a label folder are unlabelled, label folders
    without an image case problems. None when no case folder is in both trees."""
    images = _case_folders(image_dir)
    labels = _case_folders(label_dir)
    if not images.keys() & labels.keys():
        return None
    layout = Layout()
    several = any(len(volumes) > 1 for volumes in labels.values())
    structures = tuple(sorted({volume_stem(p) for volumes in labels.values() for p in volumes})) if several else ()
    for name, volumes in images.items():
        if name not in labels:
            layout.unlabelled += volumes
            continue
        label = label_dir / name if several else labels[name][0]
        layout.subjects.append(Subject(name, tuple(volumes), label, structures))
    layout.problems += [Problem(volumes[0], f"label folder has no image folder (expected "
                                            f"{_under(image_dir / name, root)}/)", "mask-without-image")
                        for name, volumes in labels.items() if name not in images]
    layout.subjects = with_modalities(layout.subjects, least=2)
    layout.groups = {s.name: s.name for s in layout.subjects}
    return layout


def _case_folders(folder: Path) -> dict[str, list[Path]]:
    """case folder name -> its volume files, for the folders right below `folder` holding any."""
    return {case.name: volumes for case in visible_folders(folder)
            if (volumes := [p for p in volumes_in(case) if p.is_file()])}


def _volumes_within(folder: Path) -> list[Path]:
    """The volumes in a folder --images or --masks names, or when none lie in it, those in the
    folders below it (MosMedData's `studies/` of `CT-0/` ... `CT-4/`, severity grades), unless
    two share a name: cases are matched by name, and two images of one name would be one case's."""
    found = volumes_in(folder)
    if found:
        return found
    found = [p for below, _, _ in folders_within(folder, MAX_DEPTH) for p in volumes_in(below)]
    return found if len({volume_stem(p) for p in found}) == len(found) else []


def _named_folders(root: Path, name: str) -> list[Path]:
    """The folders a --images or --masks value names: a path under `root`, or the folders whose
    path ends with it, four levels deep at most."""
    if (root / name).is_dir():
        return [root / name]
    return [folder for folder, _, _ in folders_within(root, MAX_DEPTH)
            if path_ends_with(folder.relative_to(root).parts, name)]


def named_folders(root: Path) -> Layout | None:
    """Image folders beside label folders, under any of the names 2-D datasets use, below split
    folders or holding their volumes a level or more down (BTCV's `RawData/Training/img/img0001.nii.gz`
    + `Training/label/label0001.nii.gz`, `Testing/img/` unlabelled; RibFrac's
    `ribfrac-train-images-1/Part1/` + `ribfrac-train-labels-1/Part1/` beside `ribfrac-val-images/`
    + `ribfrac-val-labels/`): an image folder pairs with the one label folder whose path is its own
    with a label folder's name in place of the image folder's, of no other split; of several such,
    the one named as it is before their role words (CTPelvic1K's `CTPelvic1K_dataset1_data/` +
    `CTPelvic1K_dataset1_mask_mappingback/` beside `_dataset2_`'s: `_before_role_word`). The split folders,
    or the folders' split words, give the splits; an image folder beside no label folder is unlabelled
    (a test split's; ULS23's `partially_annotated/DeepLesion/images/`, its lesions marked by RECIST
    lines alone). Cases of one name in two folders are named with the folder's path (NucMM's `train/img_000_604_576`
    beside `val/img_000_604_576`); HDF5 files of one 3-D dataset are volumes too (`hdf5_volumes_in`)."""
    unlabelled: list[Path] = []
    splits: dict[str, str | None] = {}
    image_dirs, label_dirs = _role_folders(root)
    unnamed, modal = _unnamed_image_folders(root, image_dirs, label_dirs)
    image_dirs += unnamed
    # BONBID-HIE's 1ADC_ss/ and 2Z_ADC/ beside 3LABEL/: a case's channels
    paired: list[tuple[_Frame, str | None, Layout]] = [
        (frame, folders_split(found.subjects[0].label, root), found) for frame, found in modal]
    for frame, name, images in image_dirs:
        split = folders_split(images[0], root)  # the nearest split folder above its files
        labels = [(label_name, folder, found) for label_name, folder, found in label_dirs.get(frame, [])
                  if not _other_splits(name, label_name)]
        if len(labels) > 1:  # several beside it: the one of its name less the role words
            labels = [label for label in labels if _before_role_word(label[0]) == _before_role_word(name)]
        if len(labels) != 1:  # none, or several beside it (Lung_Mask/ and Infection_Mask/): not told apart
            unlabelled += images if not labels else []  # a test split's; ULS23's partially_annotated/DeepLesion/
            continue
        _, label_dir, label_files = labels[0]
        paired.append((frame, split, matched_cases(images, label_files, label_dir.relative_to(root).as_posix())))
    # NucMM's train/ and val/ crops share names
    placed = _placed(root, [("/".join(part for part in frame if part), found) for frame, _, found in paired])
    for (_, split, _), found in zip(paired, placed):
        splits.update({s.name: split for s in found.subjects})
    layout = _merged(placed, unlabelled)
    if usable_splits(splits.values()):  # else (a train folder alone) the splits are drawn
        layout.splits = {name: split for name, split in splits.items() if split}
    return layout if layout.subjects else None


def _placed(root: Path, found: Sequence[tuple[str, Layout]]) -> list[Layout]:
    """The layouts of several image and label folders, each with its cases named with its place
    (its folder's path) when a name is in two of them: read as they are, they would be one case.
    Places whose cases of one name are one image labelled for a task each are refused
    (`refuse_tasks_on_shared_images`: SAM-Med3D's `<target>/ct_WORD/`).

    Raises:
        DataError: the same image volumes with other labels in two places.
    """
    repeated = names_repeat([layout for _, layout in found])
    if repeated:
        refuse_tasks_on_shared_images(root, [(root / place, layout) for place, layout in found])
    return [with_prefix(layout, place) if repeated else layout for place, layout in found]


def _merged(layouts: Sequence[Layout], unlabelled: Sequence[Path] = ()) -> Layout:
    """One layout of the cases of several, each label volume without an image named once
    (`_unpaired_once`)."""
    merged = Layout(unlabelled=list(unlabelled))
    for found in layouts:
        merged.subjects += found.subjects
        merged.problems += found.problems
        merged.unlabelled += found.unlabelled
        merged.groups.update(found.groups)
        merged.grouping += found.grouping
        merged.ignored += found.ignored
    merged.problems = _unpaired_once(merged)
    return merged


def _unpaired_once(layout: Layout) -> list[Problem]:
    """The layout's problems, a label volume without an image named once, and only if no image
    folder paired it: PENGWIN's `images_part1/` and `_part2/` share one `labels/`, each part
    leaving the other's labels unpaired."""
    seen = {s.label for s in layout.subjects}
    kept = []
    for problem in layout.problems:
        if problem.code == "mask-without-image":
            if problem.path in seen:
                continue
            seen.add(problem.path)
        kept.append(problem)
    return kept


_Frame = tuple[str, ...]  # a folder's path under the dataset, the part named for images or labels left blank
_RoleFolder = tuple[str, Path, list[Path]]  # the name of the part so named, the folder, its volumes


def _role_folders(root: Path) -> tuple[list[tuple[_Frame, str, list[Path]]], dict[_Frame, list[_RoleFolder]]]:
    """The folders holding volumes, four levels deep at most, below (or being) a folder named for
    images, and those below one named for labels, each with its frame: its path with the nearest
    folder so named left blank (`ribfrac-train-labels-1/Part1/`: `('', 'Part1')`)."""
    image_dirs: list[tuple[_Frame, str, list[Path]]] = []
    label_dirs: dict[_Frame, list[_RoleFolder]] = {}
    for folder, _, _ in folders_within(root, MAX_DEPTH):
        parts = folder.relative_to(root).parts
        at = next((i for i in reversed(range(len(parts)))  # FLARE22_LabeledCase50/images/ holds images
                   if looks_like_image_folder(parts[i]) or looks_like_mask_folder(parts[i])), None)
        volumes = volumes_in(folder) or hdf5_volumes_in(folder) if at is not None else []
        if at is None or not volumes:
            continue
        frame = (*parts[:at], "", *parts[at + 1:])
        if looks_like_mask_folder(parts[at]):
            label_dirs.setdefault(frame, []).append((parts[at], folder, volumes))
        else:
            image_dirs.append((frame, parts[at], volumes))
    return image_dirs, label_dirs


def _unnamed_image_folders(root: Path, image_dirs: Sequence[tuple[_Frame, str, list[Path]]],
                           label_dirs: dict[_Frame, list[_RoleFolder]]
                           ) -> tuple[list[tuple[_Frame, str, list[Path]]], list[tuple[_Frame, Layout]]]:
    """The image folders of label folders of volumes beside no folder named for images: the one
    other folder of volumes beside one, of any name, when its volumes pair with the labels (ASOCA's
    `Normal/CTCA/` beside `Normal/Annotations/`, `Centerlines/` of .vtp files and `Diseased/`'s alike),
    or all of them when they are the parts of one set (`_one_image_set`: LiTS' `volume_pt1/` ... `_pt5/`);
    and the cases of those beside two or more folders of volumes each named for a modality (less a
    leading order number) that pair with the labels, a case's channels a volume of each
    (BONBID-HIE's `1ADC_ss/` and `2Z_ADC/` beside `3LABEL/`: `modality_folders`)."""
    named = {frame for frame, _, _ in image_dirs}
    found, modal = [], []
    for frame, labels in label_dirs.items():
        if frame in named or frame[-1] or len(labels) != 1:  # the label folder holds its volumes itself
            continue
        beside = [(folder, volumes) for folder in visible_folders(root.joinpath(*frame[:-1]))
                  if not looks_like_mask_folder(folder.name) and (volumes := volumes_in(folder))]
        images = _one_image_set(beside)
        if images and matched_cases(images, labels[0][2], labels[0][0]).subjects:
            found.append((frame, beside[0][0].name, images))
        elif len(beside) > 1 and all(names_a_modality(folder.name) for folder, _ in beside):
            cases = modality_folder_cases(root, beside, labels[0][1], labels[0][2])
            modal += [(frame, cases)] if cases.subjects else []
    return found, modal


def _one_image_set(beside: Sequence[tuple[Path, list[Path]]]) -> list[Path]:
    """The volumes of the one folder of them beside a label folder, or of all when they are the
    numbered parts of one set (`parts_of_one_set`: Kaggle's LiTS `volume_pt1/` ... `volume_pt5/`
    beside `segmentations/`) and no two share a name (a name is a case); else none."""
    if len(beside) == 1:
        return beside[0][1]
    if not parts_of_one_set([folder.name for folder, _ in beside]):
        return []
    parts = sorted(beside, key=lambda part: natural_key(part[0].name))  # volume_pt10/ after volume_pt9/
    volumes = [volume for _, found in parts for volume in found]
    return volumes if len({volume_stem(p) for p in volumes}) == len(volumes) else []


def _other_splits(image_dir: str, label_dir: str) -> bool:
    """Whether an image folder's and a label folder's names give two splits (`imagesTs/` beside `labelsTr/`)."""
    image_split, label_split = folder_split(image_dir), folder_split(label_dir)
    return bool(image_split and label_split and image_split != label_split)


def _before_role_word(name: str) -> str:
    """A folder name's words before the first that names images or labels (`ctpelvic1k_dataset1`
    for `CTPelvic1K_dataset1_data` and `CTPelvic1K_dataset1_mask_mappingback`)."""
    found = words(name)
    at = next((i for i, word in enumerate(found) if looks_like_mask_folder(word) or looks_like_image_folder(word)),
              len(found))
    return "_".join(found[:at])
