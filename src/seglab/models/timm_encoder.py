"""Any timm model with a feature pyramid as a U-Net encoder (`features_only=True`).

timm builds the network, adapts its pretrained stem to any number of input channels
(`in_chans`) and fetches weights from the Hugging Face cache; this module checks that the
feature maps form a pyramid the decoder can climb and finds weights: the Hugging Face cache (downloaded when online) or a local state dict file.
timm is an optional dependency (`pip install 'seglab[timm]'`), imported only when used.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import torch
from torch import Tensor, nn

from seglab.errors import CheckpointError, SeglabError
from seglab.models.encoders import adapt_normalisation, read_state_dict

TESTED_ENCODERS = ("convnext_tiny", "efficientnet_b0", "regnety_008", "mobilenetv3_large_100", "resnet34")
# errors timm raises for a model it cannot build with features_only (checked in the listing only)
_UNBUILDABLE = (RuntimeError, AssertionError, TypeError, ValueError, NotImplementedError, AttributeError)


def import_timm() -> ModuleType:
    """The timm package, or a SeglabError saying how to install it."""
    try:
        import timm
    except ImportError:
        raise SeglabError("timm encoders need the timm package: pip install 'seglab[timm]'") from None
    return timm


def pyramid_problem(strides: tuple[int, ...]) -> str | None:
    """Why feature maps at `strides` (finest first, the input's 1 excluded) cannot feed the
    U-Net decoder, or None when they can: every stride a power of two, at least two distinct
    ones, each twice the one before (ConvNeXt starts at 4, most CNNs at 2)."""
    distinct = sorted(set(strides))
    if any(s < 1 or s & (s - 1) for s in strides):
        return "strides that are not powers of two"
    if len(distinct) < 2:
        return "a single scale (a plain transformer)"
    if any(b != 2 * a for a, b in zip(distinct, distinct[1:])):
        return "scales that skip a halving"
    return None


class TimmEncoder(nn.Module):
    """A timm model built with features_only, returning the input and its feature maps.

    Any input size works: the U-Net decoder pads or crops each upsampled map to its skip, as
    for the ResNets. (Padding the input to a multiple of the deepest stride instead would
    make the decoder's sizes equal only through arithmetic that torch.export cannot prove, and
    the ONNX export with dynamic sizes fails.)

    Args:
        name: a timm model name, optionally with a weight tag ("convnext_tiny.fb_in22k").
        in_channels: image channels; timm adapts a pretrained RGB stem (summed for one
            channel, cycled and rescaled for more, as `adapt_first_conv` does).
        weights: None (random init), "imagenet" (timm's default pretrained weights from the
            Hugging Face cache, downloaded when online) or a path to a timm state dict.

    Raises:
        ValueError: an unknown name, or an encoder without a feature pyramid.
        CheckpointError: weights that cannot be found or do not fit.

    Shape: image (B, in_channels, H, W) -> [image, f_s1, f_s2, ...] where f_s has about
    H/s x W/s pixels (`strides`) and `out_channels` channels.
    """

    def __init__(self, name: str = "resnet34", in_channels: int = 3, weights: str | None = None) -> None:
        super().__init__()
        timm = import_timm()
        check_name(timm, name)
        self.body = build_features(timm, name, in_channels, weights)
        info = self.body.feature_info
        strides = tuple(int(s) for s in info.reduction())
        problem = pyramid_problem(strides)
        if problem is not None:
            raise ValueError(f"timm encoder '{name}' has feature maps at strides {', '.join(map(str, strides))}: "
                             f"{problem}, which a U-Net decoder cannot climb; choose one listed by "
                             "`seglab models --encoders PATTERN`")
        self.out_channels = (in_channels, *(int(c) for c in info.channels()))
        self.strides = (1, *strides)
        # Swin-style encoders return channels-last maps (B, H, W, C)
        self.channels_last_maps = str(getattr(self.body, "output_fmt", "NCHW")).endswith("NHWC")
        mean, std = self.body.pretrained_cfg.get("mean"), self.body.pretrained_cfg.get("std")
        self.normalisation = adapt_normalisation(mean, std, in_channels) if weights == "imagenet" else None

    def forward(self, image: Tensor) -> list[Tensor]:
        features = self.body(image)
        if self.channels_last_maps:
            features = [f.permute(0, 3, 1, 2) for f in features]
        return [image, *features]


def check_name(timm: ModuleType, name: str) -> None:
    """Raise a ValueError with close matches when timm has no model `name`."""
    if timm.is_model(name):
        return
    close = difflib.get_close_matches(name, timm.list_models(), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"timm has no model '{name}'.{hint} `seglab models --encoders PATTERN` lists the encoders "
                     "that fit a U-Net, e.g. PATTERN 'convnext*'")


def build_features(timm: ModuleType, name: str, in_channels: int, weights: str | None) -> nn.Module:
    """timm's features_only model with random, cached-pretrained or local-file weights."""
    options: dict[str, Any] = {"features_only": True, "in_chans": in_channels}
    if weights in (None, "none"):
        return timm.create_model(name, pretrained=False, **options)
    if weights == "imagenet":
        try:
            return timm.create_model(name, pretrained=True, **options)
        except OSError as err:  # huggingface_hub's not-found-offline errors are OSErrors
            raise CheckpointError(offline_message(timm, name, err)) from None
        except RuntimeError as err:
            raise CheckpointError(f"timm has no pretrained weights for '{name}' ({str(err).splitlines()[0]}); "
                                  "pass --encoder-weights PATH or none") from None
    state = read_state_dict(weights)
    check_state_keys(timm, name, state, weights)
    try:  # timm adapts the stem to in_chans and drops the classifier, as for its own weights
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay={"state_dict": state}, **options)
    except RuntimeError as err:
        raise CheckpointError(f"weights '{weights}' do not fit timm {name}: {str(err).splitlines()[-1]}") from None


def check_state_keys(timm: ModuleType, name: str, state: dict[str, Tensor], path: str) -> None:
    """Refuse a state dict whose keys are not those of timm's `name` (its classifier aside),
    before timm's lenient load would keep random weights for whatever is missing.

    Raises:
        CheckpointError: naming the first missing and unexpected keys.
    """
    with torch.device("meta"):  # the key names only: no memory, no weights
        reference = timm.create_model(name, pretrained=False)
    classifier = reference.pretrained_cfg.get("classifier") or ()
    heads = tuple(f"{c}." for c in ((classifier,) if isinstance(classifier, str) else classifier))
    expected = {k for k in reference.state_dict() if not k.startswith(heads)}
    given = {k for k in state if not k.startswith(heads)}
    missing, unexpected = sorted(expected - given), sorted(given - expected)
    if missing or unexpected:
        raise CheckpointError(
            f"weights '{path}' do not fit timm {name}: missing {missing[:5]}, unexpected {unexpected[:5]}; "
            f"save timm.create_model('{name}').state_dict() or the model.safetensors of its Hugging Face repo"
        )


def offline_message(timm: ModuleType, name: str, err: OSError) -> str:
    """The error for pretrained weights that are neither cached nor downloadable: where they
    live and the two ways around (a copied cache or a local file)."""
    from huggingface_hub import constants

    repo = getattr(timm.get_pretrained_cfg(name), "hf_hub_id", None) or f"timm/{name}"
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return (f"ImageNet weights for {name} are not in the Hugging Face cache ({constants.HF_HUB_CACHE}) and could not "
            f"be downloaded ({reason}). On a machine online, run `hf download {repo}` and copy that cache here, "
            f"or download https://huggingface.co/{repo}/resolve/main/model.safetensors and pass --encoder-weights "
            "PATH (a local state dict), or pass --encoder-weights none")


@dataclass(frozen=True)
class EncoderInfo:
    """A timm encoder that fits a U-Net: its feature strides and channels, finest first."""

    name: str
    strides: tuple[int, ...]
    channels: tuple[int, ...]


def list_encoders(pattern: str = "*") -> list[EncoderInfo]:
    """timm models matching `pattern` (shell wildcards; a plain word matches inside names) whose
    features_only maps form a pyramid.

    Each match is built on the meta device (no memory, no weights), 0.1-0.5 s per model on a
    CPU, so a narrow pattern answers in seconds and '*' (1300+ models) in minutes.
    """
    timm = import_timm()
    names = timm.list_models(pattern if any(c in pattern for c in "*?[") else f"*{pattern}*")
    return [info for info in map(probe_encoder, names) if info is not None]


def probe_encoder(name: str) -> EncoderInfo | None:
    """The strides and channels of timm's `name` with features_only, or None when it cannot
    be built that way or its maps form no pyramid."""
    timm = import_timm()
    try:
        with torch.device("meta"):
            info = timm.create_model(name, pretrained=False, features_only=True).feature_info
        strides, channels = tuple(info.reduction()), tuple(info.channels())
    except _UNBUILDABLE:
        return None
    return EncoderInfo(name, strides, channels) if pyramid_problem(strides) is None else None
