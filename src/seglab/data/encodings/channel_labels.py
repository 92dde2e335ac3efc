"""RGB masks that hold a label map in each channel, not colours of classes: Hi-UCD's land cover
of two dates and the change between them, in R, G and B. Their colours lie a level or a few
apart, as no class palette's do, so as colour masks they are refused as near colours filling
regions; the refusal says so and names the route, as `io` does for a mask of two label bands
(WorldFloods' cloud and water)."""

from __future__ import annotations

import numpy as np

from seglab.data.encodings.mask_sample import MaskSample
from seglab.data.files.io import few_values

_LABEL_CEILING = 32  # every channel of every colour below this: labels, where a palette's colours are bright
_CHANNELS = ("R", "G", "B")


def channel_labels_route(sample: MaskSample) -> str | None:
    """What colour masks whose every colour is small in each channel, two channels or more varying,
    hold and how to read them; None for other masks."""
    codes = np.array(sorted(sample.colour_values()), np.int64)
    if not codes.size:
        return None
    rgb = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=-1)
    if rgb.max() >= _LABEL_CEILING or (rgb.max(axis=0) > rgb.min(axis=0)).sum() < 2:
        return None
    values = "; ".join(f"{name}: {few_values(channel)}" for name, channel in zip(_CHANNELS, rgb.T))
    return (f"a label map in each channel ({values}), not colours of classes (Hi-UCD's land cover of two dates and "
            "their change); seglab reads one label map per mask: save the channel to train on as a grey mask "
            "(numpy.asarray(PIL.Image.open(mask))[..., 2] for B) in a folder of its own and pass it with --masks")
