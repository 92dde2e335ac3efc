"""What the pairs' file names say: unique pair names, their splits, images derived from others."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from seglab.data.files.index import Pair, Problem, natural_key
from seglab.data.discovery.naming import stem, usable_splits
from seglab.data.discovery.naming.output_words import model_outputs, name_cuts
from seglab.data.discovery.naming.split_words import end_splits, name_split

logger = logging.getLogger(__name__)


def _splits_from_names(pairs: list[Pair], root: Path) -> list[Pair]:
    """The splits the image names start with (GlaS: `train_1`, `testA_1`, `testB_1`), when the
    layout gives none and they may split the dataset (`naming.usable_splits`), or else end with
    where each folder's names end in all three (NoisyOffice's `_TR`, `_VA`, `_TE`: `end_splits`)."""
    if not pairs or any(p.split is not None for p in pairs):
        return pairs
    splits: list[str | None] | None = [name_split(stem(p.image)) for p in pairs]
    where = "train_..., test_..."
    if not usable_splits(splits):
        splits, where = end_splits([(p.image.parent, stem(p.image)) for p in pairs]), "their last words"
    if splits is None:
        return pairs
    counts = ", ".join(f"{s} {splits.count(s)}" for s in ("train", "val", "test") if s in splits)
    logger.info("%s: split from the file names (%s): %s", root, where, counts)
    return [replace(p, split=s) for p, s in zip(pairs, splits)]


def _derived_images(problems: list[Problem], pairs: list[Pair], unlabelled: list[Path]) -> set[Path]:
    """The unpaired and unlabelled image files named after a paired or unlabelled image of their
    folder with a suffix: files made from that image, listed as ignored rather than as images
    without masks or unlabelled images. Beside a paired image any suffix tells (ISIC 2017's
    `ISIC_0000000_superpixels.png` beside `ISIC_0000000.jpg`); beside an unlabelled one only a word
    for a model's output (zhixuhao/unet's `test/0_predict.png`, milesial's `0_OUT.png`), since a test
    folder may well hold `car.jpg` and `car_1.jpg`, two photos."""
    paired = {(pair.image.parent, stem(pair.image)) for pair in pairs}
    found = [p.path for p in problems if p.code == "image-without-mask" and p.path is not None] + unlabelled
    beside_paired = {path for path in found if any((path.parent, base) in paired for base, _ in name_cuts(stem(path)))}
    return beside_paired | model_outputs(found, unlabelled)


def _folder_of(image: Path, root: Path) -> str:
    """An image's folder from `root`; its folder's name for an image outside it (extracted from
    an annotation file into the cache, in a folder mirroring the file's), or `root` itself (a
    manifest's `.`)."""
    folder = image.parent
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else folder.name


def unique_names(pairs: list[Pair], root: Path) -> list[Pair]:
    """Pairs sorted by name; equal stems from different folders get their folder as prefix."""
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.name] = counts.get(p.name, 0) + 1
    renamed = [
        replace(p, name=f"{_folder_of(p.image, root)}/{p.name}")
        if counts[p.name] > 1
        else p
        for p in pairs
    ]
    return sorted(renamed, key=lambda p: natural_key(p.name))
