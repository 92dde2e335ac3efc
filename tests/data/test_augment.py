"""Paired augmentation: image and mask stay aligned, masks stay integral and padded with ignore."""

from __future__ import annotations

import pytest
import torch

from seglab.data.loading.augment import PAD_LABEL, PRESETS, TRANSFORMS, Augment, build_augment
from seglab.data.loading.mirror_classes import SideSwap
from seglab.errors import ConfigError

IGNORE = 255
LABELS = (1, 2, 3, 4)  # no 0, so the image fill (0) is never mistaken for a label


def blocks(size: tuple[int, int] = (64, 64), block: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A mask of random labelled blocks and a one-channel image equal to the label: any
    misalignment between the two shows up as image != mask away from block edges."""
    generator = torch.Generator().manual_seed(seed)
    grid = torch.tensor(LABELS)[torch.randint(len(LABELS), (size[0] // block, size[1] // block), generator=generator)]
    mask = grid.repeat_interleave(block, 0).repeat_interleave(block, 1)
    return mask[None].float(), mask


# each geometric transform, set to act on every call
GEOMETRY = {
    "scale_crop": {"scale": [0.3, 0.5]},
    "hflip": {"p": 1.0},
    "vflip": {"p": 1.0},
    "rot90": {},
    "rotate": {"degrees": 40.0, "p": 1.0},
    "elastic": {"displacement": 15.0, "p": 1.0},
}


@pytest.mark.parametrize("name", sorted(GEOMETRY))
def test_geometric_transforms_keep_image_and_mask_aligned(name: str) -> None:
    image, mask = blocks()
    moved = 0
    for seed in range(4):
        out_image, out_mask = Augment({name: GEOMETRY[name]}, fill_label=IGNORE)(image, mask, seed=seed)
        assert out_mask.dtype == torch.int64 and out_mask.shape == mask.shape and out_image.shape == image.shape
        assert set(out_mask.unique().tolist()) <= {*LABELS, IGNORE}  # nearest: no invented labels
        labelled = out_mask != IGNORE
        agree = (out_image[0] - out_mask.float()).abs() < 0.5
        # bilinear image vs nearest mask differ only along block edges
        assert agree[labelled].float().mean() > 0.93
        moved += int(not torch.equal(out_mask, mask))
    assert moved >= 2  # the transform did something


def test_scale_crop_keeps_thin_structures_in_register() -> None:
    # 2-pixel binary blocks zoomed 1.3-1.8x: a mask sampled at pixel corners instead of
    # centres (torchvision's plain `nearest`) sits half a pixel off the bilinear image and
    # agrees with it on only 81-87% of the pixels; in register they agree on over 98%
    image, mask = blocks(size=(96, 96), block=2)
    image, mask = (image > 2).float(), (mask > 2).long()
    for seed in range(8):
        out_image, out_mask = Augment({"scale_crop": {"scale": [0.3, 0.6]}})(image, mask, seed=seed)
        assert ((out_image[0] > 0.5).long() == out_mask).float().mean() > 0.97


@pytest.mark.parametrize("name", ["rotate", "elastic"])
def test_padding_transforms_fill_masks_with_the_ignore_label(name: str) -> None:
    image, mask = blocks()
    out_image, out_mask = Augment({name: GEOMETRY[name]}, fill_label=IGNORE)(image, mask, seed=1)
    padded = out_mask == IGNORE
    assert padded.any()
    assert (out_image[0][padded].abs() < 0.5).float().mean() > 0.9  # image filled with 0 (the mean) there


def test_padding_without_a_fill_label_is_refused() -> None:
    with pytest.raises(ConfigError, match="fill label"):
        Augment({"rotate": {}})
    assert Augment({"hflip": {}, "scale_crop": {}}).pads is False  # these never pad


def eyes() -> tuple[torch.Tensor, torch.Tensor]:
    """A face-like mask (background 0, left_eye 1 on the left, right_eye 2 on the right, a row of
    ignore) and an image equal to it, which shows where each label came from."""
    mask = torch.zeros(8, 8, dtype=torch.int64)
    mask[2:4, 1:3], mask[2:4, 5:7], mask[6] = 1, 2, IGNORE
    return mask[None].float(), mask


EYES = SideSwap.from_classes(["background", "left_eye", "right_eye"])


@pytest.mark.parametrize(("name", "dims"), [("hflip", (-1,)), ("vflip", (-2,))])
def test_flips_swap_the_side_classes_of_the_mirror_image(name: str, dims: tuple[int, ...]) -> None:
    image, mask = eyes()
    out_image, out_mask = Augment({name: {"p": 1.0}}, fill_label=IGNORE, sides=EYES)(image, mask, seed=0)
    assert torch.equal(out_image, image.flip(dims))
    moved = mask.flip(dims)
    swapped = torch.where(moved == 1, 2, torch.where(moved == 2, 1, moved))  # ignore and background stay
    assert torch.equal(out_mask, swapped)


def test_turns_keep_the_side_classes() -> None:
    image, mask = eyes()
    augment = build_augment("none", {"rot90": {}}, sides=EYES)
    assert augment is not None and not augment.mirrors
    turned = 0
    for seed in range(8):
        out_image, out_mask = augment(image, mask, seed=seed)
        assert torch.equal(out_mask, out_image[0].long())  # every label moved, none renamed
        turned += int(not torch.equal(out_mask, mask))
    assert turned >= 2


def test_rot90_keeps_the_shape_of_non_square_samples() -> None:
    image, mask = blocks((32, 64))
    shapes = {Augment({"rot90": {}})(image, mask, seed=s)[1].shape for s in range(8)}
    assert shapes == {mask.shape}


def test_intensity_transforms_leave_masks_alone() -> None:
    image, mask = blocks()
    steps = {"brightness": {"delta": 0.5}, "contrast": {"factor": 0.5}, "gamma": {"p": 1.0}, "noise": {"p": 1.0}}
    out_image, out_mask = Augment(steps)(image, mask, seed=3)
    assert torch.equal(out_mask, mask)
    assert not torch.allclose(out_image, image)


@pytest.mark.parametrize("preset", PRESETS.names())
def test_presets_build_and_run(preset: str) -> None:
    augment = build_augment(preset, fill_label=IGNORE)
    if preset == "none":
        assert augment is None
        return
    assert augment is not None
    image, mask = blocks()
    out_image, out_mask = augment(image.repeat(3, 1, 1), mask, seed=0)
    assert out_image.shape == (3, 64, 64) and out_mask.shape == (64, 64)
    assert set(out_mask.unique().tolist()) <= {*LABELS, IGNORE}


def test_strong_adds_to_light_and_every_transform_is_in_a_preset() -> None:
    light, strong = (set(PRESETS.get(name)) for name in ("light", "strong"))
    assert light < strong
    assert strong == set(TRANSFORMS.names())


def test_same_seed_same_result_and_global_rng_untouched() -> None:
    augment = build_augment("strong", fill_label=IGNORE)
    assert augment is not None
    image, mask = blocks()
    state = torch.get_rng_state()
    first = augment(image, mask, seed=7)
    assert torch.equal(torch.get_rng_state(), state)
    again = augment(image, mask, seed=7)
    other = augment(image, mask, seed=8)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[0], other[0])


def test_augmenting_never_reseeds_the_gpu_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-sample seeding touches only the CPU generator the transforms draw from: reseeding
    CUDA's (as torch.manual_seed does) would reset a GPU run's random state on every sample."""
    calls: list[int] = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", calls.append)
    augment = build_augment("light")
    assert augment is not None
    augment(*blocks(), seed=3)
    assert calls == []


def test_options_override_add_and_remove_preset_transforms() -> None:
    augment = build_augment("light", {"hflip": None, "rotate": {"degrees": 5}, "scale_crop": {"ratio": [1, 1]}}, 255)
    assert augment is not None
    assert augment.names() == ["scale_crop", "rotate", "brightness", "contrast"]  # application order
    params = dict(augment.steps)
    assert params["scale_crop"] == {"scale": (0.8, 1.0), "ratio": [1, 1]}  # merged into the preset's
    assert params["rotate"] == {"degrees": 5, "p": 0.5}
    assert build_augment("none", {"vflip": True}).names() == ["vflip"]  # type: ignore[union-attr]
    assert build_augment("light", {name: None for name in PRESETS.get("light")}) is None


@pytest.mark.parametrize(
    ("preset", "options", "message"),
    [
        ("medium", {}, "unknown augmentation preset 'medium'"),
        ("light", {"rotation": {}}, "Did you mean rotate"),
        ("light", {"hflip": {"prob": 1}}, "no parameter prob"),
        ("light", {"hflip": 0.5}, "must be a mapping"),
        ("light", {"scale_crop": {"scale": [1.0, 0.5]}}, "low, high"),
    ],
)
def test_bad_augmentation_config_is_explained(preset: str, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_augment(preset, options, fill_label=IGNORE)


def test_pad_label_is_never_a_class() -> None:
    assert PAD_LABEL < 0


@pytest.mark.parametrize("side", [8, 16])
def test_elastic_works_on_patches_smaller_than_its_kernel(side: int) -> None:
    image, mask = blocks((side, side), block=4)
    out_image, out_mask = Augment({"elastic": {"p": 1.0}}, fill_label=IGNORE)(image, mask, seed=0)
    assert out_image.shape == image.shape and out_mask.shape == mask.shape


def test_elastic_moves_pixels_in_proportion_to_its_displacement() -> None:
    image, mask = blocks()
    changed = []
    for displacement in (0.0, 2.0, 20.0):
        augment = Augment({"elastic": {"displacement": displacement, "p": 1.0}}, fill_label=IGNORE)
        out_image, out_mask = augment(image, mask, seed=3)
        changed.append(float((out_mask != mask).float().mean()))
        if displacement == 0.0:
            assert torch.allclose(out_image, image, atol=1e-5)  # no displacement: the identity warp
    assert changed[0] == 0.0 and 0.0 < changed[1] < changed[2]


def test_elastic_grid_must_have_two_points_per_side() -> None:
    with pytest.raises(ConfigError, match="grid >= 2"):
        Augment({"elastic": {"grid": 1}}, fill_label=IGNORE)
