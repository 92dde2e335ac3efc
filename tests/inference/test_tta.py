"""Flip test-time augmentation: averaging, composition with tiling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seglab.data.loading.mirror_classes import SideSwap
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.inference.tiling import predict_tiled
from seglab.inference.tta import FLIPS, flip_tta, trained_flips
from seglab.runs.card import ModelCard

IDENTITY, HORIZONTAL, VERTICAL, BOTH = FLIPS


@pytest.mark.parametrize(("transforms", "expected"), [
    ((), (IDENTITY,)),
    (("scale_crop", "brightness"), (IDENTITY,)),
    (("scale_crop", "hflip", "brightness", "contrast"), (IDENTITY, HORIZONTAL)),  # the light preset
    (("vflip",), (IDENTITY, VERTICAL)),
    (("rot90",), (IDENTITY, BOTH)),  # a half turn is both flips at once
    (("hflip", "vflip"), FLIPS),  # one flip after the other is the half turn
    (("hflip", "rot90"), FLIPS),  # a half turn after a horizontal flip is the vertical flip
    (("vflip", "rot90"), FLIPS),
])
def test_trained_flips_are_the_flips_the_augmentation_can_produce(transforms, expected):
    assert trained_flips(transforms) == expected


def symmetric_conv() -> torch.nn.Conv2d:
    """A 3x3 convolution whose kernels are symmetric under both flips: flip-equivariant."""
    torch.manual_seed(0)
    net = torch.nn.Conv2d(3, 4, 3, padding=1)
    with torch.no_grad():
        weight = net.weight
        weight.copy_((weight + weight.flip(-1) + weight.flip(-2) + weight.flip(-1, -2)) / 4)
    return net.eval()


def test_flip_equivariant_model_is_unchanged_by_tta():
    net = symmetric_conv()
    image = torch.randn(1, 3, 21, 34)
    with torch.no_grad():
        plain = net(image).softmax(dim=1)
        averaged = flip_tta(net, image).exp()
    assert torch.allclose(averaged, plain, atol=1e-5)


def test_tta_is_the_mean_of_the_flipped_probabilities():
    torch.manual_seed(1)
    net = torch.nn.Conv2d(1, 3, 3, padding=1).eval()  # a random kernel is not flip-equivariant
    image = torch.randn(1, 1, 12, 17)
    with torch.no_grad():
        expected = sum(net(image.flip(d) if d else image).softmax(1).flip(d) if d else net(image).softmax(1)
                       for d in FLIPS) / len(FLIPS)
        averaged = flip_tta(net, image).exp()
        plain = net(image).softmax(1)
    assert torch.allclose(averaged, expected, atol=1e-5)
    assert not torch.allclose(averaged, plain, atol=1e-3)
    assert torch.allclose(averaged.sum(dim=1), torch.ones(1, 12, 17), atol=1e-5)


def test_tta_composes_with_tiling_on_unbatched_images():
    """Flipping the whole image, then tiling it, matches flip TTA on the whole image up to the
    small tile-border effects that the Gaussian weight leaves."""
    torch.manual_seed(1)
    net = torch.nn.Conv2d(3, 4, 3, padding=1).eval()
    image = torch.randn(3, 40, 52)
    with torch.no_grad():
        whole = flip_tta(net, image[None])[0]
    tiled = flip_tta(lambda img: predict_tiled(net, img, tile=16, overlap=0.5), image)
    assert tiled.shape == (4, 40, 52)
    assert (tiled.exp() - whole.exp()).abs().max() < 0.05
    assert torch.equal(tiled.argmax(0), whole.argmax(0))


class FaceParser(torch.nn.Module):
    """A model that knows sides, as one trained with side-swapping flips does: eyes (values
    near 0.5) are left_eye on the image's left half of an upright face and on its right half of
    a face upside down (a chin mark, values near 1, in the top half), right_eye otherwise."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        height, width = image.shape[-2:]
        eye, chin = (image[:, :1] - 0.5).abs() < 0.25, image[:, :1] > 0.75
        upside_down = chin[..., : height // 2, :].flatten(1).any(1).view(-1, 1, 1, 1)
        on_left = (torch.arange(width) < width // 2).view(1, 1, 1, -1) ^ upside_down
        labels = torch.where(eye, torch.where(on_left, 1, 2), 0)[:, 0]
        return 10.0 * torch.nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).float()


def face() -> torch.Tensor:
    image = torch.zeros(1, 1, 10, 12)
    image[..., 3, 2:4], image[..., 3, 8:10], image[..., 8, 5:7] = 0.5, 0.5, 1.0
    return image


def test_mirrored_passes_swap_the_side_classes_back():
    net, image = FaceParser(), face()
    sides = SideSwap.from_classes(["background", "left_eye", "right_eye"])
    plain = net(image).softmax(1)
    averaged = flip_tta(net, image, FLIPS, sides).exp()
    assert torch.allclose(averaged, plain, atol=1e-4)  # every view agrees once its sides are swapped back
    unswapped = flip_tta(net, image, FLIPS).exp()
    assert not torch.equal(unswapped.argmax(1), plain.argmax(1))  # the two mirrored views call each eye the other


def test_the_predictor_swaps_sides_back_for_the_classes_of_its_card():
    card = ModelCard(model="face_parser", options={}, in_channels=1, num_classes=3,
                     classes={"names": ["background", "left_eye", "right_eye"]}, mapping={}, size=None, mean=(0.0,),
                     std=(1.0,), augment_transforms=("hflip", "vflip"))
    image = np.round(face()[0, 0].numpy() * 255).astype(np.uint8)
    plain = Predictor(FaceParser(), card).predict(image)
    averaged = Predictor(FaceParser(), card, options=InferenceOptions(tta=True)).predict(image)
    assert set(np.unique(plain.mask)) == {0, 1, 2}
    assert np.array_equal(averaged.mask, plain.mask) and np.allclose(averaged.probs, plain.probs, atol=1e-4)
