"""The model card: everything needed to rebuild a trained model and feed it as in training.

It travels in every checkpoint header and beside every exported model, so it is the contract
between training, prediction and export; it is checked against `CARD_LIMITS` before any layer
is built.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from collections.abc import Mapping
from typing import Any

from torch import nn

from seglab.data import ClassSpec
from seglab.data.files.halves import HALVES
from seglab.errors import CheckpointError
from seglab.models import create_model


@dataclass(frozen=True)
class CardLimits:
    """The largest model a card may describe; far beyond any seglab preset, far below what
    would exhaust a machine. A card is checked against them before any layer is built, so a
    crafted or corrupt card is one clear error at load, not an allocation of tens of GB."""

    max_width: int = 4096  # channels of any layer (widths, decoder_widths)
    max_levels: int = 12  # entries of widths: 11 poolings already need 2048-pixel inputs
    max_size: int = 16384  # pixels per side of card.size
    max_classes: int = 1024
    max_in_channels: int = 256


CARD_LIMITS = CardLimits()


def _finite(value: Any) -> bool:
    """Whether a card's value is a finite number (JSON's NaN and Infinity, true and "0.5" are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to rebuild a trained model and feed it like during training."""

    model: str
    options: dict[str, Any]
    in_channels: int
    num_classes: int
    classes: dict[str, Any]  # ClassSpec.to_dict()
    mapping: dict[str, Any]  # MaskMapping.to_dict(): raw mask values -> class indices
    size: tuple[int, int] | None  # (H, W) images were resized to; None = native size
    mean: tuple[float, ...]
    std: tuple[float, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. encoder weight source
    # transforms of the training augmentation, in order (() for none): the views the network saw,
    # which flip TTA keeps to; None in checkpoints written before seglab recorded them
    augment_transforms: tuple[str, ...] | None = None
    # the names of an image's channel files, in order, when each channel is a file of its own:
    # band folders' words ("red", ..., "nir") or nnU-Net's channel numbers ("0000", "0001");
    # () for one file per image. `predict` puts such files together by them.
    channel_files: tuple[str, ...] = ()
    # the modality of each channel, in order, when the cases were `<case>__<MODALITY>` volumes
    # (HECKTOR's ("CT",)); () otherwise. `predict` groups such volumes by case and feeds these.
    modalities: tuple[str, ...] = ()
    # how training read its image volumes: True, each a 2-D colour picture stored channel-first, its
    # 3 or 4 planes the channels (FH-PS-AOP's `image_mha/`: `DatasetIndex.planes_as_channels`);
    # False, cut into slices across `data.slice_axis` (or no volumes read). `predict` reads a
    # volume file alike; None in checkpoints written before seglab recorded it
    planes_as_channels: bool | None = None
    # the pixel value training read as no data in every image (`data.no_data`: Kelp Wanted's -32768),
    # besides what a TIFF's GDAL_NODATA tag marks; `predict` and `evaluate` read images alike
    no_data: float | None = None
    # "left" or "right": training read pictures of an image and its mask side by side, the image in
    # that half (pix2pix's datasets: `DatasetIndex.image_half`); `predict` takes that half of such
    # pictures. None: each file was the image
    image_half: str | None = None
    # the frame training read of band files that each hold a time series of their band (Contrails'
    # band_08.npy, H x W x 8: `DatasetIndex.frame`); `predict` reads such files at that frame. None:
    # each file was read whole
    frame: int | None = None

    @property
    def class_spec(self) -> ClassSpec:
        return ClassSpec.from_dict(self.classes)

    def check_limits(self, limits: CardLimits = CARD_LIMITS) -> None:
        """Refuse a card describing a model beyond `limits` (see `CardLimits`).

        Raises:
            CheckpointError: naming the value, the limit, and that the card is not trusted.
        """
        problems = []

        def count(name: str, value: Any, largest: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= largest:
                problems.append(f"{name} {value!r} (expected an integer from 1 to {largest})")

        count("in_channels", self.in_channels, limits.max_in_channels)
        count("num_classes", self.num_classes, limits.max_classes)
        if self.size is not None:
            if len(self.size) != 2:
                problems.append(f"size {list(self.size)!r} (expected [height, width] or null)")
            for side in self.size:
                count("size side", side, limits.max_size)
        if len(self.channel_files) not in (0, *range(2, self.in_channels + 1)) or not all(
                isinstance(n, str) and 0 < len(n) <= 64 for n in self.channel_files):
            problems.append(f"channel_files {list(self.channel_files)!r} (expected 2 to {self.in_channels} names of up "
                            "to 64 characters, or none)")
        if len(self.modalities) > self.in_channels or not all(
                isinstance(n, str) and 0 < len(n) <= 64 for n in self.modalities):
            problems.append(f"modalities {list(self.modalities)!r} (expected up to {self.in_channels} names of up to "
                            "64 characters)")
        for stats in ("mean", "std"):
            values = getattr(self, stats)
            if len(values) not in (1, self.in_channels):
                problems.append(f"{stats} with {len(values)} values for {self.in_channels} channels")
            elif not all(_finite(v) and (stats == "mean" or v > 0) for v in values):  # NaN would predict one class
                problems.append(f"{stats} {list(values)!r} (expected finite numbers{' above 0' if stats == 'std' else ''})")
        for name, value in self.options.items():
            if name.endswith("widths"):
                if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= limits.max_levels:
                    problems.append(f"option {name} {value!r} (expected a list of 1 to {limits.max_levels} widths)")
                    continue
                for width in value:
                    count(f"option {name} entry", width, limits.max_width)
            elif name == "encoder_weights" and value not in (None, "none"):
                # weights come from the checkpoint; a card must never make loading read a path or the network
                problems.append(f"option encoder_weights {value!r} (a checkpoint holds its weights; expected null)")
        if problems:
            raise CheckpointError(f"model card of '{self.model}' is outside seglab's limits: {'; '.join(problems)}. "
                                  "The file is corrupt or was not written by seglab; refusing to build it")

    def build_model(self) -> nn.Module:
        """A freshly initialised model of this architecture (weights loaded separately)."""
        return create_model(self.model, self.in_channels, self.num_classes, **self.options)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ModelCard:
        """Parse a card (checkpoint header, export JSON) and check it against `CARD_LIMITS`.

        Raises:
            CheckpointError: a missing or malformed field, or a model beyond the limits.
        """
        try:
            size, transforms, files = values["size"], values.get("augment_transforms"), values.get("channel_files", [])
            modalities = values.get("modalities", [])
            for name, listed in (("channel_files", files), ("modalities", modalities)):
                if not isinstance(listed, list):
                    raise TypeError(f"{name} is {type(listed).__name__}, not a list")
            planes_as_channels = values.get("planes_as_channels")
            if planes_as_channels is not None and not isinstance(planes_as_channels, bool):
                raise TypeError(f"planes_as_channels is {planes_as_channels!r}, not true, false or null")
            no_data = values.get("no_data")
            if no_data is not None and (isinstance(no_data, bool) or not isinstance(no_data, (int, float))):
                raise TypeError(f"no_data is {no_data!r}, not a number or null")
            image_half = values.get("image_half")
            if image_half not in (None, *HALVES):
                raise TypeError(f"image_half is {image_half!r}, not {', '.join(map(repr, HALVES))} or null")
            frame = values.get("frame")
            if frame is not None and (isinstance(frame, bool) or not isinstance(frame, int) or frame < 0):
                raise TypeError(f"frame is {frame!r}, not a frame number from 0 or null")
            card = cls(
                model=values["model"],
                options=dict(values["options"]),
                in_channels=int(values["in_channels"]),
                num_classes=int(values["num_classes"]),
                classes=dict(values["classes"]),
                mapping=dict(values["mapping"]),
                size=tuple(size) if size is not None else None,
                mean=tuple(values["mean"]),
                std=tuple(values["std"]),
                extra=dict(values.get("extra", {})),
                augment_transforms=None if transforms is None else tuple(transforms),
                channel_files=tuple(files),
                modalities=tuple(modalities),
                planes_as_channels=planes_as_channels,
                no_data=None if no_data is None else float(no_data),
                image_half=image_half,
                frame=frame,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"model card is incomplete or malformed: {err!r}") from None
        card.check_limits()
        return card
