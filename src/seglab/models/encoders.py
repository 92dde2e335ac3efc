"""Pretrained encoders behind one contract: multi-scale features with known channels and strides.

torchvision defines the ResNets and their ImageNet weights; this module only cuts off the
classifier, adapts the first convolution to any number of input channels, and finds weights:
ImageNet from the torch hub cache (downloaded when online), or a local state dict file.
"""

from __future__ import annotations

import pickle
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file as load_safetensors
from torch import Tensor, nn
from torchvision import models as tv_models
from torchvision.models import WeightsEnum

from seglab.errors import CheckpointError
from seglab.registry import Registry

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class EncoderSpec:
    """How to build one torchvision backbone and where its ImageNet weights live."""

    build: Callable[[], tv_models.ResNet]
    imagenet: WeightsEnum
    channels: tuple[int, ...]  # of the features after the input: strides 2, 4, 8, 16, 32


ENCODERS: Registry[EncoderSpec] = Registry("encoder")
ENCODERS.register("resnet18")(
    EncoderSpec(tv_models.resnet18, tv_models.ResNet18_Weights.IMAGENET1K_V1, (64, 64, 128, 256, 512))
)
ENCODERS.register("resnet34")(
    EncoderSpec(tv_models.resnet34, tv_models.ResNet34_Weights.IMAGENET1K_V1, (64, 64, 128, 256, 512))
)
ENCODERS.register("resnet50")(
    EncoderSpec(tv_models.resnet50, tv_models.ResNet50_Weights.IMAGENET1K_V2, (64, 256, 512, 1024, 2048))
)


def adapt_first_conv(weight: Tensor, in_channels: int) -> Tensor:
    """Turn RGB kernels (O, 3, k, k) into kernels for `in_channels` inputs.

    One channel: the sum of the RGB kernels, so a gray image replicated to RGB gives the same
    response. N channels: the RGB kernels cycled (R, G, B, R, ...) and scaled by 3/N, so the
    response to a constant image keeps its magnitude.
    """
    if in_channels == weight.shape[1]:
        return weight
    if in_channels == 1:
        return weight.sum(dim=1, keepdim=True)
    index = torch.arange(in_channels) % weight.shape[1]
    return weight[:, index] * (weight.shape[1] / in_channels)


def imagenet_normalisation(in_channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """ImageNet mean/std for `in_channels` inputs: averaged for one channel, cycled for more."""
    return adapt_normalisation(IMAGENET_MEAN, IMAGENET_STD, in_channels)


def adapt_normalisation(
    mean: tuple[float, ...], std: tuple[float, ...], in_channels: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The RGB mean/std of pretrained weights for `in_channels` inputs, as `adapt_first_conv`
    adapts the kernels: averaged for one channel, cycled for more."""
    if in_channels == 1:
        return (sum(mean) / len(mean),), (sum(std) / len(std),)
    return (
        tuple(float(mean[i % len(mean)]) for i in range(in_channels)),
        tuple(float(std[i % len(std)]) for i in range(in_channels)),
    )


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """A local state dict: `.safetensors`, or a `.pt`/`.pth` loaded with weights_only=True.

    weights_only refuses pickled objects other than tensors and containers, so a crafted file
    cannot run code here.

    Raises:
        CheckpointError: missing file, a file that is not a state dict, or a refused pickle.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"encoder weights file '{path}' does not exist")
    try:
        if path.suffix == ".safetensors":
            state = load_safetensors(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"refused encoder weights '{path}': it pickles objects other than tensors, and loading "
            "it could run code; save a plain state dict (model.state_dict()) or safetensors instead"
        ) from None
    except (SafetensorError, RuntimeError, OSError, EOFError, ValueError) as err:
        raise CheckpointError(f"cannot read encoder weights '{path}': {str(err).splitlines()[0]}") from None
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise CheckpointError(f"encoder weights '{path}' must hold a flat state dict of tensors")
    return state


def fetch_imagenet(name: str, url: str | None = None) -> dict[str, Tensor]:
    """ImageNet weights of encoder `name` from the torch hub cache, downloading them if absent.

    Raises:
        CheckpointError: not cached and the download failed (offline); says where to put the file.
    """
    url = url or ENCODERS.get(name).imagenet.url
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    try:
        return torch.hub.load_state_dict_from_url(url, map_location="cpu", progress=False, weights_only=True)
    except (urllib.error.URLError, OSError) as err:
        raise CheckpointError(
            f"ImageNet weights for {name} are not in the torch cache and could not be downloaded "
            f"({err}). Download {url} and save it as {cached}, or pass --encoder-weights PATH "
            "(a local state dict) or --encoder-weights none"
        ) from None


class ResNetEncoder(nn.Module):
    """A torchvision ResNet without pooling and classifier, returning six feature maps.

    Shape: image (B, in_channels, H, W) -> [image, f2, f4, f8, f16, f32] where fS has about
    H/S x W/S pixels and `out_channels[i]` channels.
    """

    def __init__(self, name: str = "resnet34", in_channels: int = 3) -> None:
        super().__init__()
        spec = ENCODERS.get(name)
        self.name = name
        self.in_channels = in_channels
        self.body = spec.build()
        del self.body.fc, self.body.avgpool  # the classifier is not part of a segmentation encoder
        if in_channels != 3:
            old = self.body.conv1
            self.body.conv1 = nn.Conv2d(in_channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
        self.out_channels = (in_channels, *spec.channels)
        self.strides = (1, 2, 4, 8, 16, 32)

    def load_torchvision_weights(self, state: dict[str, Tensor]) -> None:
        """Load a torchvision ResNet state dict (classifier keys optional), adapting conv1.

        Raises:
            CheckpointError: keys or shapes do not match this ResNet (strict match).
        """
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        if "conv1.weight" in state:
            state["conv1.weight"] = adapt_first_conv(state["conv1.weight"], self.in_channels)
        expected = set(self.body.state_dict())
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unexpected:
            raise CheckpointError(
                f"weights do not fit a torchvision {self.name}: missing {missing[:5]}, unexpected {unexpected[:5]}"
            )
        try:
            self.body.load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise CheckpointError(f"weights do not fit a torchvision {self.name}: {str(err).splitlines()[-1]}") from None

    def forward(self, image: Tensor) -> list[Tensor]:
        body = self.body
        f2 = body.relu(body.bn1(body.conv1(image)))
        f4 = body.layer1(body.maxpool(f2))
        f8 = body.layer2(f4)
        f16 = body.layer3(f8)
        return [image, f2, f4, f8, f16, body.layer4(f16)]
