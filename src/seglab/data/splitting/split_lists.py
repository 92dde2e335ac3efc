"""Official splits that a dataset ships as lists of names: Pascal VOC's
`ImageSets/Segmentation/{train,val,test}.txt` beside `JPEGImages/` (PASCAL-Context's
`ImageSets/SegmentationContext/` first when the masks are `SegmentationClassContext/`: the list
folder named as the mask folder less 'Class'), Aeroscapes' `ImageSets/{trn,val}.txt`, SSL4MIS'
`train_slices.list`, `val.list` and `test.list` above its `data/slices/` (val and test naming
volumes, `patient003_frame01`, whose slices `patient003_frame01_slice_4` they hold), or GTA5's
`split.mat` (the numbers of `trainIds`, `valIds`, `testIds`) or CUB-200-2011's
`train_test_split.txt` (`<id> <1 train | 0 test>`, the ids those of its `images.txt`) or a JSON
split file in `--split-file` form named for splits (TextSeg's `split.json`) or a text file of
sections named for splits (CTSpine1K's `data_split.txt`: `trainset:`, `test_public:`, ...) in the
folder holding the images or above it, or in a folder named for lists there that names the images
(CTSpine1K's `metadata/`), in the dataset (`list_readers` reads them), or plain `train.txt`,
`val.txt` and `test.txt` (or `.lst`, or `.mat`: HKU-IS' `trainImgSet.mat`) at most two folders
above the images or the masks, or in a folder named for lists there (Pascal Person-Part's
`pascal_person_part_trainval_list/` beside its masks), in the dataset (OpenEarthMap's file
names above `<region>/images/`, LandCover.ai's tile stems above `output/`, RELLIS-3D's
`train.lst` of image and label paths, MSRC-v2's `Train.txt`, `Validation.txt`, `Test.txt`: a
list is named by its split's word in any case, `training`, `validation` or `testing` too), or in
a `splits/` folder further up (Sen1Floods11's `splits/flood_handlabeled/flood_train_data.csv`
of `<image>,<label>` rows, its `flood_bolivia_data.csv` a held-out test set), or lists of two
splits or more naming the images, or folders holding them, in any folder above (WildScenes2d's
`train.csv`, `val.csv`, `test.csv` beside `WildScenes2d/`; VSPW's `train.txt`, `val.txt`,
`test.txt` of the video folders of `data/<video>/origin/`). Lists above the dataset folder that
name its images are said, with the folder to pass instead, not read: the dataset is what DATA holds.

Results on such a dataset are reported on its own val (or test) images; a random split would
put some of them in training. The lists name images by stem, one per line (anything after the
first word, as in VOC's `ImageSets/Main/*_train.txt`, is not read, but for lines `<name> <number>`
naming images `<name>_<number>`, as LFW's do: `list_numbers`); a word that is a path or a
file name names the image of that name, and words that all name images less one prefix or suffix
name those (`list_affixes`). A file named like a split list where lists are looked
for, when none is read for those images, is named in a warning, not passed over.
"""

from __future__ import annotations

import logging
import os
import re
from collections import ChainMap
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.data.discovery.unmasked import UNMASKED_CODES
from seglab.data.files.index import Pair, Problem
from seglab.data.splitting.list_affixes import with_affix
from seglab.data.splitting.list_numbers import listed_stems, reads_stems
from seglab.data.splitting.list_paths import FolderEntries, listed_paths
from seglab.data.splitting.list_rows import rows_named
from seglab.data.splitting.list_readers import (JSON_SUFFIX, LISTS, READ_BESIDE, TABLE_SUFFIXES, TABLES, holds_names,
                                      is_table, read_table, split_table)
from seglab.data.splitting.list_names import (BOTH, LIST_FOLDER_WORDS, LIST_WORDS, SPLIT_WORDS, family_frame, fills, in_families,
                                    named_split, words)
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.files.volumes import volume_stem
from seglab.errors import DataError

logger = logging.getLogger(__name__)

SPLIT_LIST_FOLDERS = (Path("ImageSets", "Segmentation"), Path("ImageSets"))  # VOC's; Aeroscapes' flat one
_SSL4MIS_LISTS = {"train": ("train_slices.list", "train.list"), "val": ("val.list",), "test": ("test.list",)}
_NUMBERS = re.compile(r"\d+")  # told apart from a list's name, the name of its other folds
_SLICE = re.compile(r"_slice_?\d+$")  # a slice's name after its volume's: patient001_frame01_slice_3
_PLAIN_SUFFIXES = (".txt", ".lst", MAT_SUFFIX)
_SPLIT_FOLDER_SUFFIXES = (*_PLAIN_SUFFIXES, *TABLE_SUFFIXES)  # a splits/ folder's lists
_ABOVE = 4  # folders above DATA looked in for lists that name its images, to say they are not read
_LIKE_LISTS = (*_PLAIN_SUFFIXES, ".list", JSON_SUFFIX)  # files named like lists: said when no list is read


@dataclass(frozen=True)
class SplitLists:
    """What `read_split_lists` found: the split of each listed image stem per image folder
    (`splits`), and the list files read (`files`, so that they are not called unused)."""

    splits: dict[Path, Mapping[str, str]]  # layered over the lists' one dict, never a copy per folder
    files: set[Path]


def read_split_lists(
    folders: Iterable[tuple[Path, Path]], root: Path, split_known: Collection[Path] = ()
) -> SplitLists:
    """The split lists of each image folder (with its mask folder) that has them beside or above
    it, in `root` (see the module doc); image folders without lists are left out, and files
    named like lists where their lists were looked for are named in a warning, unless the
    folder's split is known otherwise (`split_known`: LIP's train_images/ beside train_id.txt).

    Raises:
        DataError: a stem listed in two splits, naming both files; a list that cannot be read.
    """
    found = SplitLists({}, set())
    search = _ListSearch(root)
    shipped: dict[tuple[tuple[str, Path], ...], tuple[dict[str, Path], list[Path]]] = {}  # lists, held-out lists
    parsed: dict[tuple[tuple[str, Path], ...], dict[str, str]] = {}  # CUB's one table serves 200 class folders
    unlisted: set[Path] = set()  # the places looked in for image folders without lists
    keys: dict[Path, tuple[tuple[str, Path], ...]] = {}  # the lists of each image folder
    outside: tuple[dict[str, Path], Path, Path] | None = None  # lists above the root naming a folder's images
    for image_dir, mask_dir in dict.fromkeys(folders):
        files = search.list_files(image_dir, mask_dir)
        if not files:
            if image_dir not in split_known:
                unlisted.update(search.places(image_dir, mask_dir))
                if outside is None and (above := search.above_root(image_dir)):
                    outside = above, image_dir, mask_dir
            continue
        held = search.held_out(files)
        keys[image_dir] = key = (*sorted(files.items()), *(("held-out", p) for p in held))
        shipped[key] = files, held
        found.files.update([*files.values(), *held])
        found.files.update(p.parent / name for p in files.values() for name in READ_BESIDE.get(p.name, ()))
    folders_of: dict[tuple[tuple[str, Path], ...], list[Path]] = {}
    for image_dir, key in keys.items():
        folders_of.setdefault(key, []).append(image_dir)
    for files, _ in shipped.values():
        _say_other_folds(files)
    for key, (files, held) in shipped.items():  # MARIDA's lists name each scene folder's patches less their S2_
        stems = {stem for folder in folders_of[key] for stem in search.stems(folder)}
        parsed[key] = with_affix(search.split_of(files, held, stems), stems,
                                 ", ".join(sorted({f"'{p.parent}'" for _, p in key})))
    for image_dir, key in keys.items():
        own = search.own_splits(parsed[key], image_dir)
        found.splits[image_dir] = ChainMap(search.by_folder(own, image_dir), own)
    unread = sorted({p for folder in unlisted for p in search.named_like_lists(folder)} - found.files)
    if unread:
        logger.warning("split lists not read: %s (seglab reads lists named for their split, train, val or test, "
                       "that name the images or folders holding them: docs/data.md); if they hold the official "
                       "split, train with --split-file FILE (JSON)", ", ".join(f"'{p}'" for p in unread))
    if outside is not None:
        _say_lists_above(*outside, root)
    return found


def _say_other_folds(files: dict[str, Path]) -> None:
    """Say the lists named as `files` but for a number, other folds of a cross-validation
    (NuCLS' `fold_2_train.csv` beside `fold_1_train.csv`): one fold is the split, the first."""
    for path in files.values():
        frame = _NUMBERS.sub("#", path.stem)
        others = sorted(p.name for p in path.parent.iterdir()
                        if p != path and p.suffix == path.suffix and _NUMBERS.sub("#", p.stem) == frame)
        if others:
            logger.info("split list '%s' is one fold of several (%s beside it): its fold is the split (train with "
                        "--split-file FILE for another)", path, ", ".join(f"'{n}'" for n in others))


def _say_lists_above(files: dict[str, Path], image_dir: Path, mask_dir: Path, root: Path) -> None:
    """Warn of split lists above `root` that name images of `image_dir`: lists are read within
    DATA only, and a split drawn instead trains on the official test images (Sen1Floods11's
    `v1.1/splits/flood_handlabeled/` when DATA is `v1.1/data/flood_events/HandLabeled/`)."""
    data = Path(os.path.commonpath([root, *files.values()]))
    flags = f" with --images {image_dir.name} --masks {mask_dir.name}" if image_dir != mask_dir else ""
    logger.warning("split lists above DATA name its images: %s; seglab reads lists within DATA only, so the split "
                   "is drawn: pass '%s' as DATA%s to read them, or train with --split-file FILE (JSON)",
                   ", ".join(f"'{p}'" for p in sorted(set(files.values()))), data, flags)


class _ListSearch:
    """Where the lists of one dataset's image folders are, each folder listed once (a dataset of a
    folder per case would list its top once per case)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._entries: dict[Path, list[Path]] = {}
        self._split_files: dict[tuple[Path, tuple[str, ...], str], dict[str, Path]] = {}
        self._tables: dict[Path, Path | None] = {}
        self._split_of: dict[tuple[tuple[tuple[str, Path], ...], tuple[Path, ...], frozenset[str]], dict[str, str]] = {}
        self._reads_stems: dict[Path, bool] = {}
        self._list_folders_in: dict[Path, list[Path]] = {}
        self._grouped: tuple[dict[str, str], FolderEntries] | None = None  # the split dict last asked for

    def list_files(self, image_dir: Path, mask_dir: Path) -> dict[str, Path]:
        """The list of each split from the first place beside or above `image_dir` that holds
        lists (none when no place does)."""
        prefer = "aug" if mask_dir.name.lower().endswith("aug") else ""  # VOC's SegmentationClassAug/: train_aug.txt
        held = [(folder, files) for folder in self._set_folders(image_dir, mask_dir)
                if (files := self.split_files(folder, (".txt",), prefer))]
        if held:
            if len(held) > 1 and held[0][0].relative_to(image_dir.parent) not in SPLIT_LIST_FOLDERS:
                logger.info("split lists in '%s' go with the masks in '%s': those in %s are not read",
                            held[0][0], mask_dir.name, ", ".join(f"'{f}'" for f, _ in held[1:]))
            return held[0][1]
        for folder in (image_dir.parent, image_dir.parent.parent):  # SSL4MIS: data/ACDC/ above data/slices/
            present = {split: [folder / name for name in names if (folder / name).is_file()]
                       for split, names in _SSL4MIS_LISTS.items()}
            files = {split: found[0] for split, found in present.items() if found}  # train_slices.list first
            if files:
                return files
        for folder in self._above(image_dir):  # GTA5's split.mat beside images/, CUB's table above images/<class>/
            if files := self._table_files(folder):
                return files
        for folder in self._near(image_dir, mask_dir):
            files = self.split_files(folder, _PLAIN_SUFFIXES, prefer)
            if "train" in files or "val" in files or (set(files) == {"test"} and self._name_images(files, image_dir)):
                return files  # a test list alone (SIFT Flow's TestSet1.txt): the rest trains
        for folder in self._split_folders(image_dir):  # CTSpine1K's metadata/data_split.txt beside raw_data/
            files = self.split_files(folder, _SPLIT_FOLDER_SUFFIXES, prefer) or self._table_files(folder)
            if ("train" in files or "val" in files) and self._name_images(files, image_dir):
                return files
        for folder in self._above(image_dir):  # WildScenes' train.csv, ... beside WildScenes2d/; VSPW's train.txt,
            files = self.split_files(folder, _SPLIT_FOLDER_SUFFIXES, prefer)  # ... naming data/<video>/ above origin/
            if len(files) > 1 and self._lists_name_images(files, image_dir):
                return files
        return {}

    def _table_files(self, folder: Path) -> dict[str, Path]:
        """The table of every split in `folder` (`_table`) as the list of each split; empty without one."""
        table = self._table(folder)
        return dict.fromkeys(LISTS, table) if table is not None else {}

    def _lists_name_images(self, files: dict[str, Path], image_dir: Path) -> bool:
        """`_name_images` of files that may be lists: tables named for splits that name one entry in
        two splits hold something else (a class per row), not the split."""
        try:
            return self._name_images(files, image_dir)
        except DataError:
            return False

    def above_root(self, image_dir: Path) -> dict[str, Path]:
        """The lists of `image_dir` in a folder up to `_ABOVE` above the root, or one named for
        lists in it (or in that), that name its images; empty when there are none."""
        for folder in self.root.parents[:_ABOVE]:
            for place in (folder, *self._in_list_folders([folder])):
                files = self.split_files(place, _SPLIT_FOLDER_SUFFIXES)
                if ("train" in files or "val" in files) and self._lists_name_images(files, image_dir):
                    return files
        return {}

    def held_out(self, files: dict[str, Path]) -> list[Path]:
        """The lists named as the split lists `files` with another word in their split word's
        place: held-out sets (Sen1Floods11's `flood_bolivia_data.csv` beside
        `flood_{train,valid,test}_data.csv`)."""
        frames = {(frame, p.parent, p.suffix.lower()) for p in files.values() if (frame := family_frame(p.stem))}
        return sorted(p for frame, folder, suffix in frames for p in self.listed(folder)
                      if p.suffix.lower() == suffix and fills(frame, p.stem) and p.is_file())

    def _split_folders(self, image_dir: Path) -> list[Path]:
        """The folders named for lists in any folder holding `image_dir`, nearest first, each
        followed by the folders in it (Sen1Floods11's `v1.1/splits/flood_handlabeled/`, its images
        in `v1.1/data/flood_events/HandLabeled/S1Hand/`)."""
        return self._in_list_folders(self._above(image_dir))

    def _in_list_folders(self, folders: Iterable[Path]) -> list[Path]:
        """The folders named for lists in `folders`, each followed by the folders in it."""
        return [found for folder in folders for lists in self._list_folders(folder)
                for found in (lists, *sorted(p for p in self.listed(lists) if p.is_dir()))]

    def _name_images(self, files: dict[str, Path], image_dir: Path) -> bool:
        """Whether the lists name an image of `image_dir`, or a folder holding it (`by_folder`): those
        of a far `splits/` folder may be another set's (Sen1Floods11's weakly labelled chips)."""
        stems = self.stems(image_dir)
        listed = with_affix(self.split_of(files, stems=stems), stems)
        split_of = self.own_splits(listed, image_dir)
        return any(listed_split(split_of, stem) for stem in stems) or bool(self.by_folder(split_of, image_dir))

    def own_splits(self, listed: dict[str, str], image_dir: Path) -> Mapping[str, str]:
        """`listed` with the stems of the entries naming files of `image_dir` by path added
        (`FolderEntries.in_folder`). The entries are grouped once for the folders asking in turn
        with the same dict (CUB's 200 class folders, CULane's clips); only the last is kept, as the
        dicts asked whether lists name a folder's images are made anew for each. Layered, not
        copied: CULane's 133k listed frames in each of its thousands of clip folders were copies."""
        if self._grouped is None or self._grouped[0] is not listed:
            self._grouped = listed, FolderEntries(listed)
        return ChainMap(self._grouped[1].in_folder(image_dir, self.root), listed)

    def split_of(self, files: dict[str, Path], held_out: Iterable[Path] = (),
                 stems: Collection[str] = ()) -> dict[str, str]:
        """`split_of_stems`, computed once for the same lists and image names (the lists read to
        tell whether they name a folder's images are those then read for its split); the dict is
        shared, not to be changed. Lists that read alike whatever the stems (`reads_stems`) are read once."""
        read = [*(p for p in files.values() if not is_table(p)), *held_out]  # as `split_of_stems` reads them
        by_stems = any(self._read_by_stems(p) for p in read)
        key = (tuple(files.items()), tuple(held_out), frozenset(stems) if by_stems else frozenset())
        if key not in self._split_of:
            self._split_of[key] = split_of_stems(files, held_out, stems)
        return self._split_of[key]

    def _read_by_stems(self, path: Path) -> bool:
        """`reads_stems` of a list, found once."""
        if path not in self._reads_stems:
            self._reads_stems[path] = reads_stems(path)
        return self._reads_stems[path]

    def by_folder(self, split_of: Mapping[str, str], image_dir: Path) -> dict[str, str]:
        """The split of each file of `image_dir` when the lists name it or a folder holding it (below
        the root) and none of its files: DAVIS' `ImageSets/2017/val.txt` names sequences (`bear`),
        each the folder of its frames (`JPEGImages/480p/bear/00000.jpg`), or by a path its own ends
        with (SeasoNet's rows read as `spring/grid1/<patch>`: the patch is in every season);
        empty otherwise. Added to the lists' names, which a list of volume cases looks its case
        folders up by."""
        stems = self.stems(image_dir)
        if any(listed_split(split_of, stem) for stem in stems):
            return {}
        entry = next((key for f in (image_dir, *image_dir.parents) if f != self.root and f.is_relative_to(self.root)
                      for key in _path_ends(f.relative_to(self.root)) if key in split_of), None)
        return dict.fromkeys(stems, split_of[entry]) if entry is not None else {}

    def places(self, image_dir: Path, mask_dir: Path) -> list[Path]:
        """The folders where the lists of `image_dir` are looked for."""
        return list(dict.fromkeys([*self._set_folders(image_dir, mask_dir), *self._above(image_dir),
                                   *self._near(image_dir, mask_dir)]))

    def _near(self, image_dir: Path, mask_dir: Path) -> list[Path]:
        """The folders plain lists are looked in: the two holding the image folder, then the two
        holding the mask folder (Pascal Person-Part's beside `pascal_person_part_gt/`, its images in
        VOC's `JPEGImages/`), each followed by the folders in it named for lists
        (`pascal_person_part_trainval_list/`, `list/`, `splits/`)."""
        holding = [*self._above(image_dir)[:2], *self._above(mask_dir)[:2]]
        return list(dict.fromkeys(found for folder in holding for found in (folder, *self._list_folders(folder))))

    def _list_folders(self, folder: Path) -> list[Path]:
        """The folders in `folder` whose name says they hold lists or splits (`ImageSets` too)."""
        if folder not in self._list_folders_in:
            self._list_folders_in[folder] = sorted(p for p in self.listed(folder)
                                                   if not LIST_FOLDER_WORDS.isdisjoint(words(p.name)) and p.is_dir())
        return self._list_folders_in[folder]

    def split_files(self, folder: Path, suffixes: tuple[str, ...], prefer: str = "") -> dict[str, Path]:
        """The list of each split in `folder`, named by a word for the split in any case (MSRC-v2's
        `Train.txt`, `Validation.txt`, `Test.txt`), or by it and one word more, after those
        (EG1800's `eg1800_train.txt`, ScanNet's `scannetv2_val.txt`) unless that word is `prefer`
        (VOC's `train_aug.txt` for the masks of `SegmentationClassAug/`), or by it and more words,
        last, when a list of another split has the same words around its own (HKU-IS'
        `trainImgSet.mat` and `testImgSet.mat`); `trainval` is the train list when there is no
        train or val list."""
        key = (folder, suffixes, prefer)
        if key not in self._split_files:
            order = list(SPLIT_WORDS)
            ranked = []
            for path in self.listed(folder):
                named = named_split(path.stem, prefer)
                if named is not None and path.suffix.lower() in suffixes and path.is_file() and holds_names(path):
                    rank, word = named
                    ranked.append((rank, order.index(word), suffixes.index(path.suffix.lower()), path.name, word, path))
            files: dict[str, Path] = {}
            for *_, word, path in sorted(in_families(ranked)):
                files.setdefault(SPLIT_WORDS[word], path)
            both = files.pop(BOTH, None)
            if both is not None and "train" not in files and "val" not in files:
                files["train"] = both
            self._split_files[key] = files
        return self._split_files[key]

    def named_like_lists(self, folder: Path) -> list[Path]:
        """The files in `folder` with a split's word in their name (`train_aug.txt`,
        `Training_list.txt`, `splits.mat`); of tables, those named as lists are (`train.csv`, not
        38-Cloud's `training_patches_38-Cloud.csv` alone), as tables of other data are common."""
        named = [p for p in self.listed(folder) if p.suffix.lower() in _LIKE_LISTS
                 and not LIST_WORDS.isdisjoint(words(p.stem)) and p.is_file()]
        return named + sorted(self.split_files(folder, TABLE_SUFFIXES).values())

    def _table(self, folder: Path) -> Path | None:
        """The table of every split in `folder`: GTA5's or CUB's, else a file named like a list that
        reads as one (`split_table`: TextSeg's `split.json`, CTSpine1K's `data_split.txt` of sections,
        MAMA-MIA's `train_test_splits.csv` of a column per split)."""
        if folder not in self._tables:
            shipped = [folder / name for name in TABLES
                       if (folder / name).is_file() and all((folder / b).is_file() for b in READ_BESIDE.get(name, ()))]
            tables = [p for p in self.listed(folder) if p.suffix.lower() in TABLE_SUFFIXES
                      and not LIST_WORDS.isdisjoint(words(p.stem)) and p.is_file()]
            named = sorted(p for p in {*self.named_like_lists(folder), *tables} if is_table(p))
            self._tables[folder] = next(iter(shipped), None) or next((p for p in named if split_table(p)), None)
        return self._tables[folder]

    def _set_folders(self, image_dir: Path, mask_dir: Path) -> list[Path]:
        """The folders of VOC's lists to try, the one named for the mask folder first: PASCAL-Context's
        `ImageSets/SegmentationContext/` for `SegmentationClassContext/` (the name less 'Class', any case)."""
        named = [f for f in self.listed(image_dir.parent / SPLIT_LIST_FOLDERS[-1])
                 if _bare(f.name) == _bare(mask_dir.name) and f.is_dir()]
        return list(dict.fromkeys([*sorted(named), *(image_dir.parent / f for f in SPLIT_LIST_FOLDERS)]))

    def _above(self, image_dir: Path) -> list[Path]:
        """The folders holding `image_dir`, nearest first, up to the root."""
        return [folder for folder in image_dir.parents if folder.is_relative_to(self.root)]

    def stems(self, folder: Path) -> list[str]:
        """The names of the files in `folder` as lists name them: less their suffix, a volume's two
        (CTSpine1K's `colon_001.nii.gz`)."""
        return [name if (name := volume_stem(p)) != p.name else p.stem for p in self.listed(folder)]

    def listed(self, folder: Path) -> list[Path]:
        """What `folder` holds; nothing when it is no folder."""
        if folder not in self._entries:
            try:
                self._entries[folder] = list(folder.iterdir())
            except OSError:
                self._entries[folder] = []
        return self._entries[folder]


def case_splits(case_folders: dict[str, Path], root: Path) -> dict[str, str]:
    """case -> split from the split lists beside or above the folder of each volume case, which
    name cases by their name (SSL4MIS' LA: `data/train.list` and `data/test.list` name the folders
    of `data/2018LA_Seg_Training Set/<case>/mri_norm2.h5`) or their folder's (CAMUS); a list of
    slices names their volume's case (`train_slices.list`). Empty when there are no lists, and
    with a warning when they leave a case out or list train only (the split is drawn then, as
    for images).

    Raises:
        DataError: a name listed in two splits, naming both files.
    """
    lists = read_split_lists(((folder, folder) for folder in case_folders.values()), root)
    if not lists.splits:
        return {}
    splits = {case: _case_split(lists.splits.get(folder, {}), case, folder.name)
              for case, folder in case_folders.items()}
    where = ", ".join(f"'{p}'" for p in sorted(lists.files))
    unlisted = [case for case, split in splits.items() if split is None]
    if unlisted or set(splits.values()) == {"train"}:
        reason = (f"{len(unlisted)} of {len(splits)} cases are in no list (e.g. '{unlisted[0]}')" if unlisted
                  else "they list a train split only")
        logger.warning("split lists %s not used: %s; the split is drawn instead", where, reason)
        return {}
    found = list(splits.values())
    logger.info("split of the volume cases from the lists %s: %s", where,
                ", ".join(f"{s} {found.count(s)}" for s in LISTS if s in found))
    return {case: split for case, split in splits.items() if split is not None}


def _case_split(split_of: dict[str, str], case: str, folder: str) -> str | None:
    """The split the lists give a case: by its name, else by its slices' (`<case>_slice_3`), else
    by its folder's (CAMUS' `database_split/subgroup_training.txt` names `patient0001`, whose
    folder holds the cases `patient0001_2CH_ED`, `patient0001_4CH_ES`, ...)."""
    return (listed_split(split_of, case)
            or next((s for stem, s in split_of.items() if _SLICE.sub("", stem) == case), None)
            or listed_split(split_of, folder))


def _path_ends(folder: Path) -> list[str]:
    """The ends of a folder's path as lists write them, longest first: `a/b/c`, `b/c`, `c`."""
    return ["/".join(folder.parts[i:]) for i in range(len(folder.parts))]


def _bare(name: str) -> str:
    return name.lower().replace("class", "")


def _split_values(split_of: Mapping[str, str], read: dict[int, set[str]]) -> set[str]:
    """The splits a folder's lists give, layer by layer, each layer read once (`read`): the
    folders' layers share the lists' one dict."""
    if isinstance(split_of, ChainMap):
        return set().union(*(_split_values(layer, read) for layer in split_of.maps))
    if id(split_of) not in read:
        read[id(split_of)] = set(split_of.values())
    return read[id(split_of)]


def listed_split(split_of: Mapping[str, str], stem: str) -> str | None:
    """The split the lists give an image: by its stem, else by its volume's (SSL4MIS' val.list
    names `patient003_frame01`, the image is `patient003_frame01_slice_4`), else by its number
    (GTA5's split.mat numbers `00001.png` 1)."""
    found = split_of.get(stem) or split_of.get(_SLICE.sub("", stem))
    return found or (split_of.get(str(int(stem))) if stem.isascii() and stem.isdigit() else None)


def split_of_stems(
    files: dict[str, Path], held_out: Iterable[Path] = (), stems: Collection[str] = ()
) -> dict[str, str]:
    """The split of each stem the lists name; the stems only a held-out list names (`held_out`,
    Sen1Floods11's Bolivia chips) are test images, with a warning naming the list: a set held out
    from training is one to test on. `stems`, the images' names, tell lists of `<name> <number>`
    lines that name `<name>_<number>` (LFW's, `list_numbers`) from those naming `<name>`.

    Raises:
        DataError: a stem listed in two splits, naming both files.
    """
    split_of: dict[str, str] = {}
    listed_in: dict[str, Path] = {}
    tables: dict[Path, dict[str, list[str]]] = {}  # a table (GTA5's split.mat) names every split: parsed once
    by_path = listed_paths(files)  # CULane's clips each hold a 00000.jpg: `own_splits` reads them per folder
    for split, path in files.items():
        if by_path is not None:
            listed = by_path[split]
        else:
            if is_table(path) and path not in tables:
                tables[path] = read_table(path)
            listed = (tables[path].get(split, []) if path in tables
                      else rows_named(path, listed_stems(path, stems), stems))
        for stem in listed:
            if split_of.get(stem, split) != split:
                raise DataError(f"'{stem}' is listed in both '{listed_in[stem]}' and '{path}'; "
                                "an image belongs to one split")
            split_of[stem], listed_in[stem] = split, path
    for path in held_out:
        unlisted = [stem for stem in listed_stems(path, stems) if stem not in split_of]
        if unlisted:
            logger.warning("'%s' names %d images that no train, val or test list beside it names: they go to "
                           "test, as a set held out from training (--split-file FILE gives another split)",
                           path, len(unlisted))
        split_of.update(dict.fromkeys(unlisted, "test"))
    return split_of


def apply_split_lists(
    pairs: list[Pair], problems: list[Problem], lists: Mapping[Path, Mapping[str, str]], where: str
) -> tuple[list[Pair], list[Path], list[Problem]]:
    """Give every pair the split its list names, when the lists name a split for every pair.

    `where` names the lists in the log.
    Lists of held-out splits alone (SIFT Flow's test list, fastai CamVid's `valid.txt`) leave
    the pairs they do not name to train. Images a test list names that have no mask are
    unlabelled test images (VOC's test release), not unpaired ones. Image folders none of whose
    pairs is listed while the others' all are are left out, with a warning (LandCover.ai's `images/` orthophotos, which its listed
    `output/` tiles are cut from). When some other pair is in no list, or the lists hold train
    only and no test images, they do not say how to split these pairs: they are not used, with a
    warning.

    Returns:
        the pairs (with splits when the lists are used), unlabelled test images, and `problems`
        without the unpaired-image findings of those.
    """
    if not lists:
        return pairs, [], problems
    folders = where
    splits = [listed_split(lists.get(p.image.parent, {}), p.image.stem) for p in pairs]
    read: dict[int, set[str]] = {}
    named = set().union(*(_split_values(split_of, read) for split_of in lists.values()))
    if named and named <= {"val", "test"}:  # SIFT Flow's TestSet1.txt, fastai CamVid's valid.txt: the rest trains
        logger.info("the split lists in %s are %s lists only: the %d pairs they do not name are train pairs",
                    folders, " and ".join(s for s in LISTS if s in named), splits.count(None))
        splits = [split or "train" for split in splits]
    unlisted_dirs = {p.image.parent for p, s in zip(pairs, splits)} - {p.image.parent for p, s in zip(pairs, splits) if s}
    if unlisted_dirs and len(unlisted_dirs) < len({p.image.parent for p in pairs}):
        left = [p for p in pairs if p.image.parent in unlisted_dirs]
        logger.warning("the split lists in %s name every pair but the %d in %s: those are left out (read them alone "
                       "with --images %s)", folders, len(left), ", ".join(f"'{d}'" for d in sorted(unlisted_dirs)),
                       min(unlisted_dirs).name)
        kept = [(p, s) for p, s in zip(pairs, splits) if p.image.parent not in unlisted_dirs]
        pairs, splits = [p for p, _ in kept], [s for _, s in kept]
    unlabelled = {
        p.path for p in problems
        if p.code in UNMASKED_CODES and p.path is not None
        and listed_split(lists.get(p.path.parent, {}), p.path.stem) == "test"
    }
    unlisted = splits.count(None)
    if unlisted or (set(splits) == {"train"} and not unlabelled):
        reason = f"{unlisted} of {len(pairs)} pairs are in no list" if unlisted else "they list a train split only"
        logger.warning("split lists in %s not used: %s; the split is drawn instead (--split-file FILE fixes one)",
                       folders, reason)
        return pairs, [], problems
    labelled = [replace(pair, split=split) for pair, split in zip(pairs, splits)]
    counts = ", ".join(f"{s} {splits.count(s)}" for s in LISTS if s in splits)
    logger.info("split from the lists in %s: %s%s", folders, counts,
                f", and {len(unlabelled)} unlabelled test images" if unlabelled else "")
    kept = [p for p in problems if not (p.code in UNMASKED_CODES and p.path in unlabelled)]
    return labelled, sorted(unlabelled), kept
