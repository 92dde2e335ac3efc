"""`--mask-pattern`: the rules a template (`{stem}_mask.png`), a regular expression or a fixed
file name (`semantic.png`) gives, and the template that names a mask after its image, which
seglab offers when the built-in rules pair nothing. A template keys images several ways (the
whole stem, less an affix, less a word), so one pattern serves names the rules cannot guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from seglab.data.discovery.naming.folder_roles import _IMAGE_WORDS
from seglab.data.discovery.naming.key_rules import KeyRule, _without_affixes
from seglab.data.discovery.naming.names import composed, name_key, stem
from seglab.data.discovery.naming.numbers import _last_number


def template_rules(pattern: str) -> tuple[KeyRule, ...]:
    """A `--mask-pattern`: a template with `{stem}` (`{stem}_mask.png`) or a regular expression
    whose first group (or group `stem`) is the image's stem (`(.+)_manual1\\.gif`).

    Rules keying images by their stem, by their stem without image affixes (Cityscapes'
    `x_leftImg8bit.png` is the image of `x_gtFine_labelTrainIds.png`, so
    `{stem}_gtFine_labelTrainIds.png` means `x`) and by their stem less its first or last word
    (BUS-BRA's `bus_0001-l.png` is the image of `mask_0001-l.png`, so `mask_{stem}.png` means
    `0001-l`; HLS Burn Scars' `X.v1.4_merged.tif` that of `X.v1.4.mask.tif`), and one keying
    images by their last number where the mask's is a number (`mask(\\d+)\\.png`: `mask7.png` for
    `frame_007.jpg`). Pairing keeps the one that pairs the most. Images named as their mask but for
    an image word and a number last (Eyecandies' `000_image_0.png` ... `000_image_5.png`, six
    lightings of `000_mask.png`: `{stem}_mask.png` means `000`) are several images of one mask.

    A pattern with a folder part names the mask by the folders above it too (RoadAnomaly's
    `{stem}.labels/labels_semantic.png`: a folder per image, `per_image.per_image_masks`).

    A file name alone (`semantic.png`) names the mask of every image in its folder, and one below
    a folder part (`labels/manual_hq.tif`) that of every image in the folder holding that part
    (`fixed_name_rule`).

    Raises:
        ValueError: a template without `{stem}` that is not a valid regular expression either,
            or a regular expression without a group.
    """
    if "{stem}" not in pattern and _FIXED_NAME.fullmatch(pattern):
        return (fixed_name_rule(pattern),)
    pattern = unicodedata.normalize("NFC", pattern)  # as the names it is matched with (`composed`)
    if "{stem}" in pattern:
        before, _, after = pattern.partition("{stem}")
        regex = re.compile(re.escape(before) + "(?P<stem>.+?)" + re.escape(after) + "$", re.IGNORECASE)
    else:
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except (re.error, OverflowError, RecursionError) as err:  # a{99999999999}; thousands of nested groups
            raise ValueError(f"mask pattern '{pattern}' is neither a {{stem}} template nor a regular expression: {err}") from None
        if not regex.groups:
            raise ValueError(f"mask pattern '{pattern}' needs a group for the image stem, e.g. '(.+)_mask\\.png'")

    depth = pattern.count("/")  # a folder part: RoadAnomaly's '{stem}.labels/labels_semantic.png'

    def key(path: Path) -> str | None:
        name = "/".join(path.parts[-depth - 1:])
        found = regex.fullmatch(name) or (regex.fullmatch(stem(path)) if not depth else None)
        if found is None:
            return None
        return (found.group("stem") if "stem" in regex.groupindex else found.group(1)).lower()

    def number(path: Path) -> str | None:  # a group that is a number, matched as a number
        found = key(path)
        return str(int(found)) if found is not None and found.isdecimal() else None

    name = f"--mask-pattern '{pattern}'"
    return (*(KeyRule(f"{name}{said}", key, image_key, several=image_key is _less_image_number, pattern=pattern)
              for said, image_key in _TEMPLATE_STEMS),
            KeyRule(f"{name} ({{stem}}: the image's last number)", number, _last_number, pattern=pattern))


def expected_mask(rule: KeyRule, image: Path, folder: str) -> str:
    """The mask a message expects of `image` in `folder` (its label): the one a `--mask-pattern`
    template names, `{stem}` the image's key as its name spells it (`FontLre_Noisec_TR_Clean.png`
    for `FontLre_Noisec_TR.png` under `{stem}_Clean.png`), a name a regular expression matches
    with that key for its group, or else any of the image's name (`FontLre_Noisec_TR.*`)."""
    name = stem(composed(image))
    if not rule.pattern:
        return f"{folder}{name}.*"
    key = rule.key_of(image, True) or name.lower()
    at = name.lower().find(key)
    spelled = name[at : at + len(key)] if at >= 0 else key
    if "{stem}" in rule.pattern:
        return folder + rule.pattern.replace("{stem}", spelled, 1)
    return f"a name in {folder} that --mask-pattern '{rule.pattern}' matches with '{spelled}' for its group"


# `semantic.png`, `labels/manual_hq.tif`: a name, folders above it at most; no {stem}, no group
_FIXED_NAME = re.compile(r"(?:[\w\-. ]+/)*[\w\- ]+(?:\.[\w\-]+)+")


def fixed_name_rule(name: str) -> KeyRule:
    """A `--mask-pattern` that is a file name with no `{stem}` (`semantic.png`): the mask named so
    in each folder is the mask of every image beside it (Structured3D's
    `perspective/full/<view>/semantic.png` beside `rgb_rawlight.png`, `rgb_coldlight.png` and
    `rgb_warmlight.png`, three lightings of one view). With a folder part (`labels/manual_hq.tif`)
    it is the mask of every image in the folder holding that part: CloudSEN12's
    `<roi>/<scene>/labels/manual_hq.tif` for `<roi>/<scene>/S2L1C.tif`, beside the cloud masks
    algorithms made (`labels/fmask.tif`, ...). Files key by their case folder, so folders, not
    names, pair."""
    depth = name.count("/")

    def folder_of(path: Path, mask: bool) -> str | None:
        named = "/".join(path.parts[-depth - 1:]).lower() == name.lower()
        return path.parents[depth if mask else 0].as_posix().lower() if named == mask else None

    return KeyRule(f"--mask-pattern '{name}' (the mask of every image in its {'case ' * bool(depth)}folder)",
                   lambda path: folder_of(path, True), lambda path: folder_of(path, False), shared=True,
                   fixed_name=name)


def fixed_mask_of(folder: Path, rules: Sequence[KeyRule]) -> Path | None:
    """The file a `fixed_name_rule` with a folder part names below `folder` (`labels/manual_hq.tif`),
    when it is there; None for a rule without one, whose mask lies in the folder itself."""
    name = next((rule.fixed_name for rule in rules if rule.shared), "")
    path = folder / name
    return path if "/" in name and path.is_file() else None


def names_fixed_mask(rules: Sequence[KeyRule]) -> bool:
    """Whether `rules` are a `fixed_name_rule`'s: masks named alike in every folder, found as
    deep as the folders `--masks` names."""
    return any(rule.shared for rule in rules)


def pattern_for(image: Path, mask: Path, stems: Sequence[TemplateStem] | None = None) -> str | None:
    """The `--mask-pattern` template that names `mask` after `image`: `{stem}` in place of the
    longest of the stems a template keys images by (`mask_{stem}.png` for `bus_0001-l.png` ~
    `mask_0001-l.png`), or None when the mask's name holds none. `stems` are those to try, the
    folder's `unique_template_stems`, so that a stem two images share is never offered, and a
    template that would not pair the two (`pairs_by`) is never offered either."""
    image, mask = composed(image), composed(mask)
    name = mask.name.lower()
    keys = sorted({k for _, image_key in (_TEMPLATE_STEMS if stems is None else stems) if (k := image_key(image))}, key=len, reverse=True)
    found = next((k for k in keys if k in name), None)
    if found is None:
        return None
    at = name.find(found)
    template = mask.name[:at] + "{stem}" + mask.name[at + len(found):]
    return template if pairs_by(template_rules(template), image, mask) else None


def pairs_by(rules: Sequence[KeyRule], image: Path, mask: Path) -> bool:
    """Whether one of `rules` (a `--mask-pattern`'s) keys `image` and `mask` alike, so pairs them."""
    return any((key := rule.key_of(mask, False)) is not None and key == rule.key_of(image, True) for rule in rules)


def _less_first_word(path: Path) -> str | None:
    parts = re.split(r"[_\-. ]", stem(path).lower(), maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0] and parts[1] else None


def _less_last_word(path: Path) -> str | None:
    parts = re.split(r"[_\-. ](?=[^_\-. ]*$)", stem(path).lower())
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] else None


_IMAGE_NUMBER = re.compile(rf"(.+?)[_\-. ](?:{'|'.join(_IMAGE_WORDS)})[_\-. ]?\d+")


def _less_image_number(path: Path) -> str | None:
    """A file's name (lower case) before an image word and a number, which number one of a mask's
    several images: `000` of Eyecandies' `000_image_4` (lighting 4 of `000_mask`)."""
    found = _IMAGE_NUMBER.fullmatch(stem(path).lower())
    return found.group(1) if found else None


# what a template's {stem} may be of the image's name, and how `seglab inspect` says so
TemplateStem = tuple[str, Callable[[Path], str | None]]
_TEMPLATE_STEMS: tuple[TemplateStem, ...] = (
    ("", name_key), (" ({stem}: image name without its affix)", _without_affixes),
    (" ({stem}: image name less its first word)", _less_first_word),
    (" ({stem}: image name less its last word)", _less_last_word),
    (" ({stem}: image name less an image word and number, one of the mask's several images)", _less_image_number),
)


def unique_template_stems(images: Sequence[Path]) -> tuple[TemplateStem, ...]:
    """Those of `_TEMPLATE_STEMS` under which no two of `images` share a stem: KITTI Road's
    `um_000000` and `umm_000000` less their first word, Dress Code's `000000_0` and its garment
    photo `000000_1` less their last, whose template would read one image of each and call the
    others duplicates."""
    def one_to_one(image_key: Callable[[Path], str | None]) -> bool:
        keys = [k for p in images if (k := image_key(p)) is not None]
        return len(keys) == len(set(keys))

    return tuple(item for item in _TEMPLATE_STEMS if one_to_one(item[1]))
