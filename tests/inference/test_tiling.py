"""Tile grid, Gaussian weight map, merger, and tiled-versus-whole agreement."""

from __future__ import annotations

import pytest
import torch

from seglab.inference.tiling import (
    MIN_WEIGHT,
    TileMerger,
    border_profile,
    gaussian_profile,
    gaussian_weight,
    padded_length,
    plan_tiles,
    predict_tiled,
    tile_origins,
)


@pytest.mark.parametrize("length", [1, 7, 63, 64, 65, 127, 160, 200, 257, 1001])
@pytest.mark.parametrize(("tile", "overlap", "stride"), [(64, 0.0, 1), (64, 0.25, 1), (33, 0.5, 1), (16, 0.9, 1),
                                                         (64, 0.25, 16), (50, 0.5, 8), (16, 0.5, 16)])
def test_origins_cover_the_axis_with_the_overlap_asked_for(length, tile, overlap, stride):
    padded = padded_length(length, tile, overlap, stride)
    assert length <= padded < length + stride
    origins = tile_origins(padded, tile, overlap, stride)
    size = min(tile, length)
    assert origins[0] == 0 and origins[-1] + size == padded  # first and last tile flush with the borders
    assert origins == sorted(set(origins))
    if stride <= tile * (1 - overlap):
        assert all(origin % stride == 0 for origin in origins)
    length = padded
    covered = torch.zeros(length, dtype=torch.bool)
    for start in origins:
        covered[start : start + size] = True
    assert bool(covered.all())
    for left, right in zip(origins, origins[1:]):
        assert left + size - right >= overlap * size - 1e-9
    steps = [b - a for a, b in zip(origins, origins[1:])]
    grid = stride if stride <= tile * (1 - overlap) else 1
    assert not steps or max(steps) - min(steps) <= grid  # evenly spread, as far as the grid allows


def test_small_images_get_one_tile_cut_to_their_size():
    grid = plan_tiles((20, 90), 64, 0.25)
    assert grid.tile == (20, 64)
    assert [y for y, _ in grid.origins] == [0, 0]
    assert grid.origins[-1][1] + 64 == 90


def test_grids_are_padded_so_tiles_start_on_the_stride():
    grid = plan_tiles((201, 90), 64, 0.25, stride=16)
    assert grid.padded == (208, 96)
    assert all(y % 16 == 0 and x % 16 == 0 for y, x in grid.origins)


@pytest.mark.parametrize("bad", [dict(length=0, tile=4, overlap=0.1), dict(length=8, tile=0, overlap=0.1),
                                 dict(length=8, tile=4, overlap=1.0), dict(length=8, tile=4, overlap=-0.1),
                                 dict(length=70, tile=32, overlap=0.25, stride=16)])
def test_bad_grids_are_refused(bad):
    with pytest.raises(ValueError):
        tile_origins(**bad)


@pytest.mark.parametrize("tile", [(64, 64), (33, 50), (1, 5)])
def test_gaussian_weight_peaks_in_the_middle_is_symmetric_and_never_zero(tile):
    weight = gaussian_weight(tile)
    assert weight.shape == tile and weight.dtype == torch.float32
    assert weight.max().item() == pytest.approx(1.0)
    assert weight.min().item() > 0
    assert torch.equal(weight, weight.flip(0)) and torch.equal(weight, weight.flip(1))
    if tile[0] > 2:  # falls off from the centre row to the border
        column = weight[:, tile[1] // 2]
        assert column[tile[0] // 2] > column[tile[0] // 4] > column[0]


def test_each_axis_is_clamped_so_corners_keep_their_ranking():
    assert gaussian_profile(8, sigma_scale=0.01).min().item() == pytest.approx(MIN_WEIGHT)
    weight = gaussian_weight((64, 64), sigma_scale=0.01)  # product far below the floor near corners
    assert weight[0, 0] < weight[0, 31]  # a product clamp would make both MIN_WEIGHT


def test_tile_halves_facing_the_image_border_keep_full_weight():
    assert torch.equal(border_profile(10, first=False, last=False), gaussian_profile(10))
    first, last = border_profile(10, True, False), border_profile(10, False, True)
    assert (first[:5] == 1).all() and torch.equal(first[5:], gaussian_profile(10)[5:])
    assert torch.equal(last, first.flip(0))
    merger = TileMerger(1, plan_tiles((100, 40), 40, 0.25))
    assert (merger.weight((0, 0)) == 1).all(dim=1)[:20].all()  # one tile across: flat along x
    assert merger.weight((0, 0))[-1, 0] < 1e-3  # but faded where the next tile takes over


def test_merger_reproduces_a_map_split_into_tiles():
    full = torch.randn(3, 50, 70)
    grid = plan_tiles((50, 70), 24, 0.3)
    merger = TileMerger(3, grid)
    for y, x in grid.origins:
        merger.add(full[None, :, y : y + 24, x : x + 24], [(y, x)])
    assert torch.allclose(merger.finalize(), full, atol=1e-5)


def test_merger_refuses_tiles_of_the_wrong_size():
    merger = TileMerger(2, plan_tiles((40, 40), 16))
    with pytest.raises(ValueError, match="16x16"):
        merger.add(torch.zeros(1, 2, 8, 8), [(0, 0)])


@pytest.mark.parametrize("stride", [1, 4])
def test_pointwise_model_is_tiled_exactly(stride):
    """A 1x1 convolution sees no neighbours, so tiling (and padding) must not change a thing."""
    net = torch.nn.Conv2d(3, 4, 1).eval()
    image = torch.randn(3, 45, 77)
    with torch.no_grad():
        whole = net(image[None])[0]
    tiled = predict_tiled(net, image, tile=16, overlap=0.25, batch_size=3, stride=stride)
    assert torch.allclose(tiled, whole, atol=1e-5)


def test_tiles_on_the_pooling_grid_match_the_whole_image_inside(trained_model, large_sample):
    """Away from its border a tile on the stride grid sees exactly what the whole image sees."""
    image, _ = large_sample
    stride = trained_model.min_size
    with torch.no_grad():
        whole = trained_model(image[None])[0]
        aligned = trained_model(image[None, :, 48:112, 46:110])[0]
        shifted = trained_model(image[None, :, 48:112, 45:109])[0]
    assert stride == 2
    assert torch.allclose(aligned[:, 16:48, 16:48], whole[:, 64:96, 62:94], atol=1e-4)
    assert not torch.allclose(shifted[:, 16:48, 16:48], whole[:, 64:96, 61:93], atol=1e-2)


def test_tiled_and_whole_predictions_agree(trained_model, large_sample):
    """The seam check: a 160x200 image in 64-pixel tiles against one pass over the whole image."""
    image, mask = large_sample
    with torch.no_grad():
        whole = trained_model(image[None])[0]
    tiled = predict_tiled(trained_model, image, tile=64, overlap=0.25, stride=trained_model.min_size)
    assert len(plan_tiles((160, 200), 64, 0.25, stride=2).origins) == 12
    assert tiled.shape == whole.shape
    agreement = (tiled.argmax(0) == whole.argmax(0)).float().mean().item()
    assert agreement >= 0.995
    classes_predicted = whole.argmax(0).unique().numel()
    assert classes_predicted >= 2  # the comparison means something: the model is not constant
