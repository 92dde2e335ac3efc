"""The split (train, val or test) that a folder's or a file's name says (`Train/`, `valid/`,
`imagesTr/`, COCO's `train2017/`, GlaS' `testA_3.bmp`; in other languages `entrenamiento/`,
`validación/`, `训练集/`, `学習用/`, `검증/`), and whether the splits found so may split a layout:
a dataset's official split is kept wherever its names give one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from seglab.data.discovery.naming.folder_roles import _IMAGE_WORDS, _MASK_WORDS, looks_like_image_folder
from seglab.data.discovery.naming.names import words

# words that name a split in folder and file names (matched on lower-case words)
SPLIT_WORDS = {
    "train": "train", "training": "train", "trainset": "train", "tr": "train", "trainval": "train",  # TN3K
    "val": "val", "valid": "val", "validation": "val", "valset": "val", "dev": "val",
    "validate": "val",  # SorghumWeedDataset_Segmentation's Validate/
    "leaderboard": "val",  # a challenge's labelled cases scored before its test (NCI-ISBI 2013's Leaderboard/)
    "eval": "val", "evaluation": "val",  # a challenge's set between train and test (cBAD 2019's eval/)
    "test": "test", "testing": "test", "testset": "test", "ts": "test", "te": "test",  # DUTS-TE
    # other languages' (their accents dropped, `_spelled_split`; each's other words as English's)
    "entrenamiento": "train", "validacion": "val", "prueba": "test",  # Spanish
    "treino": "train", "treinamento": "train", "validacao": "val", "teste": "test",  # Portuguese
    "entrainement": "train", "validierung": "val",  # French, German
    "обучение": "train", "валидация": "val", "тест": "test",  # Russian
    "训练": "train", "验证": "val", "测试": "test", "訓練": "train", "驗證": "val", "測試": "test",  # Chinese
    "学習": "train", "検証": "val", "評価": "test", "テスト": "test",  # Japanese: 評価用, for evaluation
    "학습": "train", "검증": "val", "평가": "test", "테스트": "test",  # Korean (AI Hub's folders: English)
}  # fmt: skip
# what CJK writes after a split's word, with no space: 训练集, 训练数据, 学習用, 学習データ, 학습데이터
_SET_SUFFIXES = ("集", "数据", "用", "データ", "セット", "데이터", "셋")


_YEAR = re.compile(r"(?<=[a-z])(19|20)\d\d$")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")  # the words of a camel-case name
_LETTERED = re.compile(r"(?<![A-Za-z])([a-z]{3,})[A-Z](?![A-Za-z])")  # BDCI 2020's img_testA/: test set A


def folder_split(name: str) -> str | None:
    """"train", "val" or "test" when a folder name says so (`Train`, `training`, `valid`,
    `test_images`, `imagesTr`, `trainannot`, COCO's `train2017`, `MoNuSegTestData`, a lettered
    set: BDCI 2020's `img_testA`), else None."""
    lower = name.lower()
    for word in words(lower):
        word = _YEAR.sub("", word) or word  # COCO's train2017, val2014
        if word in SPLIT_WORDS:
            return SPLIT_WORDS[word]
        for role_word in (*_MASK_WORDS, *_IMAGE_WORDS, "annot", "images", "labels"):
            rest = word.removeprefix(role_word + "s").removeprefix(role_word) if word.startswith(role_word) else None
            if rest and rest in SPLIT_WORDS:
                return SPLIT_WORDS[rest]
            if word.endswith(role_word) and word[: -len(role_word)] in SPLIT_WORDS:
                return SPLIT_WORDS[word[: -len(role_word)]]
    for word in _CAPITALISED.findall(name):  # MoNuSeg's `MoNuSegTestData`: whole words only, no `Tr`, `Dev`
        if len(word) > 3 and word.lower() in SPLIT_WORDS:
            return SPLIT_WORDS[word.lower()]
    lettered = next((SPLIT_WORDS[w] for w in _LETTERED.findall(name) if w in SPLIT_WORDS), None)
    return lettered if lettered is not None or name.isascii() else _spelled_split(lower)


def _spelled_split(name: str) -> str | None:
    """The split a word of `name` past ASCII says: with its accents dropped (`validación`,
    `validação`, written on a Mac or not), or a CJK word with a set's suffix (`训练集`, `学習用`)."""
    bare = unicodedata.normalize("NFC", re.sub("[\u0300-\u036f]", "", unicodedata.normalize("NFD", name)))
    for word in re.findall(r"[^\W_]+", bare):
        stems = [word, *(word.removesuffix(suffix) for suffix in _SET_SUFFIXES if word.endswith(suffix))]
        found = next((SPLIT_WORDS[s] for s in stems if s in SPLIT_WORDS), None)
        if found is not None:
            return found
    return None


# words that name a split only in place of a sibling folder's split word (DIS5K's DIS-VD and
# DIS-TE1..DIS-TE4 beside DIS-TR): alone, `vd` or `te1` may be anything, a case or a camera
_SET_WORDS = {"vd": "val"}
_NUMBERED_SET = re.compile(r"([a-z]+?)\d{1,2}")  # a split's word numbered: te1, test2, val1


def _set_split(word: str) -> str | None:
    numbered = _NUMBERED_SET.fullmatch(word)
    return _SET_WORDS.get(word) or (SPLIT_WORDS.get(numbered.group(1)) if numbered else None)


def sibling_splits(names: Iterable[str]) -> dict[str, str | None]:
    """The split each of sibling folders' names gives: `folder_split`'s, or for a name that
    gives none, a set word's (`vd`, or a split word numbered: `te1`, `test2`) that stands where
    a sibling named with the same other words has its split word (DIS5K's `DIS-VD` and
    `DIS-TE1`..`DIS-TE4` beside `DIS-TR`: val, and four test sets, all test); beside a train
    folder, test for a lettered round of images (`_test_round`)."""
    splits = {name: folder_split(name) for name in names}
    named = {name: words(name) for name in splits}
    frames = {_frame(named[name], i) for name, split in splits.items() if split
              for i, word in enumerate(named[name]) if word in SPLIT_WORDS}
    for name, split in splits.items():
        if split is None:
            splits[name] = next((found for i, word in enumerate(named[name])
                                 if (found := _set_split(word)) and _frame(named[name], i) in frames), None)
    if "train" in splits.values():
        splits.update((name, "test") for name, split in splits.items() if split is None and _test_round(named[name]))
    return splits


def _test_round(parts: list[str]) -> bool:
    """Whether a folder's name words are an image word and a round's letter (NAIC 2020's `image_A/`
    beside `train/`: test round A's images, scored on the organiser's server, its masks never shipped)."""
    return len(parts) == 2 and looks_like_image_folder(parts[0]) and len(parts[1]) == 1 and parts[1].isalpha()


def _frame(parts: list[str], at: int) -> tuple[str, ...]:
    """A name's words with the one at `at` left blank: the words around its split word."""
    return tuple("" if i == at else word for i, word in enumerate(parts))


def folders_split(path: Path, base: Path) -> str | None:
    """The split that a folder between `base` and the file `path` names, the nearest first."""
    parts = path.parent.relative_to(base).parts if path.is_relative_to(base) else ()
    return next((s for s in map(folder_split, reversed(parts)) if s), None)


def usable_splits(splits: Iterable[str | None]) -> bool:
    """Whether split labels found in a layout (folders, file names) may split it: every item has
    one, train is among them or val and test both are (WSSS4LUAD's `2.validation/` and
    `3.testing/`: train is drawn from val, `split_pairs`), and there are two or more."""
    found = set(splits)
    return None not in found and ("train" in found or {"val", "test"} <= found) and len(found) >= 2


def name_split(stem: str) -> str | None:
    """"train", "val" or "test" when a file name starts with the split (GlaS's `train_12`,
    `testA_3`, `testB_7`: a one-letter set after the word counts), else None. The short forms
    (`tr`, `ts`) are left out: as a file's first word they are seldom a split."""
    first = next(iter(words(stem.lower())), "")
    if first not in SPLIT_WORDS and len(first) > 1 and first[-1].isalpha():
        first = first[:-1]  # testA, testB
    return SPLIT_WORDS.get(first) if len(first) > 2 else None


# a name's last word that says a split only where a folder's names end in all three splits' words
# (NoisyOffice's `FontLrm_Noisec_TR`, `FontLsm_Noisec_VA`, `FontNrm_Noisec_TE`): alone, `va` is no split word
_END_WORDS = {**SPLIT_WORDS, "va": "val"}
_ALL_SPLITS = {"train", "val", "test"}


def end_splits(names: Sequence[tuple[Path, str]]) -> list[str | None] | None:
    """The split each file's name (folder, stem) says by its last word (`_END_WORDS`), in order,
    when every name ends in one and each folder's names end in train's, val's and test's words
    all three; else None."""
    splits = [_END_WORDS.get(next(reversed(words(stem.lower())), "")) for _, stem in names]
    by_folder: dict[Path, set[str | None]] = {}
    for (folder, _), split in zip(names, splits):
        by_folder.setdefault(folder, set()).add(split)
    if not names or any(found != _ALL_SPLITS for found in by_folder.values()):
        return None
    return splits  # none None: each folder's ends are the three splits


def every_split(name: str) -> str:
    """A folder name with its split word made a wildcard (ISTD's `test_A` -> `*_A`, naming
    `train_A/` too), so that a --images suggestion reads every split; the name when it has none."""
    for word in sorted(SPLIT_WORDS, key=len, reverse=True):
        found = re.search(rf"(?<![a-z0-9]){word}(?![a-z0-9])", name, re.IGNORECASE)
        if found is not None and len(word) > 2 and len(name) > len(word):
            return name[: found.start()] + "*" + name[found.end() :]
    return name
