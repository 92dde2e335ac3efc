"""Masks named after their image plus a class word, shipped only for the classes each image shows:
EDD2020's `masks/EDD2020_ACB0001_BE.tif` and `EDD2020_ACB0001_polyp.tif` beside
`originalImages/EDD2020_ACB0001.jpg`, no file for its other three lesion classes. Each naming names
too few images for a rule of its own (`learned_rules.affix_rules`) and none is a choice between
annotations; together they name the images, a file per class that shows (`class-namings` mapping).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from seglab.data.discovery.naming import KeyRule, template_rules
from seglab.data.discovery.naming.affixes import is_numbered_mask
from seglab.data.discovery.naming.names import name_key
from seglab.data.discovery.numbered_masks import numbers_masks


def class_naming_rules(stems: set[str], namings: dict[str, set[str]], share: float = 0.5) -> tuple[KeyRule, ...]:
    """A rule keying the masks of every class naming by their image (`KeyRule.many`: an image's
    several class files share its key), the rule's `namings` the classes: when two namings or more
    name images, none of them `share` of the images' `stems` but all together that share, some
    image has files of two (so they are classes, not two spellings of one mask's name), and
    none numbers masks (`{stem}_2.bmp`, `{stem}_mask_1.png`: more of one class, for `--merge-masks`).
    `namings` are `learned_rules.learned_namings` of the folder pair."""
    if len(namings) < 2 or any(len(keys) >= share * len(stems) for keys in namings.values()):
        return ()
    if any(numbers_masks(t) or is_numbered_mask(t.rsplit(".", 1)[0].replace("{stem}", "x")) for t in namings):
        return ()
    named = [key for keys in namings.values() for key in keys]
    if len(set(named)) < share * len(stems) or len(set(named)) == len(named):
        return ()  # no image with two classes' files: the namings may be two spellings of one mask's name
    ordered = tuple(sorted(namings, key=str.lower))
    keys = tuple(template_rules(t)[0].key for t in sorted(ordered, key=len, reverse=True))  # longest fits first
    return (KeyRule("image name + a class word (a file for each class the image shows)",
                    partial(_class_key, keys=keys), name_key, many=True, namings=ordered),)


def _class_key(path: Path, keys: Sequence[Callable[[Path], str | None]]) -> str | None:
    """The image key of a mask under the first class naming that fits it."""
    return next((key for rule_key in keys if (key := rule_key(path)) is not None), None)

