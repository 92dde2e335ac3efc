"""The files that describe a dataset of volume cases beside them: nnU-Net's and the Medical
Segmentation Decathlon's `dataset.json`, MONAI's datalists, and the Auto3DSeg input naming one.

A MONAI datalist (BTCV's `dataset_0.json`, as `monai.data.load_decathlon_datalist` reads it) is a
dataset.json whose "training", "validation" and "test" lists of `{"image", "label"}` give each
case its split, and whose "labels" name the classes. Auto3DSeg's (`liver_folds.json`, which the
`datalist:` of its `input.yaml` names beside `dataroot:` and `class_names:`) numbers each
training case's "fold" instead: seglab draws its own folds (`--folds K`), and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from seglab.data.classes.json_text import RepeatedKeyError, json_value
from seglab.data.files.folder_listing import entries
from seglab.data.classes.text_files import regular_text
from seglab.data.classes.yaml_files import load_yaml
from seglab.data.discovery.naming import SPLIT_WORDS
from seglab.errors import DataError

log = logging.getLogger(__name__)

DATASET_JSON = "dataset.json"
_MOST_BYTES = 64 << 20  # a datalist names each case's files: megabytes for thousands of cases
_MOST_INPUT_BYTES = 1 << 20  # an Auto3DSeg input is a few lines; a larger YAML is another file
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Datalist:
    """What a dataset.json or a MONAI datalist says: its "labels" as the JSON holds them, and
    the split and the fold of each file of a labelled case its lists name, by the path as
    listed (less `./`); a test list of image paths names no labelled case."""

    path: Path
    labels: object = None
    splits: dict[str, str] = field(default_factory=dict)
    folds: dict[str, int] = field(default_factory=dict)

    @property
    def gives_splits(self) -> bool:
        """Whether its lists say more than that every case is for training (a Decathlon
        dataset.json's "training" list): a val or test list, or folds."""
        return bool(self.folds or set(self.splits.values()) - {"train"})

    def entry(self, files: Iterable[Path]) -> str | None:
        """The listed path of the first of `files` a list names (the ends of their paths against
        the paths listed, which are relative to a data root seglab does not know)."""
        return next((end for path in files for end in _path_ends(path) if end in self.splits), None)


@dataclass(frozen=True)
class Description:
    """The files describing a dataset's cases: the one whose "labels" name the classes
    (dataset.json, else the datalists', when they agree), an Auto3DSeg input and its
    `class_names`, and the one datalist that gives splits or folds."""

    labels: Datalist | None = None
    datalist: Datalist | None = None
    auto3dseg: Path | None = None
    class_names: object = None


def describe_cases(folders: Iterable[Path]) -> Description:
    """The description in the first of `folders` holding a dataset.json, a MONAI datalist or an
    Auto3DSeg input, each file read once. Of several datalists that give splits (a datalist per
    cross-validation fold: `dataset_0.json` ... `dataset_4.json`), none is picked: the log names
    them and the way to choose."""
    for folder in dict.fromkeys(folders):
        if not folder.is_dir():
            continue
        held = entries(folder)  # listed once for both kinds of file
        read = [found for path in _json_files(held) if (found := read_datalist(path)) is not None]
        auto3dseg = _auto3dseg_input(held)
        if not read and auto3dseg is None:
            continue
        named = next((d for d in read if d.path.name == DATASET_JSON), None)
        labelled = [d for d in read if d.labels is not None]
        agreed = labelled[0] if labelled and all(d.labels == labelled[0].labels for d in labelled) else None
        labels = named if named is not None and named.labels is not None else agreed
        if auto3dseg is not None:
            path, listed, class_names = auto3dseg
            datalist = next((d for d in read if d.path == listed), None) or read_datalist(listed)
            return Description(labels, datalist, path, class_names)
        return Description(labels, _one_giving_splits(read, folder))
    return Description()


def read_datalist(path: Path) -> Datalist | None:
    """The labels and lists of a dataset.json, or of another JSON holding a "training" list of
    `{"image", "label"}` (a MONAI datalist); None for any other file. A file only: the path an
    Auto3DSeg input names may be a device (`/dev/zero` reads without end) or a pipe (waits).

    Raises:
        DataError: JSON that repeats a key in one object, naming the file and the key: its splits
            and labels are not passed over.
    """
    try:
        if not path.is_file() or path.stat().st_size > _MOST_BYTES:
            return None
        values = json_value(regular_text(path, encoding="utf-8"))
    except RepeatedKeyError as err:  # JSON, but a corrupt export
        raise DataError(f"JSON file '{path}' cannot be read: {err}") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(values, dict):
        return None
    training = values.get("training")
    is_datalist = isinstance(training, list) and any(isinstance(item, dict) and "label" in item for item in training)
    if path.name != DATASET_JSON and not is_datalist:
        return None
    splits: dict[str, str] = {}
    folds: dict[str, int] = {}
    for key, items in values.items():
        split = SPLIT_WORDS.get(str(key).lower())
        if split is None or not isinstance(items, list):
            continue
        for item in (item for item in items if isinstance(item, dict) and item.get("label")):  # a case, labelled
            listed = _listed_paths(item)
            splits.update(dict.fromkeys(listed, split))
            fold = item.get("fold")
            if isinstance(fold, int) and not isinstance(fold, bool):
                folds.update(dict.fromkeys(listed, fold))
    return Datalist(path, values.get("labels"), splits, folds)


def datalist_splits(datalist: Datalist, cases: Mapping[str, Sequence[Path]]) -> dict[str, str]:
    """case -> the split its datalist's lists give it, a case found by the paths of its files
    (`cases`: its label and image volumes). Empty when the lists leave a case out or give
    every case to training, with a warning for the first; folds are not read, said in the log.
    """
    listed = {case: datalist.entry(files) for case, files in cases.items()}
    unlisted = [case for case, entry in listed.items() if entry is None]
    if unlisted:
        log.warning("datalist '%s' not used for the splits: %d of %d cases are in no list (e.g. '%s'); the split is "
                    "drawn instead", datalist.path, len(unlisted), len(cases), unlisted[0])
        return {}
    folds = {datalist.folds[entry] for entry in listed.values() if entry is not None and entry in datalist.folds}
    if folds:
        log.warning("datalist '%s' puts the cases in %d folds (%s), which seglab does not read: --folds %d --fold I "
                    "draws %d folds of its own, a case's slices in one fold", datalist.path, len(folds),
                    ", ".join(map(str, sorted(folds))), len(folds), len(folds))
    splits = {case: datalist.splits[entry] for case, entry in listed.items() if entry is not None}
    if set(splits.values()) == {"train"}:
        return {}
    log.info("split of the volume cases from the datalist '%s': %s", datalist.path,
             ", ".join(f"{s} {list(splits.values()).count(s)}" for s in ("train", "val", "test") if s in splits.values()))
    return splits


def _one_giving_splits(read: Sequence[Datalist], folder: Path) -> Datalist | None:
    """The one datalist of `read` that gives splits or folds; None, said in the log, of several."""
    giving = [d for d in read if d.gives_splits]
    if len(giving) > 1:
        names = ", ".join(f"'{d.path.name}'" for d in giving)
        log.warning("%d datalists in '%s' give the cases their splits (%s): none is read, the split is drawn; keep "
                    "the one to train on beside the cases and move the others out", len(giving), folder, names)
    return giving[0] if len(giving) == 1 else None


def _auto3dseg_input(entries: Iterable[Path]) -> tuple[Path, Path, object] | None:
    """An Auto3DSeg input among a folder's `entries` (a YAML file with `datalist:` and
    `dataroot:`, `input.yaml` in its tutorials), the datalist it names and its `class_names`;
    None without."""
    for path in sorted(p for p in entries if p.suffix.lower() in _YAML_SUFFIXES and p.is_file()):
        try:
            values = load_yaml(regular_text(path, encoding="utf-8")) if path.stat().st_size < _MOST_INPUT_BYTES else None
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(values, dict) and isinstance(values.get("datalist"), str) and "dataroot" in values:
            return path, path.parent / values["datalist"], values.get("class_names")
    return None


def _json_files(entries: Iterable[Path]) -> list[Path]:
    """The JSON files among a folder's `entries`, dataset.json first."""
    return sorted((p for p in entries if p.suffix.lower() == ".json" and p.is_file()),
                  key=lambda p: (p.name != DATASET_JSON, p.name))


def _listed_paths(case: dict) -> list[str]:
    """The paths a labelled case of a list names: its "image" (a path, or a list of one per
    channel) and its "label", each less a leading `./`."""
    image = case.get("image")
    found = [*(image if isinstance(image, list) else [image]), case.get("label")]
    return [path.removeprefix("./") for path in found if isinstance(path, str) and path]


def _path_ends(path: Path) -> list[str]:
    """The ends of a file's path as a datalist may list it: `a/b/c.nii.gz`, `b/c.nii.gz`, `c.nii.gz`."""
    return ["/".join(path.parts[i:]) for i in range(len(path.parts))]
