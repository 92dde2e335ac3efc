"""Masks numbered after their image, a file per object: SegPC-2021's `106_1.bmp`, `106_2.bmp`, one
per cell of `106.bmp`, and LV-MHP v2's `1_03_02.png`, person 2 of the 3 in `1.jpg` (each image's
own count of persons first). Their namings are no choice between annotations, but the masks of
one image, which `--merge-masks` reads as one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from seglab.data.discovery.naming import KeyRule, template_rules

# `{stem}_2.bmp`, `{stem}_03_02.png`: the image's name, then numbers only
_NUMBERED_NAMING = re.compile(r"\{stem\}((?:[_\-. ]\d{1,3})+)(\.\w+)")


def _numbering(template: str) -> tuple[str, tuple[int, ...]] | None:
    """(shape, numbers) of a naming that numbers masks: `('_#_#.png', (3, 2))` for
    `{stem}_03_02.png`; None for other namings."""
    found = _NUMBERED_NAMING.fullmatch(template.lower())
    if found is None:
        return None
    shape = re.sub(r"\d+", "#", found.group(1)) + found.group(2)
    return shape, tuple(int(n) for n in re.findall(r"\d+", found.group(1)))


def numbers_masks(template: str) -> bool:
    """Whether a naming numbers an image's masks (`{stem}_2.bmp`, `{stem}_03_02.png`)."""
    return _numbering(template) is not None


def same_numbering(a: str, b: str) -> bool:
    """Whether two namings number an image's masks alike (`{stem}_1.bmp`, `{stem}_3.bmp`)."""
    first, second = _numbering(a), _numbering(b)
    return first is not None and second is not None and first[0] == second[0]


def numbered_objects(counts: Mapping[str, int]) -> bool:
    """Whether namings (template -> masks) number each image's objects, a file per object: numbered
    alike, and among the namings that share their leading numbers the last one runs without a gap,
    each next number on no more images. Then either not every image has every naming (SegPC-2021's
    `106_1.bmp`, `106_2.bmp`: the last number on fewer images than the first), or a count comes
    first and the objects are numbered 1 to it (LV-MHP v2's `_03_01` to `_03_03`). `_1` and `_2`
    on every image are two annotators or two classes instead, and so are `_1_1` to `_2_2`."""
    found = [(n, count) for t, count in counts.items() if (n := _numbering(t)) is not None]
    if len(found) < 2 or len(found) < len(counts) or len({shape for (shape, _), _ in found}) > 1:
        return False
    runs: dict[tuple[int, ...], list[tuple[int, int]]] = {}  # leading numbers -> (last number, masks)
    for (_, numbers), count in found:
        runs.setdefault(numbers[:-1], []).append((numbers[-1], count))
    for run in runs.values():
        run.sort()
        lasts, masks = [n for n, _ in run], [m for _, m in run]
        if lasts != list(range(lasts[0], lasts[0] + len(lasts))) or masks != sorted(masks, reverse=True):
            return False
    counted = all(len(lead) == 1 and [n for n, _ in run] == list(range(1, lead[0] + 1)) for lead, run in runs.items())
    return counted or len(set(counts.values())) > 1


def numbered_rules(stems: set[str], namings: dict[str, set[str]], share: float = 0.5) -> tuple[KeyRule, ...]:
    """A rule for masks numbered after their image in any of the numberings of one shape (LV-MHP
    v2's `1_03_02.png` beside `2_04_01.png`): each numbering names only the images with that many
    objects, too few for a rule of its own (`learned_rules.affix_rules`), so every numbering of the
    shape keys its masks by their image, the image's masks under one key (`KeyRule.many`). One per
    shape whose namings number objects (`numbered_objects`) and name at least `share` of the
    images' `stems` (`learned_rules.learned_namings` gives the namings)."""
    shapes: dict[str, dict[str, set[str]]] = {}  # shape -> its namings -> the stems they name
    for template, keys in namings.items():
        found = _numbering(template)
        if found is not None:
            shapes.setdefault(found[0], {})[template] = keys
    return tuple(_numbered_rule(shape) for shape, namings in sorted(shapes.items())
                 if len(set().union(*namings.values())) >= share * len(stems)
                 and numbered_objects({t: len(keys) for t, keys in namings.items()}))


def _numbered_rule(shape: str) -> KeyRule:
    """The rule keying masks named `{stem}` + `shape` (`_#_#.png`, `#` for a number) by `{stem}`."""
    pattern = "(.+?)" + r"\d{1,3}".join(re.escape(part) for part in shape.split("#"))
    shown = shape.replace("#", "<n>")
    return replace(template_rules(pattern)[0], name=f"image name + object numbers '{shown}'", many=True)
