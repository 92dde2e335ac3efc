"""Training-time augmentation that moves image and mask together, through torchvision v2.

A sample's image goes in as `tv_tensors.Image` and its mask as `tv_tensors.Mask`, so every
geometric transform draws one set of parameters and applies it to both, with nearest
neighbour for the mask (labels stay integral) and the ignore label wherever pixels come in
from outside the image. Geometry is torchvision's; only the intensity transforms are ours,
because they act on normalised intensities (0 = the training mean, 1 = one standard
deviation), where torchvision's ColorJitter would clamp to [0, 1] and destroy float (MRI)
or 16-bit data.

Augmentation is a preset (`none`, `light`, `strong`) plus per-transform overrides:

    build_augment("light", {"rotate": {"degrees": 30}, "hflip": None}, fill_label=255)

adds small rotations to `light` and turns its horizontal flip off. Randomness comes only from
the `seed` passed with each call, never from global state, so a run repeats exactly.

The flips mirror the picture, so they also exchange the labels of classes that name a side
(`l_eye`/`r_eye`: `seglab.data.loading.mirror_classes`) when they are given as `sides`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor
from torchvision import tv_tensors
from torchvision.transforms import v2

from seglab.data.loading.augment_presets import PRESETS
from seglab.data.loading.mirror_classes import SideSwap
from seglab.errors import ConfigError
from seglab.registry import Registry

# Mask label for pixels moved in from outside the image when the dataset has no ignore_index:
# never a class, so `PreparedData.train_ignore_index` hands it to the loss as the ignore label.
PAD_LABEL = -1

Fill = dict[type, float | int]
Builder = Callable[..., v2.Transform]  # (size (H, W), fill, **params) -> transform


@dataclass(frozen=True)
class TransformSpec:
    """How to build one named transform.

    Args:
        build: called as build(size, fill, **params); `size` is the sample's (H, W).
        defaults: every parameter with its default; overrides may only name these.
        pads: whether pixels can come from outside the image (and take the fill values).
        mirrors: whether it can turn the picture into its mirror image; `build` then also takes
            `sides`, the side classes to exchange in the mask when it does (None: none).
    """

    build: Builder
    defaults: dict[str, Any] = field(default_factory=dict)
    pads: bool = False
    mirrors: bool = False


TRANSFORMS: Registry[TransformSpec] = Registry("augmentation transform")
_ORDER: list[str] = []  # registration order is application order: geometry, intensity, noise


def register_transform(name: str, *, pads: bool = False, mirrors: bool = False,
                       **defaults: Any) -> Callable[[Builder], Builder]:
    """Register `build` under `name`; transforms run in the order they were registered."""

    def add(build: Builder) -> Builder:
        TRANSFORMS.register(name)(TransformSpec(build, dict(defaults), pads, mirrors))
        _ORDER.append(name)
        return build

    return add


# --- geometry (torchvision) -------------------------------------------------------------


class AlignedResizedCrop(v2.RandomResizedCrop):
    """torchvision's RandomResizedCrop with the mask resized by pixel centres (`nearest-exact`).

    torchvision resizes a Mask with `nearest`, which samples each output pixel's top-left corner
    rather than its centre: after a zoom the labels sit up to half a pixel below and right of
    the (centre-aligned, bilinear) image, and a network trained on such crops learns to predict
    thin structures shifted by that much. Sampling centres keeps them in register.
    """

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if not isinstance(inpt, tv_tensors.Mask):
            return super().transform(inpt, params)
        crop = v2.functional.crop(inpt, params["top"], params["left"], params["height"], params["width"])
        # the image kernel, since torchvision before 0.29 resizes a Mask with plain `nearest`
        # whatever interpolation it is given (a leading axis, as the kernel needs three or more)
        labels = crop.as_subclass(Tensor)[None]
        resized = v2.functional.resize_image(labels, self.size, interpolation=v2.InterpolationMode.NEAREST_EXACT)
        return tv_tensors.wrap(resized[0], like=inpt)


@register_transform("scale_crop", scale=(0.6, 1.0), ratio=(0.8, 1.25))
def _scale_crop(size: tuple[int, int], fill: Fill, scale: Any, ratio: Any) -> v2.Transform:
    # zooming in only, so no pixel comes from outside the image
    return AlignedResizedCrop(size, scale=_pair(scale), ratio=_pair(ratio), antialias=True)


class _SwapsSides(v2.Transform):
    """A flip that also exchanges the side classes of the masks it flips (`sides`)."""

    def __init__(self, p: float, sides: SideSwap | None) -> None:
        super().__init__(p)  # type: ignore[call-arg]  # the flip's own __init__, next in the MRO
        self.sides = sides

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        flipped = super().transform(inpt, params)
        if self.sides is None or not isinstance(flipped, tv_tensors.Mask):
            return flipped
        return tv_tensors.wrap(self.sides.labels(flipped.as_subclass(Tensor)), like=flipped)


class SidedHorizontalFlip(_SwapsSides, v2.RandomHorizontalFlip):
    """torchvision's RandomHorizontalFlip, exchanging side classes in flipped masks."""


class SidedVerticalFlip(_SwapsSides, v2.RandomVerticalFlip):
    """torchvision's RandomVerticalFlip, exchanging side classes in flipped masks: a vertical flip
    is a horizontal one turned half round, and turning changes no side."""


@register_transform("hflip", mirrors=True, p=0.5)
def _hflip(size: tuple[int, int], fill: Fill, p: float, sides: SideSwap | None) -> v2.Transform:
    return SidedHorizontalFlip(p, sides)


@register_transform("vflip", mirrors=True, p=0.5)
def _vflip(size: tuple[int, int], fill: Fill, p: float, sides: SideSwap | None) -> v2.Transform:
    return SidedVerticalFlip(p, sides)


class RandomRotate90(v2.Transform):
    """Rotate by a random multiple of 90 degrees: exact, no interpolation, no padding.

    Non-square samples only turn by 0 or 180 degrees, so the batch shape never changes. A turn
    mirrors nothing, so side classes keep their labels.
    """

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = v2.query_size(flat_inputs)
        turns = 4 if height == width else 2
        return {"k": int(torch.randint(turns, ()).item()) * (4 // turns)}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if params["k"] == 0:
            return inpt
        return tv_tensors.wrap(torch.rot90(inpt, params["k"], dims=(-2, -1)), like=inpt)


@register_transform("rot90")
def _rot90(size: tuple[int, int], fill: Fill) -> v2.Transform:
    return RandomRotate90()


@register_transform("rotate", pads=True, degrees=15.0, p=0.5)
def _rotate(size: tuple[int, int], fill: Fill, degrees: float, p: float) -> v2.Transform:
    rotation = v2.RandomRotation(degrees, interpolation=v2.InterpolationMode.BILINEAR, fill=fill)
    return v2.RandomApply([rotation], p=p)


class GridElastic(v2.ElasticTransform):
    """The original U-Net's elastic deformation: random displacement vectors on a coarse
    `grid` x `grid` lattice, normal with `displacement` pixels of standard deviation, bicubic-
    interpolated to every pixel, then warped by torchvision's elastic kernel (bilinear images,
    nearest masks, fill outside). The smooth field comes cheap from the coarse lattice;
    `v2.ElasticTransform` blurs a full-size noise field instead, about 6x slower per 256x256
    sample on a CPU core, enough to make training wait on the data loader."""

    def __init__(self, displacement: float, grid: int, fill: Fill) -> None:
        if displacement < 0 or grid < 2:
            raise ValueError(f"need displacement >= 0 and grid >= 2, got {displacement} and {grid}")
        super().__init__(interpolation=v2.InterpolationMode.BILINEAR, fill=fill)
        self.displacement = float(displacement)
        self.grid = int(grid)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = v2.query_size(flat_inputs)
        coarse = torch.randn(1, 2, self.grid, self.grid) * self.displacement  # (x, y) in pixels
        field = torch.nn.functional.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
        to_unit = torch.tensor([2.0 / width, 2.0 / height]).view(1, 2, 1, 1)  # grid_sample's [-1, 1] units
        return {"displacement": (field * to_unit).permute(0, 2, 3, 1)}  # (1, H, W, 2)


@register_transform("elastic", pads=True, displacement=10.0, grid=3, p=0.5)
def _elastic(size: tuple[int, int], fill: Fill, displacement: float, grid: int, p: float) -> v2.Transform:
    # the original U-Net's key augmentation for EM, as its paper describes it
    return v2.RandomApply([GridElastic(displacement, grid, fill)], p=p)


# --- intensity (on normalised images; masks pass through) --------------------------------


class _IntensityTransform(v2.Transform):
    """Base for transforms that change image values only (masks and everything else pass)."""

    _transformed_types = (tv_tensors.Image,)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return tv_tensors.wrap(self.apply(inpt.as_subclass(Tensor), params), like=inpt)

    def apply(self, image: Tensor, params: dict[str, Any]) -> Tensor:
        raise NotImplementedError


class RandomBrightness(_IntensityTransform):
    """Add one uniform offset in [-delta, delta] (standard deviations of the training data)."""

    def __init__(self, delta: float) -> None:
        super().__init__()
        self.delta = float(delta)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"offset": float(torch.empty(()).uniform_(-self.delta, self.delta))}

    def apply(self, image: Tensor, params: dict[str, Any]) -> Tensor:
        return image + params["offset"]


class RandomContrast(_IntensityTransform):
    """Scale deviations from each channel's mean by a factor in [1 - factor, 1 + factor]."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = float(factor)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"scale": float(torch.empty(()).uniform_(1 - self.factor, 1 + self.factor))}

    def apply(self, image: Tensor, params: dict[str, Any]) -> Tensor:
        mean = image.mean(dim=(-2, -1), keepdim=True)
        return (image - mean) * params["scale"] + mean


class RandomGamma(_IntensityTransform):
    """x -> x ** gamma on the image rescaled to [0, 1] by its own min and max, then scaled back,
    so the gamma curve bends mid-tones whatever the data's range."""

    def __init__(self, gamma: tuple[float, float]) -> None:
        super().__init__()
        self.gamma = _pair(gamma)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"gamma": float(torch.empty(()).uniform_(*self.gamma))}

    def apply(self, image: Tensor, params: dict[str, Any]) -> Tensor:
        low, high = image.min(), image.max()
        if high <= low:
            return image
        unit = (image - low) / (high - low)
        return unit.pow(params["gamma"]) * (high - low) + low


@register_transform("brightness", delta=0.2)
def _brightness(size: tuple[int, int], fill: Fill, delta: float) -> v2.Transform:
    return RandomBrightness(delta)


@register_transform("contrast", factor=0.2)
def _contrast(size: tuple[int, int], fill: Fill, factor: float) -> v2.Transform:
    return RandomContrast(factor)


@register_transform("gamma", gamma=(0.7, 1.5), p=0.5)
def _gamma(size: tuple[int, int], fill: Fill, gamma: Any, p: float) -> v2.Transform:
    return v2.RandomApply([RandomGamma(gamma)], p=p)


@register_transform("noise", sigma=0.05, p=0.5)
def _noise(size: tuple[int, int], fill: Fill, sigma: float, p: float) -> v2.Transform:
    # clip=False: normalised images are not in [0, 1]
    return v2.RandomApply([v2.GaussianNoise(sigma=sigma, clip=False)], p=p)


class Augment:
    """A fixed list of paired transforms, applied with one seed per call.

    Args:
        steps: transform name -> parameters (missing ones take the registered defaults).
        fill_label: mask value for pixels from outside the image (the ignore index); needed
            only when a step pads (`rotate`, `elastic`).
        sides: the side classes the mirroring steps (`hflip`, `vflip`) exchange; None for none.

    Raises:
        ConfigError: unknown transform or parameter, or a padding step without `fill_label`.

    Example:
        >>> augment = Augment({"hflip": {"p": 1.0}})
        >>> image, mask = augment(torch.arange(4.0).reshape(1, 2, 2), torch.tensor([[0, 1], [2, 3]]), seed=0)
        >>> mask.tolist()
        [[1, 0], [3, 2]]
    """

    def __init__(self, steps: Mapping[str, Mapping[str, Any]], fill_label: int | None = None,
                 sides: SideSwap | None = None) -> None:
        self.sides = sides
        self.steps: list[tuple[str, dict[str, Any]]] = []
        for name in sorted(steps, key=_position):
            spec = TRANSFORMS.get(name)
            unknown = sorted(set(steps[name]) - set(spec.defaults))
            if unknown:
                known = ", ".join(spec.defaults) or "none"
                raise ConfigError(f"augmentation '{name}' has no parameter {', '.join(unknown)} (known: {known})")
            self.steps.append((name, {**spec.defaults, **steps[name]}))
        self.pads = any(TRANSFORMS.get(name).pads for name, _ in self.steps)
        self.mirrors = any(TRANSFORMS.get(name).mirrors for name, _ in self.steps)
        if self.pads and fill_label is None:
            raise ConfigError("rotate and elastic augmentation pad masks and need a fill label (the ignore index)")
        self.fill: Fill = {tv_tensors.Image: 0.0, tv_tensors.Mask: fill_label if fill_label is not None else 0}
        self._pipelines: dict[tuple[int, int], v2.Compose] = {}
        for name, params in self.steps:  # build once now, so a bad value fails before training starts
            try:
                self._build(name, (32, 32), params)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"augmentation '{name}' with {params}: {err}") from None

    def names(self) -> list[str]:
        """The transforms applied, in order."""
        return [name for name, _ in self.steps]

    def without(self, names: Collection[str]) -> Augment | None:
        """The same steps less `names` (done elsewhere: flips on the device); None when none is left."""
        kept = {name: params for name, params in self.steps if name not in names}
        return Augment(kept, self.fill[tv_tensors.Mask], self.sides) if kept else None

    def __call__(self, image: Tensor, mask: Tensor, seed: int) -> tuple[Tensor, Tensor]:
        """Augment one sample. Shape: image (C, H, W) float, mask (H, W) int64 -> same shapes."""
        pipeline = self._pipeline((int(image.shape[-2]), int(image.shape[-1])))
        # torchvision draws from torch's global CPU generator: fork it, so the draw depends on
        # `seed` alone and the caller's random state is left as it was. Only that generator is
        # seeded: torch.manual_seed would also queue a CUDA seeding, whose stack capture took a
        # quarter of a 128x128 sample's time (1.35 ms, 1.02 without), and reseed the GPU's
        # generator on every sample.
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(seed)
            out_image, out_mask = pipeline(tv_tensors.Image(image), tv_tensors.Mask(mask))
        return out_image.as_subclass(Tensor).contiguous(), out_mask.as_subclass(Tensor).contiguous()

    def _pipeline(self, size: tuple[int, int]) -> v2.Compose:
        if size not in self._pipelines:
            self._pipelines[size] = v2.Compose([self._build(name, size, params) for name, params in self.steps])
        return self._pipelines[size]

    def _build(self, name: str, size: tuple[int, int], params: dict[str, Any]) -> v2.Transform:
        spec = TRANSFORMS.get(name)
        return spec.build(size, self.fill, **params, **({"sides": self.sides} if spec.mirrors else {}))


def build_augment(
    preset: str, options: Mapping[str, Any] | None = None, fill_label: int | None = None,
    sides: SideSwap | None = None,
) -> Augment | None:
    """The preset's transforms with `options` applied; None when nothing is left to do.

    Args:
        preset: a name from `PRESETS` ("none", "light", "strong").
        options: transform name -> parameter overrides (merged into the preset's), `{}` or true
            for the defaults, or null/false to turn a preset transform off.
        fill_label: mask value for padded pixels (see `Augment`).
        sides: the side classes flips exchange (see `Augment`).

    Raises:
        ConfigError: unknown preset, transform or parameter, or a malformed option.
    """
    steps = {name: dict(params) for name, params in PRESETS.get(preset).items()}
    for name, value in (options or {}).items():
        TRANSFORMS.get(name)
        if value is None or value is False:
            steps.pop(name, None)
        elif value is True:
            steps.setdefault(name, {})
        elif isinstance(value, Mapping):
            steps[name] = {**steps.get(name, {}), **value}
        else:
            raise ConfigError(
                f"augmentation option '{name}' must be a mapping of parameters, true or null; got {value!r}"
            )
    return Augment(steps, fill_label, sides) if steps else None


def _position(name: str) -> int:
    return _ORDER.index(name) if name in _ORDER else len(_ORDER)


def _pair(values: Any) -> tuple[float, float]:
    low, high = (float(v) for v in values)
    if low > high:
        raise ConfigError(f"range ({low}, {high}) must be (low, high)")
    return low, high
