"""Classes that name a side (`l_eye`/`r_eye`, `Left-arm`/`Right-arm`, `kidney_left`/`kidney_right`),
which trade places whenever an image is mirrored.

A horizontally flipped face shows its left eye where the right one was. Flipping the mask with
it but keeping its labels tells the network that the same eye is `l_eye` in one copy and `r_eye`
in the other, so it cannot learn sides at all: flips must exchange the labels of such pairs, and
flip test-time augmentation must exchange the predicted channels back. Every reflection does
this (horizontal and vertical flips, a transpose: the picture turns into its mirror image);
no rotation does (a person turned upside down still has their left arm on their left).

Names are read as words: split at anything that is not a letter or digit and where a lower-case
letter meets an upper-case one (`LeftLung` is `left lung`), case ignored. A side is the word
`left` or `right` anywhere, or `l` or `r` as the first or last of several words (`l_eye`,
`lung_r`; never inside a word, so `lrb` or `vertebrae_L1` name no side). Two classes pair when
their words are the same but for the opposite side word in the same place, so CelebAMask-HQ's
`ear_r` (earring) does not pair with `l_ear`. Anything else (two side words, a spelling shared by
two classes) is left alone, and so are the heart's chambers and coronary arteries: they are told
apart by their shape, not their side (a mirrored heart's thick-walled chamber is still the left
ventricle), whereas the brain's lateral ventricles are mirror images and swap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

_OPPOSITE = {"left": "right", "right": "left", "l": "r", "r": "l"}
_LETTERS = ("l", "r")  # sides only at either end of a name of several words
_SHAPED = {"atrium", "atria", "atrial", "ventricle", "ventricles", "ventricular", "coronary"}
_CASE_CHANGE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+")


def side_pairs(names: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """The (left, right) index pairs among class `names`, in the order of the left classes.

    Example:
        >>> side_pairs(["background", "l_eye", "r_eye", "nose", "ear_r"])
        ((1, 2),)
    """
    words = [_words(name) for name in names]
    spelt = Counter(words)
    index = {w: i for i, w in enumerate(words) if spelt[w] == 1}
    pairs = []
    for i, w in enumerate(words):
        side = _side(w)
        if side is None or spelt[w] != 1 or w[side] not in ("left", "l"):
            continue
        partner = index.get(w[:side] + (_OPPOSITE[w[side]],) + w[side + 1:])
        if partner is not None:
            pairs.append((i, partner))
    return tuple(pairs)


def mirror_permutation(names: Sequence[str]) -> tuple[int, ...]:
    """Class index -> its class in the mirror image: the partner for a side pair, else itself.

    Example:
        >>> mirror_permutation(["Background", "Left-arm", "Right-arm", "Face"])
        (0, 2, 1, 3)
    """
    return _permutation(side_pairs(names), len(names))


@dataclass(frozen=True)
class SideSwap:
    """Exchanges the labels of side pairs in masks and the channels of side pairs in predictions.

    Args:
        names: every class name, in label order.
        pairs: (left, right) class indices, as `side_pairs` finds them.
        multilabel: masks are bit sets (`seglab.labelsets`), so pairs swap bits, not values.
    """

    names: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    multilabel: bool = False

    @classmethod
    def from_classes(cls, names: Sequence[str], ignore_index: int | None = None,
                     multilabel: bool = False) -> SideSwap | None:
        """The swap for these classes, None when no two name opposite sides (`class_0`, ...)."""
        named = [("" if i == ignore_index else name) for i, name in enumerate(names)]  # the ignore label never moves
        pairs = side_pairs(named)
        return cls(tuple(names), pairs, multilabel) if pairs else None

    @property
    def permutation(self) -> tuple[int, ...]:
        return _permutation(self.pairs, len(self.names))

    def describe(self) -> str:
        """The pairs for the log, e.g. `l_eye<->r_eye, l_brow<->r_brow`."""
        return ", ".join(f"{self.names[a]}<->{self.names[b]}" for a, b in self.pairs)

    def labels(self, mask: Tensor) -> Tensor:
        """The mask of the mirror image's classes; other values (ignore, padding) stay as they are.
        Elementwise on the mask's device and dtype, nothing read back to the host.

        Shape: (..., H, W) -> same.
        """
        out = mask
        for a, b in self.pairs:
            if self.multilabel:  # swap bits a and b where they differ; -1 (IGNORE) has all bits set, so stays
                differ = ((mask >> a) ^ (mask >> b)) & 1
                out = out ^ ((differ << a) | (differ << b))
            else:
                out = out.masked_fill(mask == a, b).masked_fill(mask == b, a)
        return out

    def channels(self, values: Tensor, dim: int) -> Tensor:
        """Per-class `values` (probabilities, logits) reordered to the mirror image's classes."""
        return values.index_select(dim, torch.tensor(self.permutation, device=values.device))


def _words(name: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _WORD.findall(_CASE_CHANGE.sub(" ", name)))


def _side(words: tuple[str, ...]) -> int | None:
    """The position of the one side word in `words`, None for none, several, or a heart part."""
    if _SHAPED.intersection(words) and "lateral" not in words:
        return None
    ends = (0, len(words) - 1) if len(words) > 1 else ()
    sides = [i for i, w in enumerate(words) if w in ("left", "right") or (w in _LETTERS and i in ends)]
    return sides[0] if len(sides) == 1 else None


def _permutation(pairs: Sequence[tuple[int, int]], num_classes: int) -> tuple[int, ...]:
    order = list(range(num_classes))
    for a, b in pairs:
        order[a], order[b] = b, a
    return tuple(order)
