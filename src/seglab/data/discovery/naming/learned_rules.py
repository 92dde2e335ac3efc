"""Rules learned from the names of one folder pair's files, for namings no fixed rule knows: a
first word swapped (`bus_0001` ~ `mask_0001`) or one inserted after it (`um_000000` ~
`um_road_000000`), a middle word swapped, several images to a mask (`FontLrm_Noisec_TR` ~
`FontLrm_Clean_TR`), another role number last (`<id>_0` ~ `<id>_4`), or a suffix or prefix that
most images' masks add (`Image_01L_1stHO.png`, `p1.bmp`). Each is tried only on the evidence of
the files, so that two items are never taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from seglab.data.discovery.naming.affixes import _SEPARATORS
from seglab.data.discovery.naming.folder_roles import looks_like_mask_folder
from seglab.data.discovery.naming.key_rules import KeyRule
from seglab.data.discovery.naming.mask_patterns import _less_first_word, template_rules
from seglab.data.discovery.naming.names import composed, name_key, stem

_LEADING_WORD = re.compile(r"([a-z]+)[_\-. ](.+)")


def leading_word(path: Path) -> str | None:
    """The word of letters a file's name starts with before a separator (`rgb` of `rgb_00000.jpeg`), lower case."""
    found = _LEADING_WORD.fullmatch(stem(path).lower())
    return found.group(1) if found else None


_LEADING_WORDS = re.compile(r"([a-z]+(?:[_\-. ][a-z]+)*)[_\-. ]([^a-z].*)")


def leading_words(path: Path) -> str | None:
    """The words of letters a file's name starts with, up to a word that is not letters alone
    (`semantic_segmentation` of `semantic_segmentation_0000.png`, `bounding_box` of
    `bounding_box_2d_tight_0000.npy`), lower case."""
    found = _LEADING_WORDS.fullmatch(stem(path).lower())
    return found.group(1) if found else None


def leading_word_rules(images: Sequence[Path], masks: Sequence[Path]) -> tuple[KeyRule, ...]:
    """A rule for masks named as their image with its first word swapped (BUS-BRA's
    `Images/bus_0001-l.png` ~ `Masks/mask_0001-l.png`): only when every image starts with one word
    and every mask with another that names masks (mask, label, gt, seg, ...), the evidence that
    the words name the kind of file, not the item (BUSI's `benign (1).png` and `malignant (1).png`
    are two images)."""
    def one_word(files: Sequence[Path]) -> str | None:
        found = {leading_word(p) for p in files}
        return next(iter(found)) if len(found) == 1 else None

    image_word, mask_word = one_word(images), one_word(masks)
    if image_word is None or mask_word is None or looks_like_mask_folder(image_word) \
            or not looks_like_mask_folder(mask_word):
        return ()
    return (KeyRule(f"same name after the first word ('{image_word}' ~ '{mask_word}')", _less_first_word),)


# a name's first word, the word after it and the rest: KITTI Road's `um_road_000000`
_SECOND_WORD = re.compile(r"([^_\-. ]+)([_\-. ])([a-z]+)[_\-. ](.+)")


def _less_second_word(name: str, word: str) -> str | None:
    """`name` (lower case) without `word` after its first word (`um_000000` for `um_road_000000`),
    or None when `word` is not there."""
    found = _SECOND_WORD.fullmatch(name)
    return found.group(1) + found.group(2) + found.group(4) if found and found.group(3) == word else None


def inserted_word_rules(images: Sequence[Path], masks: Sequence[Path], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image with a word inserted after its first word (KITTI
    Road's `image_2/um_000000.png` ~ `gt_image_2/um_road_000000.png`, and for its `um` images alone
    the ego-lane task's `um_lane_000000.png`): one per word whose masks name at least `share` of
    the images, the word naming the most first, so another task's masks are a rival naming, not
    merged. Less its first word (`--mask-pattern 'um_road_{stem}.png'`) the name would lose the
    category, `um_000000` and `umm_000000` one key."""
    stems = {name_key(p) for p in images}
    named: dict[str, set[str]] = {}
    for mask in masks:
        found = _SECOND_WORD.fullmatch(name_key(mask))
        if found and (key := found.group(1) + found.group(2) + found.group(4)) in stems:
            named.setdefault(found.group(3), set()).add(key)
    return tuple(KeyRule(f"same name with '{word}' after its first word", partial(_mask_less_word, word=word),
                         name_key)
                 for word, keys in sorted(named.items(), key=lambda item: (-len(item[1]), item[0]))
                 if len(keys) >= share * len(stems))


def _mask_less_word(path: Path, word: str) -> str | None:
    return _less_second_word(stem(path).lower(), word)


_PARTS = re.compile(r"([_\-. ])")  # a name's words and the separators between them, kept: `a_b` is no `a-b`


def _less_word(path: Path, at: int, count: int, word: str, same: bool) -> str | None:
    """A file's name (lower case) with its part at `at` blanked (`fontlrm_*_tr`), when it has
    `count` parts and that part is `word` (`same`) or another word (not `same`); else None."""
    parts = _PARTS.split(name_key(path))
    if len(parts) != count or (parts[at] == word) != same:
        return None
    return "".join([*parts[:at], "*", *parts[at + 1:]])


def swapped_word_rules(images: Sequence[Path], masks: Sequence[Path], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their images but for one word between the first and the last,
    one word in every mask and other words in the images, several images to a mask: NoisyOffice's
    `simulated_noisy_images_grayscale/FontLrm_Noisec_TR.png`, `_Noisef_`, `_Noisep_` and `_Noisew_`
    (four noises of one page) ~ `clean_images_binaryscale/FontLrm_Clean_TR.png`. One per such
    word whose masks name at least `share` of the images by two image words or more, the evidence
    that the images' word names a variant and the masks' the page; never the first word (BUSI's
    `benign (1).png` and `malignant (1).png` are two images, no mask's) nor the last."""
    counts = {len(_PARTS.split(name_key(mask))) for mask in masks}
    if len(counts) != 1:
        return ()
    count = counts.pop()
    rules = []
    for at in range(2, count - 2, 2):  # the words between the first and the last
        found = {_PARTS.split(name_key(mask))[at] for mask in masks}
        if len(found) != 1:
            continue
        word = found.pop()
        mask_key = partial(_less_word, at=at, count=count, word=word, same=True)
        image_key = partial(_less_word, at=at, count=count, word=word, same=False)
        keys = {mask_key(mask) for mask in masks}
        named = [image for image in images if image_key(image) in keys]
        variants = sorted({_PARTS.split(name_key(image))[at] for image in named})
        if len(variants) > 1 and len(named) >= share * len(images):
            shown = ", ".join(f"'{v}'" for v in variants[:4]) + (", ..." if len(variants) > 4 else "")
            rules.append(KeyRule(f"same name with the word '{word}' for the images' {shown}, several images to a "
                                 "mask", mask_key, image_key, several=True))
    return tuple(rules)


_ROLE_NUMBER_LAST = re.compile(r"(.+)[_\-. ](\d{1,2})")  # a name, then a short number that says the file's role


def _less_role_number(path: Path, number: str) -> str | None:
    """A file's name (lower case) less its last word when that is the role `number`: `000000` of Dress Code's `000000_4.png`."""
    found = _ROLE_NUMBER_LAST.fullmatch(name_key(path))
    return found.group(1) if found and found.group(2) == number else None


def role_number_rules(images: Sequence[Path], masks: Sequence[Path], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image with another role number last (Dress Code's
    `images/<id>_0.jpg` ~ `label_maps/<id>_4.png`, beside the garment photo `images/<id>_1.jpg`):
    only when every mask ends in one short number; one rule per number last in the images whose
    names, less it, name at least `share` of the masks, the number naming the most (then the
    lowest) first, so that the person and the garment photo are not two images of one key. A word
    last is no role: GOOSE's `_color` renderings beside its `_labelids` masks."""
    mask_numbers = {found.group(2) if (found := _ROLE_NUMBER_LAST.fullmatch(stem(p).lower())) else None for p in masks}
    if len(mask_numbers) != 1 or None in mask_numbers:
        return ()
    mask_number = next(iter(mask_numbers))
    mask_keys = {k for p in masks if (k := _less_role_number(p, mask_number)) is not None}
    named: dict[str, set[str]] = {}
    for image in images:
        found = _ROLE_NUMBER_LAST.fullmatch(name_key(image))
        if found and found.group(2) != mask_number and found.group(1) in mask_keys:
            named.setdefault(found.group(2), set()).add(found.group(1))
    return tuple(KeyRule(f"same name with its last number '{number}' for '{mask_number}'",
                         partial(_less_role_number, number=mask_number), partial(_less_role_number, number=number))
                 for number, keys in sorted(named.items(), key=lambda item: (-len(item[1]), int(item[0])))
                 if len(keys) >= share * len(mask_keys))


def named_after(name: str, stems: set[str]) -> str | None:
    """The longest of `stems` (lower case) that `name` is, followed by a separator and more:
    `image_01l` for `image_01l_1stho`; None when there is none."""
    name = name.lower()
    for end in range(len(name) - 1, 0, -1):
        if name[end] in _SEPARATORS and name[:end] in stems:
            return name[:end]
    return None


_PREFIX_WORD = re.compile(r"([a-z]+)([_\-. ]?)(.+)")


def _prefixed_to(name: str, stems: set[str]) -> str | None:
    """The one of `stems` (lower case) that `name` is after one word of letters: with a separator
    (`polyp_12` for `12`) or before a number (CVC-ColonDB's `p12`, the polyp mask of `12`); None
    when there is none. `11` is no `1` after a prefix, nor `ab` `b`, nor `gt_patch_1_<scene>`
    `<scene>`: a longer prefix names more than the kind of file."""
    found = _PREFIX_WORD.fullmatch(name.lower())
    if found is None or found.group(3) not in stems or not found.group(2) and not found.group(3)[0].isdigit():
        return None
    return found.group(3)


def named_around(name: str, stems: set[str]) -> str | None:
    """The stem `name` is named after with a suffix (`named_after`) or else a prefix (`_prefixed_to`)."""
    return named_after(name, stems) or _prefixed_to(name, stems)


def naming_template(path: Path, key: str) -> str:
    """The `--mask-pattern` template naming `path` after its (lower-case) key: `{stem}_1stHO.png`,
    `p{stem}.bmp`. The key is looked for where names put it, at the start or the end of the stem,
    before anywhere else: `v2_{stem}.png` names `v2_2.png` after image 2, not `v{stem}_2.png`."""
    path = composed(path)  # as its key
    name = stem(path).lower()
    at = 0 if name.startswith(key) else len(name) - len(key) if name.endswith(key) else name.find(key)
    return path.name[:at] + "{stem}" + path.name[at + len(key):] if at >= 0 else path.name


def affix_rules(stems: set[str], namings: dict[str, set[str]], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image plus a suffix or a prefix no affix rule knows
    (CHASE_DB1's `Image_01L_1stHO.png` and `Image_01L_2ndHO.png` beside `Image_01L.jpg`;
    CVC-ColonDB's `p1.bmp`, `s1.bmp` and `c1.bmp` beside `1.bmp`): one per naming (`learned_namings`
    of the images' `stems`) that at least `share` of the images have, so two observers' masks
    become two rival namings."""
    return tuple(replace(template_rules(t)[0], name=naming_rule_name(t))
                 for t, keys in sorted(namings.items()) if len(keys) >= share * len(stems))


def learned_namings(stems: set[str], masks: Sequence[Path]) -> dict[str, set[str]]:
    """Each template (`{stem}_1stHO.png`) naming `masks` after one of the images' (lower-case)
    `stems` by a suffix or a prefix, with the stems it names."""
    namings: dict[str, set[str]] = {}
    for mask in masks:
        key = named_around(name_key(mask), stems)
        if key is not None:
            namings.setdefault(naming_template(mask, key), set()).add(key)
    return namings


def naming_rule_name(template: str) -> str:
    """How `seglab inspect` names a naming learned from the files: image name + '_1stHO.png'."""
    before, _, after = template.partition("{stem}")
    return f"'{before}' + image name" if before else f"image name + '{after}'"
