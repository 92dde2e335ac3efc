"""Cityscapes' naming, `<frame>_leftImg8bit.png` beside `<frame>_gtFine_labelIds.png`, which its
derived datasets keep (Foggy Cityscapes' renderings, ACDC, Dark Zurich): the frame is the key,
and the words after it are the kind of file, never a number or a band to key by.
"""

from __future__ import annotations

import re

# Cityscapes' naming: the frame, then its image affix and any rendering's (Foggy Cityscapes'
# `_leftImg8bit_foggy_beta_0.02`) or its label affix (ACDC's and Dark Zurich's `_gt_labelIds` too)
_CITYSCAPES_NAME = re.compile(
    r"(?P<frame>.+?)[_\-. ](?:leftimg8bit(?:[_\-. ].+)?|gt(?:fine|coarse)?_label(?:train)?ids)", re.IGNORECASE)


def frame_of(name: str) -> str | None:
    """The frame, lower case, that a stem in Cityscapes' naming shows: `x` for `x_leftImg8bit`,
    Foggy Cityscapes' `x_leftImg8bit_foggy_beta_0.02` and `x_gtFine_labelIds`; None for other
    names."""
    found = _CITYSCAPES_NAME.fullmatch(name)
    return found.group("frame").lower() if found else None
