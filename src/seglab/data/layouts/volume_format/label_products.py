"""Image volumes a case's label made: not channels.

A skull-stripping dataset ships the stripped image beside the image and its label: NFBS'
`sub-A00028185_ses-NFB3_T1w_brain.nii.gz` is the T1w multiplied by
`sub-A00028185_ses-NFB3_T1w_brainmask.nii.gz`, its name the label's less the label word stuck on
its last word (where that word stands alone, CMRxMotion's `P002-1-ED-label`, what is left names the
label's image, `P002-1-ED`). Fed as
a channel it hands the model the answer, and a model trained so asks for the stripped image,
which needs the mask, at predict time. A copy of an image named as it plus a word for masking out
(Mindboggle's `t1weighted_brain` beside `t1weighted`, `_masked`, `_skullstripped`) is such a
product too: the same image, less what lies outside the label's area. Both are left out, in one
log line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.naming import words
from seglab.data.files.volumes import volume_stem

log = logging.getLogger(__name__)

_LABEL_WORDS = ("mask", "seg", "label", "labels")  # ending a label volume's name, stuck on (`brainmask`) or not
_SEPARATORS = ("_", "-", ".", " ")  # before a label word of its own: the label's image is named as it less that word
_MASKED_WORDS = {"brain", "masked", "skullstripped", "stripped", "brainextracted"}  # an image less its surroundings


def label_products(images: Sequence[Path], label: Path) -> list[Path]:
    """The volumes of `images` made with the case's `label`: named as the label less the label
    word stuck on its last word (`T1w_brain` for `T1w_brainmask`; not CMRxMotion's `P002-1-ED` for
    `P002-1-ED-label`, the label's image), or as another of `images` plus words for masking out
    (`t1weighted_brain.MNI152` for `t1weighted.MNI152`); none when that would leave no image."""
    label_stem = volume_stem(label).lower()
    less_word = {label_stem[:-len(word)] for word in _LABEL_WORDS if label_stem.endswith(word)}
    less_word = {name for name in less_word if name and not name.endswith(_SEPARATORS)}  # `-label` ends the image's
    named = {tuple(words(volume_stem(p))) for p in images}

    def made(path: Path) -> bool:
        stem = volume_stem(path)
        unmasked = _unmasked_words(stem)
        return stem.lower() in less_word or (unmasked != tuple(words(stem)) and unmasked in named)

    found = [p for p in images if made(p)]
    return found if len(found) < len(images) else []


def _unmasked_words(stem: str) -> tuple[str, ...]:
    """A volume name's words less those that say it was masked out."""
    return tuple(word for word in words(stem) if word not in _MASKED_WORDS)


def log_label_products(volumes: Sequence[Path]) -> None:
    """One log line for the image volumes left out as their label's products (`label_products`)."""
    if volumes:
        log.info("left out %d image volumes made with their case's label (e.g. '%s': the image masked by it, or "
                 "less what lies outside it); a model fed them would need the label to predict; the other image "
                 "volumes are the channels", len(volumes), volumes[0])
