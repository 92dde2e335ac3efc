"""What the name of a file says about the split it lists: a split's word alone in any case
(MSRC-v2's `Train.txt`), with one word more (EG1800's `eg1800_train.txt`, VOC's `train_aug.txt`),
or among more words, glued in camelCase or not, beside lists of other splits named alike (HKU-IS'
`trainImgSet.mat`, Sen1Floods11's `flood_train_data.csv`); and which folders' names say they hold
lists (`list_search` looks for the files); and which split a section heading of a split file names
(CTSpine1K's `trainset:`, `test_public:`).
"""

from __future__ import annotations

import re

BOTH = "trainval"  # the train split when train and val lists are absent
# a list's name in any case and its split, preferred first (Aeroscapes' trn.txt, MSRC-v2's Validation.txt)
SPLIT_WORDS = {"train": "train", "training": "train", "trn": "train", "val": "val", "valid": "val",
               "validation": "val", "test": "test", "testing": "test", BOTH: BOTH}
# a file named with one is said when no list is read (GEO-Bench's `default_partition.json` is a split file)
LIST_WORDS = {*SPLIT_WORDS, "split", "splits", "partition"}
# BBBC039's metadata/training.txt, TTPLA's splitting_dataset_txt/train.txt
LIST_FOLDER_WORDS = {"list", "lists", "split", "splits", "splitting", "imagesets", "metadata"}
_WORD = re.compile(r"[a-z]+")
_MARKS = re.compile(r"[^a-z0-9]+")  # between the words of a lower-case name
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # between the words glued in camelCase: train|Img|Set
_FAMILY = 2  # the rank of a list named with more words around its split's


def named_split(stem: str, prefer: str) -> tuple[int, str] | None:
    """(rank, split word) of a list's name: the word alone in any case (0), the word and one more
    (1: `eg1800_train`, `train_id`), or and `prefer` (-1: `train_aug`), or and more words (2:
    `trainImgSet`, `flood_train_data`, read only beside lists of other splits so named);
    None for other names."""
    if stem.lower() in SPLIT_WORDS:
        return 0, stem.lower()
    parts = _name_words(stem)
    found = [part for part in parts if part in SPLIT_WORDS]
    if len(parts) < 2 or len(found) != 1:
        return None
    if len(parts) > 2:
        return _FAMILY, found[0]
    other = parts[1 - parts.index(found[0])]
    return (-1 if prefer and other == prefer else 1), found[0]


def section_split(heading: str) -> str | None:
    """The split (or `trainval`) a section heading names by its words for splits, each less a
    trailing `set` (`trainset`, `test_public`, `Validation Set`); None when they name none or two."""
    found = {SPLIT_WORDS[bare] for word in _name_words(heading) if (bare := word.removesuffix("set")) in SPLIT_WORDS}
    return found.pop() if len(found) == 1 else None


def in_families(ranked: list[tuple]) -> list[tuple]:
    """The ranked lists less those named with more words around their split's (`_FAMILY`) that no
    list of another split shares (with the suffix): `train_loss_log.txt` alone is no list."""
    splits: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for rank, *_, word, path in ranked:
        if rank == _FAMILY:
            splits.setdefault((_frame(path.stem), path.suffix.lower()), set()).add(SPLIT_WORDS[word])
    return [entry for entry in ranked
            if entry[0] != _FAMILY or len(splits[_frame(entry[-1].stem), entry[-1].suffix.lower()]) > 1]


def _frame(stem: str) -> tuple[str, ...]:
    """A list name's words around its split word (`('', 'img', 'set')` for `trainImgSet`)."""
    return tuple("" if word in SPLIT_WORDS else word for word in _name_words(stem))


def _name_words(stem: str) -> list[str]:
    """The lower-case words of a list's name in order, split at marks, and at capitals too when no
    word is then a split's (HKU-IS' `trainImgSet`; `TrainVal_list` stays `trainval`, `list`)."""
    plain = [word for word in _MARKS.split(stem.lower()) if word]
    if not SPLIT_WORDS.keys().isdisjoint(plain):
        return plain
    return [word for word in _MARKS.split(_CAMEL.sub("_", stem).lower()) if word]


def words(name: str) -> set[str]:
    """The lower-case words of a file's or folder's name, those glued in camelCase too (`train`
    in `trainImgSet`)."""
    return {*_WORD.findall(name.lower()), *_WORD.findall(_CAMEL.sub("_", name).lower())}


def family_frame(stem: str) -> tuple[str, ...] | None:
    """The words around the split word of a list named with more words (`('flood', '', 'data')`
    for `flood_train_data`); None for other names."""
    named = named_split(stem, "")
    return _frame(stem) if named is not None and named[0] == _FAMILY else None


def fills(frame: tuple[str, ...], stem: str) -> bool:
    """Whether `stem` is named as the lists of `frame` with another word than a split's in their
    split word's place (Sen1Floods11's `flood_bolivia_data` for `('flood', '', 'data')`)."""
    parts = _name_words(stem)
    return len(parts) == len(frame) and all(part == word or (not word and part not in SPLIT_WORDS)
                                            for part, word in zip(parts, frame))
