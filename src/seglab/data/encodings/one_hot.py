"""Masks stored one-hot: an array per image with a binary channel per class (H x W x C or
C x H x W), as Keras' `to_categorical` and BraTS 2020's 2-D slices on Kaggle (`mask`: NCR/NET,
ED, ET) store them, or a GeoTIFF of more bands than a colour picture has, each 0 and one value
(DynamicEarthNet's 7 land-cover bands of 0/255), read as class-index masks.

`channel_stack` tells such an array from a label map or a colour mask; `OneHotMapping` reads
it: class k + 1 where channel k is on and 0 where none is, or class k when the channels cover
every pixel (a background channel among them). Channels that overlap are no class-index mask:
each such file is a finding that points to `--task multilabel`, which reads a channel per class,
and to `--instance-masks` for a channel per object (`object_channels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.files.channels import binary_planes, channels_first, channels_last
from seglab.data.files.io import read_mask_array
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping, binary_pixels
from seglab.data.files.read_errors import ReadError


_OBJECTS = "; if each channel is one object, --instance-masks reads them as one class, object"
COLOUR_BANDS = 4  # RGBA: a mask of more bands is no colour picture, whatever its values


def channel_stack(array: np.ndarray) -> np.ndarray | None:
    """(C, H, W) booleans when `array` is 2 to `channels.MAX_CHANNELS` channels of 0 and 1,
    channels last or first (`channels`), or more than `COLOUR_BANDS` channels of 0 and one other
    value (255: the on value of GeoTIFF label bands; fewer channels of 0/255 are a colour mask's);
    else None (a label map, a colour mask)."""
    if channels_last(array.shape) and array.shape[2] >= 2:
        array = np.moveaxis(array, 2, 0)
    elif not channels_first(array.shape):
        return None
    return binary_planes(array) if len(array) <= COLOUR_BANDS else binary_pixels(array)


def label_bands(shape: tuple[int, ...]) -> bool:
    """Whether a mask file of this shape holds more bands than a colour picture (its shortest
    axis), so that only a stack of channels can be read from it (a GeoTIFF's label bands)."""
    return len(shape) == 3 and min(shape) > COLOUR_BANDS


@MAPPINGS.register("one-hot")
@dataclass(frozen=True)
class OneHotMapping(MaskMapping):
    """A binary channel per class in one array: class k + `first` where channel k is on, 0
    where none is (`first` 1); `first` 0 when the channels cover every pixel."""

    channels: int
    first: int = 1
    kind = "one-hot"
    reads_files = True

    def read(self, path: Path) -> np.ndarray:
        planes = channel_stack(read_mask_array(path))
        if planes is None or len(planes) != self.channels:
            raise ReadError(f"mask '{path}' is not {self.channels} binary channels (H x W x {self.channels} or "
                            f"{self.channels} x H x W) like the dataset's other masks{_OBJECTS}", "bad-mask")
        on = planes.sum(axis=0)
        if (on > 1).any():
            raise ReadError(f"mask '{path}': {int((on > 1).sum())} pixels are on in two channels or more; masks whose "
                            f"channels overlap are a mask per class: train with --task multilabel{_OBJECTS}",
                            "bad-mask")
        if self.first == 0 and (on == 0).any():
            raise ReadError(f"mask '{path}': {int((on == 0).sum())} pixels are on in no channel, where the dataset's "
                            "channels cover every pixel (one of them the background)", "bad-mask")
        labels = np.argmax(planes, axis=0).astype(np.int64) + self.first
        labels[on == 0] = 0
        return labels

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("one-hot masks are read whole (seglab.data.read_mask)")
