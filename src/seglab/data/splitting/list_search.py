"""Where a dataset's official split lists are, for each image folder: Pascal VOC's
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
name its images are found too (`ListSearch.above_root`), to be said, not read: a few folders up,
below the user's home folder and the file system's root, up to one that holds other datasets
(for `~/Downloads/data` the search read `~`, `/home` and `/`).

The places are many and a dataset may hold thousands of image folders, so `ListSearch` lists each
folder once and reads each set of lists once.
"""

from __future__ import annotations

import logging
from collections import ChainMap
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from seglab.data.files.folder_listing import entries
from seglab.data.files.folders_above import folders_above
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.files.volumes import volume_stem
from seglab.data.splitting.list_affixes import with_affix
from seglab.data.splitting.list_names import (BOTH, LIST_FOLDER_WORDS, LIST_WORDS, SPLIT_WORDS, family_frame, fills,
                                              in_families, named_split, words)
from seglab.data.splitting.list_numbers import reads_stems
from seglab.data.splitting.list_paths import FolderEntries
from seglab.data.splitting.list_readers import (JSON_SUFFIX, LISTS, READ_BESIDE, TABLE_SUFFIXES, TABLES, holds_names,
                                                is_table, split_table)
from seglab.data.splitting.list_splits import listed_split, split_of_stems
from seglab.errors import DataError

logger = logging.getLogger(__name__)

SPLIT_LIST_FOLDERS = (Path("ImageSets", "Segmentation"), Path("ImageSets"))  # VOC's; Aeroscapes' flat one
_SSL4MIS_LISTS = {"train": ("train_slices.list", "train.list"), "val": ("val.list",), "test": ("test.list",)}
_PLAIN_SUFFIXES = (".txt", ".lst", MAT_SUFFIX, JSON_SUFFIX)  # a JSON of one split's image entries (`holds_names`)
_SPLIT_FOLDER_SUFFIXES = (*_PLAIN_SUFFIXES, *TABLE_SUFFIXES)  # a splits/ folder's lists
_ABOVE = 4  # folders above DATA looked in for lists that name its images, to say they are not read
_LIKE_LISTS = (*_PLAIN_SUFFIXES, ".list")  # files named like lists: said when no list is read


class ListSearch:
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
        self._above_root: list[Path] | None = None  # found when first asked

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
        ssl4mis = (image_dir.parent, image_dir.parent.parent)  # SSL4MIS: data/ACDC/ above data/slices/
        for folder in filter(self._readable, ssl4mis):
            present = {split: [folder / name for name in names if (folder / name).is_file()]
                       for split, names in _SSL4MIS_LISTS.items()}
            files = {split: found[0] for split, found in present.items() if found}  # train_slices.list first
            if files:
                return files
        for folder in (image_dir, *self._above(image_dir)):  # GTA5's split.mat beside images/, CUB's table above
            if files := self._table_files(folder):  # images/<class>/, GEO-Bench's among its samples
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
        """The lists of `image_dir` in a folder above the root (`folders_above`), or one named for
        lists in it (or in that), that name its images; empty when there are none."""
        for folder in self._folders_above_root():
            for place in (folder, *self._in_list_folders([folder])):
                files = self.split_files(place, _SPLIT_FOLDER_SUFFIXES)
                if ("train" in files or "val" in files) and self._lists_name_images(files, image_dir):
                    return files
        return {}

    def _folders_above_root(self) -> list[Path]:
        """The folders above the root that may be read as the dataset's (`folders_above`), found once."""
        if self._above_root is None:
            self._above_root = folders_above(self.root, _ABOVE, _names_lists)
        return self._above_root

    def _readable(self, folder: Path) -> bool:
        """Whether `folder` is the dataset's to read: in the root, or above it where `folders_above` goes."""
        return folder.is_relative_to(self.root) or folder in self._folders_above_root()

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
        """The folders in `folder` whose name says they hold lists (`_names_lists`)."""
        if folder not in self._list_folders_in:
            self._list_folders_in[folder] = sorted(p for p in self.listed(folder)
                                                   if _names_lists(p.name) and p.is_dir())
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
        MAMA-MIA's `train_test_splits.csv` of a column per split), one named for no split first:
        GEO-Bench's `default_partition.json` before `0.01x_train_partition.json`, which keeps 1 % of
        the training samples."""
        if folder not in self._tables:
            shipped = [folder / name for name in TABLES
                       if (folder / name).is_file() and all((folder / b).is_file() for b in READ_BESIDE.get(name, ()))]
            tables = [p for p in self.listed(folder) if p.suffix.lower() in TABLE_SUFFIXES
                      and not LIST_WORDS.isdisjoint(words(p.stem)) and p.is_file()]
            named = sorted((p for p in {*self.named_like_lists(folder), *tables} if is_table(p)),
                           key=lambda p: (not SPLIT_WORDS.keys().isdisjoint(words(p.stem)), p.name))
            self._tables[folder] = next(iter(shipped), None) or next((p for p in named if split_table(p)), None)
        return self._tables[folder]

    def _set_folders(self, image_dir: Path, mask_dir: Path) -> list[Path]:
        """The folders of VOC's lists to try, the one named for the mask folder first: PASCAL-Context's
        `ImageSets/SegmentationContext/` for `SegmentationClassContext/` (the name less 'Class', any case)."""
        if not self._readable(image_dir.parent):  # DATA the image folder, in the home folder
            return []
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
                self._entries[folder] = entries(folder)
            except OSError:
                self._entries[folder] = []
        return self._entries[folder]


def _names_lists(folder: str) -> bool:
    """Whether a folder's name says it holds lists or splits (`ImageSets` too)."""
    return not LIST_FOLDER_WORDS.isdisjoint(words(folder))


def _path_ends(folder: Path) -> list[str]:
    """The ends of a folder's path as lists write them, longest first: `a/b/c`, `b/c`, `c`."""
    return ["/".join(folder.parts[i:]) for i in range(len(folder.parts))]


def _bare(name: str) -> str:
    return name.lower().replace("class", "")
