"""Sliding-window inference: a tile grid, a Gaussian weight map and a merger that blends tiles.

Large images are predicted tile by tile because memory, not the network, limits the input
size. Overlapping tiles are blended with a Gaussian weight (as in nnU-Net) because a
network sees least context near a tile's border, where its zero padding stands in for the
missing neighbours: down-weighting those pixels is what removes the seams. Tile edges that
lie on the image border keep full weight, since there the tile sees what the whole image sees.

Tiles also start on multiples of the network's total downsampling (its stride): a U-Net
that max-pools twice is only shift-equivariant for shifts by multiples of 4, so a tile at
an odd offset sees a different pooling grid than the whole image and disagrees with it
everywhere, not just at its border. Where the last tile cannot both end flush with the
image and start on the grid, the image is reflect-padded by less than one stride.

The split follows MONAI's splitter/merger shape: `plan_tiles` says where the tiles are,
`TileMerger` accumulates `logits * weight` and `weight` and divides at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SIGMA_SCALE = 1 / 8  # nnU-Net's choice: the weight falls to ~3e-4 at the middle of a tile edge
MIN_WEIGHT = 1e-4  # floor of each axis's weight, so no pixel's summed weight is ever ~0
DEFAULT_STRIDE = 32  # for models that do not say: a ResNet encoder's, and a multiple of every smaller one


def network_stride(model: nn.Module) -> int:
    """The total downsampling of a model: U-Nets record it as `min_size` (2 ** poolings)."""
    return int(getattr(model, "min_size", DEFAULT_STRIDE))


def tile_origins(length: int, tile: int, overlap: float, stride: int = 1) -> list[int]:
    """Start offsets of tiles along one axis: evenly spread multiples of `stride`, from 0 to the
    last offset, which is flush with the end of the (padded) axis.

    Neighbouring tiles overlap by at least `overlap * tile` pixels (more when the tiles do
    not divide the length evenly: the spare pixels are shared out, not left to the last tile).
    Use `padded_length` first when `stride` > 1, so that the last tile can start on the grid.

    Args:
        length: axis length; with `stride` > 1, `length - tile` must be a multiple of it.
        tile: tile size along the axis; a tile longer than the axis is cut to it.
        overlap: wanted overlap as a fraction of the tile, in [0, 1).
        stride: origins are multiples of this; ignored (1) when a step of one stride would
            leave less than the wanted overlap.

    Raises:
        ValueError: a size below 1, an overlap outside [0, 1), or a length off the stride grid.

    Example:
        >>> tile_origins(200, 64, 0.25)
        [0, 45, 91, 136]
        >>> tile_origins(200, 64, 0.25, stride=8)
        [0, 48, 88, 136]
    """
    if length < 1 or tile < 1 or stride < 1:
        raise ValueError(f"length, tile and stride must be >= 1, got {length}, {tile} and {stride}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap}")
    tile = min(tile, length)
    if tile == length:
        return [0]
    largest_step = max(1, math.floor(tile * (1 - overlap)))
    stride = stride if largest_step >= stride else 1
    if (length - tile) % stride:
        raise ValueError(f"length {length} minus tile {tile} is not a multiple of stride {stride}; pad the axis "
                         f"to padded_length(...) first")
    cells, cells_per_step = (length - tile) // stride, largest_step // stride
    steps = math.ceil(cells / cells_per_step)
    return [stride * round(i * cells / steps) for i in range(steps + 1)]


def padded_length(length: int, tile: int, overlap: float, stride: int = 1) -> int:
    """The smallest length >= `length` whose last tile starts on the stride grid (see `tile_origins`)."""
    if tile >= length or max(1, math.floor(tile * (1 - overlap))) < stride:
        return length
    return length + (-(length - tile)) % stride


@dataclass(frozen=True)
class TileGrid:
    """Where the tiles of one image lie.

    Attributes:
        size: image (H, W).
        padded: (H', W') the image is padded to (bottom and right) so every tile starts on
            the stride grid; equal to `size` when no padding is needed.
        tile: tile (h, w), each at most the image's size along that axis.
        origins: (y, x) top-left corner of every tile in the padded image, row by row.
    """

    size: tuple[int, int]
    padded: tuple[int, int]
    tile: tuple[int, int]
    origins: tuple[tuple[int, int], ...]

    def batches(self, batch_size: int) -> Iterator[Sequence[tuple[int, int]]]:
        """The origins in groups of at most `batch_size`."""
        for start in range(0, len(self.origins), batch_size):
            yield self.origins[start : start + batch_size]


def plan_tiles(
    size: tuple[int, int], tile: int | tuple[int, int], overlap: float = 0.25, stride: int = 1
) -> TileGrid:
    """The tile grid covering an image of `size` (H, W) with at least `overlap` between tiles,
    every tile starting on a multiple of `stride`.

    An image smaller than the tile along an axis gets a tile cut to its size there, rather
    than padding: every seglab model accepts any input size, so the result equals the
    whole-image prediction, with no padded border for the network to mistake for an edge.

    Raises:
        ValueError: a size or tile below 1, or an overlap outside [0, 1).
    """
    tiles = (tile, tile) if isinstance(tile, int) else tuple(tile)
    if min(*size, *tiles) < 1:
        raise ValueError(f"image and tile sizes must be >= 1, got {size} and {tiles}")
    padded = tuple(padded_length(length, t, overlap, stride) for length, t in zip(size, tiles))
    tiles = tuple(min(t, length) for t, length in zip(tiles, size))
    ys, xs = (tile_origins(length, t, overlap, stride) for length, t in zip(padded, tiles))
    return TileGrid(
        size=(size[0], size[1]),
        padded=(padded[0], padded[1]),
        tile=(tiles[0], tiles[1]),
        origins=tuple((y, x) for y in ys for x in xs),
    )


def gaussian_profile(length: int, sigma_scale: float = SIGMA_SCALE, min_weight: float = MIN_WEIGHT) -> Tensor:
    """1-D Gaussian weight along one tile axis: 1 in the middle, never below `min_weight`.

    Shape: -> (length,) float32, symmetric.
    """
    centre = (length - 1) / 2
    sigma = max(length * sigma_scale, 1e-6)
    position = torch.arange(length, dtype=torch.float64)
    profile = torch.exp(-0.5 * ((position - centre) / sigma) ** 2)
    return (profile / profile.max()).clamp_min(min_weight).float()


def gaussian_weight(tile: tuple[int, int], sigma_scale: float = SIGMA_SCALE, min_weight: float = MIN_WEIGHT) -> Tensor:
    """Gaussian importance map of a tile inside the image: the outer product of two profiles.

    Clamping each axis rather than the product keeps the ranking along one axis even where
    the other axis's weight is tiny (near a tile corner), so a tile's unreliable edge never
    ties with its neighbour's reliable middle.

    Shape: -> (h, w) float32, 1 at the centre, symmetric under flips.
    """
    return gaussian_profile(tile[0], sigma_scale, min_weight)[:, None] * gaussian_profile(tile[1], sigma_scale, min_weight)


def border_profile(length: int, first: bool, last: bool) -> Tensor:
    """The Gaussian profile with the half facing the image border raised to 1.

    A tile flush with the image border sees that border exactly as the whole image does
    (the same zero padding), so its pixels there are as good as its centre; only edges
    inside the image, where the tile cuts through content, deserve the low weight.

    Shape: -> (length,) float32.
    """
    profile = gaussian_profile(length)
    middle = length // 2
    if first:
        profile[:middle] = 1.0
    if last:
        profile[middle:] = 1.0
    return profile


class TileMerger:
    """Accumulates weighted tile logits into a full-size map; `finalize` divides by the weights.

    Each tile is weighted by `gaussian_weight`, except that halves facing the image border
    are not down-weighted (see `border_profile`).

    Args:
        num_classes: K, the channels of the logits.
        grid: the tile grid the logits come from.
        device: where the (K, H, W) accumulators live.

    Example:
        >>> grid = plan_tiles((5, 7), 4, overlap=0.5)
        >>> merger = TileMerger(2, grid)
        >>> for y, x in grid.origins:
        ...     merger.add(torch.ones(1, 2, 4, 4), [(y, x)])
        >>> bool((merger.finalize() == 1).all())
        True
    """

    def __init__(self, num_classes: int, grid: TileGrid, device: torch.device | str = "cpu") -> None:
        self.grid = grid
        self._profiles = []
        for axis in (0, 1):
            starts = sorted({origin[axis] for origin in grid.origins})
            self._profiles.append({
                start: border_profile(grid.tile[axis], start == starts[0], start == starts[-1]).to(device)
                for start in starts
            })
        self._sum = torch.zeros(num_classes, *grid.padded, dtype=torch.float32, device=device)
        self._weights = torch.zeros(1, *grid.padded, dtype=torch.float32, device=device)

    def weight(self, origin: tuple[int, int]) -> Tensor:
        """The weight map of the tile at `origin`. Shape: (h, w)."""
        return self._profiles[0][origin[0]][:, None] * self._profiles[1][origin[1]][None, :]

    def add(self, logits: Tensor, origins: Sequence[tuple[int, int]]) -> None:
        """Add one batch of tile logits.

        Shape: logits (B, K, h, w) with B == len(origins) and (h, w) == grid.tile.
        """
        tile_h, tile_w = self.grid.tile
        if logits.shape[0] != len(origins) or tuple(logits.shape[-2:]) != (tile_h, tile_w):
            raise ValueError(
                f"got logits {tuple(logits.shape)} for {len(origins)} tile(s) of {tile_h}x{tile_w}"
            )
        for (y, x), tile_logits in zip(origins, logits.float()):
            weight = self.weight((y, x))
            self._sum[:, y : y + tile_h, x : x + tile_w] += tile_logits * weight
            self._weights[:, y : y + tile_h, x : x + tile_w] += weight

    def finalize(self) -> Tensor:
        """The blended logits, padding cut off. Shape: (K, H, W)."""
        if not bool((self._weights > 0).all()):
            raise RuntimeError("some pixels were covered by no tile; add the logits of every tile of the grid")
        height, width = self.grid.size
        return (self._sum / self._weights)[:, :height, :width]


@torch.no_grad()
def predict_tiled(
    model: Callable[[Tensor], Tensor],
    image: Tensor,
    tile: int = 512,
    overlap: float = 0.25,
    batch_size: int = 4,
    stride: int = 1,
) -> Tensor:
    """Predict logits for a large image by blending overlapping tiles.

    Args:
        model: maps a (B, C, h, w) batch to (B, K, h, w) logits (an `nn.Module` in eval mode,
            or a function wrapping one, e.g. with autocast).
        image: one normalised image.
        tile: tile side in pixels; cut to the image where the image is smaller.
        overlap: overlap of neighbouring tiles as a fraction of the tile, in [0, 1).
        batch_size: tiles per forward pass.
        stride: the model's total downsampling (`network_stride`); tiles start on its
            multiples so that they agree with the whole-image prediction inside.

    Raises:
        ValueError: the image is not (C, H, W), or a bad tile, overlap or batch size.

    Shape: image (C, H, W) -> logits (K, H, W); H and W need not be multiples of `tile`.

    Example:
        >>> net = torch.nn.Conv2d(3, 2, 3, padding=1)
        >>> predict_tiled(net, torch.rand(3, 100, 70), tile=32).shape
        torch.Size([2, 100, 70])
    """
    if image.ndim != 3:
        raise ValueError(f"image must be (C, H, W), got shape {tuple(image.shape)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    grid = plan_tiles((image.shape[1], image.shape[2]), tile, overlap, stride)
    tile_h, tile_w = grid.tile
    if grid.padded != grid.size:  # reflect: the padded strip (< one stride) looks like the image
        pad_h, pad_w = grid.padded[0] - grid.size[0], grid.padded[1] - grid.size[1]
        image = F.pad(image[None], (0, pad_w, 0, pad_h), mode="reflect")[0]
    merger: TileMerger | None = None
    for origins in grid.batches(batch_size):
        batch = torch.stack([image[:, y : y + tile_h, x : x + tile_w] for y, x in origins])
        logits = model(batch)
        if merger is None:  # K is known only once the model has answered
            merger = TileMerger(logits.shape[1], grid, image.device)
        merger.add(logits, origins)
    assert merger is not None  # a grid always holds at least one tile
    return merger.finalize()
