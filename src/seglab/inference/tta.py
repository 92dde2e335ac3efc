"""Flip test-time augmentation: average the class probabilities of mirrored copies of an image.

A network is not exactly flip-equivariant even when its training data were, so the mirrored
predictions disagree a little, mostly where the model is unsure; averaging them is a cheap,
training-free way to steady those pixels. It costs one forward pass per flip.

Only views the network was trained on help: a flip it never saw (an upside-down brain, a
street scene mirrored top to bottom) is a new input, and averaging it in cost ISBI models
trained with horizontal flips alone up to 0.003 of Dice (docs/results.md). So by default TTA
uses the flips of the run's training augmentation (`trained_flips`), as nnU-Net mirrors only
along the axes it trained with.

A copy flipped along one axis is a mirror image, where the network predicts `l_eye` for the
eye that is `r_eye` in the image itself, so its classes that name a side trade channels back
(`sides`, from `seglab.data.loading.mirror_classes`) before averaging; flipped along both axes the copy
is only turned, and keeps its channels.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from torch import Tensor

from seglab.data.loading.mirror_classes import SideSwap

# Dims counted from the end, so they work for (C, H, W) images and (B, C, H, W) batches alike.
FLIPS: tuple[tuple[int, ...], ...] = ((), (-1,), (-2,), (-2, -1))  # identity, h-flip, v-flip, both
_CLASS_DIM = -3
_TINY = 1e-12  # keeps log() finite where every flip gave a class probability 0
Flips = tuple[tuple[int, ...], ...]
TTA_FLIPS = ("trained", "all")  # which flips TTA averages: those training showed the model, or all four


def trained_flips(transforms: Collection[str]) -> Flips:
    """The flips in FLIPS that training augmentation with these transforms showed the network.

    `hflip` and `vflip` show their own flip; `rot90` shows the 180-degree turn, which is both
    flips at once; and any two of the three give the third (a turn after one flip is the other).

    Example:
        >>> trained_flips(["scale_crop", "hflip", "brightness"])  # the light preset
        ((), (-1,))
        >>> len(trained_flips(["hflip", "vflip"])), trained_flips([])
        (4, ((),))
    """
    horizontal, vertical, turn = ("hflip" in transforms), ("vflip" in transforms), ("rot90" in transforms)
    seen = {(): True, (-1,): horizontal or (vertical and turn), (-2,): vertical or (horizontal and turn),
            (-2, -1): turn or (horizontal and vertical)}
    return tuple(dims for dims in FLIPS if seen[dims])


def flip_tta(predict: Callable[[Tensor], Tensor], image: Tensor, flips: Flips = FLIPS,
             sides: SideSwap | None = None) -> Tensor:
    """Mean softmax over flipped copies, returned as log-probabilities.

    Log-probabilities are valid logits (their softmax is the averaged probabilities), so the
    result drops into any code that expects logits: resizing, tiling, argmax.

    Args:
        predict: image -> logits of the same height and width (a model, or `predict_tiled`
            wrapped in a function); composes with tiling by flipping the whole image.
        image: the (normalised) input.
        flips: dims to flip for each pass; () is the unflipped image.
        sides: the side classes a mirrored pass exchanges; None for none.

    Shape: image (..., C, H, W) -> log-probabilities (..., K, H, W).

    Example:
        >>> import torch
        >>> net = torch.nn.Conv2d(1, 2, 1)
        >>> flip_tta(net, torch.rand(1, 1, 8, 8)).exp().sum(dim=1).allclose(torch.ones(1, 8, 8))
        True
    """
    if not flips:
        raise ValueError("flips must name at least one pass, e.g. () for the unflipped image")
    total: Tensor | None = None
    for dims in flips:
        flipped = image.flip(dims) if dims else image
        probs = predict(flipped).float().softmax(dim=_CLASS_DIM)
        probs = probs.flip(dims) if dims else probs
        if sides is not None and len(dims) == 1:
            probs = sides.channels(probs, _CLASS_DIM)
        total = probs if total is None else total + probs
    assert total is not None
    return (total / len(flips)).clamp_min(_TINY).log()
