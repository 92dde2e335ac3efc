"""`KeyRule`, one way of turning a file into the key its partner shares, and the rules pairing
tries on every folder pair (`KEY_RULES`), from the strictest to the loosest: pairing keeps the
one that pairs the most files, so a rule is only as loose as the data needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seglab.data.discovery.band_words import without_band_word, without_folder_word
from seglab.data.discovery.naming.affixes import strip_affixes, without_affix_words, without_tree_name
from seglab.data.discovery.naming.dates import date_in
from seglab.data.discovery.naming.names import composed, name_key, stem
from seglab.data.discovery.naming.numbers import _last_number, first_number


@dataclass(frozen=True)
class KeyRule:
    """One way of turning a file into the key its partner shares.

    Args:
        name: how `seglab inspect` describes the rule.
        key: file -> key, or None when the rule cannot key that file.
    """

    name: str
    key: Callable[[Path], str | None]
    image_key: Callable[[Path], str | None] | None = None  # when images are keyed otherwise
    many: bool = False  # keys an image's several masks alike (objects numbered after it): shared keys are meant
    shared: bool = False  # keys a folder's images alike, every one paired with the folder's one mask (`fixed_name_rule`)
    several: bool = False  # keys a mask's several images alike (`_less_image_number`): shared image keys are meant
    fixed_name: str = ""  # that mask's name, a folder part too (`labels/manual_hq.tif`), for a `fixed_name_rule`
    namings: tuple[str, ...] = ()  # an image's masks are a file per class, of these namings (`class_namings`)
    pattern: str = ""  # the --mask-pattern it reads (`mask_patterns.template_rules`), for the mask a message expects

    def key_of(self, path: Path, is_image: bool) -> str | None:
        path = composed(path)
        return self.image_key(path) if is_image and self.image_key is not None else self.key(path)


def _without_affixes(path: Path) -> str:
    return strip_affixes(without_tree_name(without_folder_word(stem(path), path.parent.name), path))


def _without_affix_words(path: Path) -> str:
    return without_affix_words(stem(path))


def _without_band_word(path: Path) -> str:
    return strip_affixes(without_band_word(without_folder_word(stem(path), path.parent.name)))


# numbers key a file only when no two files on one side share one (`pairing.best_rule`)
NUMBER_RULES = (
    KeyRule("first number in the name", first_number),
    KeyRule("last number in the name", _last_number),
)
KEY_RULES = (
    KeyRule("same name", name_key),
    KeyRule("same name without mask/image affixes (_mask, _label, _gt, mask_, ...)", _without_affixes),
    KeyRule("same name without mask/image words inside it (_sat_, _mask_, ...)", _without_affix_words),
    # a tile's products (GeoNRW's `<E>_<N>_dem.tif` beside `<E>_<N>_seg.tif`): the whole name, not
    # one of its two grid numbers, which other tiles share; checked for shared keys like the numbers
    KeyRule("same name without mask/image affixes and a band word (_dem, _nir, _B02, ...)", _without_band_word),
    # checked for shared keys too: a folder of one day's several images or masks is not keyed by it
    KeyRule("same date in the name (2018-01-01 ~ 2018_01_01)", date_in),
    *NUMBER_RULES,
)
# a volume's modality words (`case0-CT`, `subject-1-T1`) name its channels, for the modality rules
# to group, never a key that pairs one modality with the label
VOLUME_KEY_RULES = tuple(rule for rule in KEY_RULES if rule.key is not _without_band_word)
