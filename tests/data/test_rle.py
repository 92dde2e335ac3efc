"""Run-length strings as Kaggle ships them: hand-computed cases in both pixel orders, the
refusals, and telling the orders apart."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.data.files.rle import ORDERS, RleError, decode, encode, likely_order, paint, parse_runs, relative_runs


def ellipse(shape: tuple[int, int], centre: tuple[int, int], radii: tuple[int, int]) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (((yy - centre[0]) / radii[0]) ** 2 + ((xx - centre[1]) / radii[1]) ** 2 < 1).astype(np.uint8)


def test_decode_column_major_by_hand() -> None:
    # "1 3 10 5" on a 4x4 image, top to bottom then left to right: pixels 1-3 are rows 0-2 of
    # column 0; pixels 10-14 are rows 1-3 of column 2 and rows 0-1 of column 3
    expected = np.array([[1, 0, 0, 1],
                         [1, 0, 1, 1],
                         [1, 0, 1, 0],
                         [0, 0, 1, 0]], np.uint8)  # fmt: skip
    assert np.array_equal(decode("1 3 10 5", (4, 4), "column"), expected)


def test_decode_row_major_by_hand() -> None:
    # the same string left to right then top to bottom, on a 4x5 image: pixels 1-3 are columns
    # 0-2 of row 0; pixels 10-14 are column 4 of row 1 and columns 0-3 of row 2
    expected = np.array([[1, 1, 1, 0, 0],
                         [0, 0, 0, 0, 1],
                         [1, 1, 1, 1, 0],
                         [0, 0, 0, 0, 0]], np.uint8)  # fmt: skip
    assert np.array_equal(decode("1 3 10 5", (4, 5), "row"), expected)


def test_encode_by_hand_and_round_trip() -> None:
    mask = np.array([[1, 0], [1, 1]])
    assert encode(mask, "column") == "1 2 4 1"  # column-major: 1, 1, 0, 1
    assert encode(mask, "row") == "1 1 3 2"  # row-major: 1, 0, 1, 1
    rng = np.random.default_rng(0)
    for order in ORDERS:
        random = (rng.random((7, 11)) > 0.5).astype(np.uint8)
        assert np.array_equal(decode(encode(random, order), (7, 11), order), random)


@pytest.mark.parametrize("text", ["", "  ", " -1", "nan", "NaN"])
def test_empty_masks(text: str) -> None:
    assert not decode(text, (3, 4)).any()


@pytest.mark.parametrize(("text", "says"), [
    ("1 3 10", "not 'start length' pairs"),
    ("1 3 x 5", "'x' is not a whole number"),
    ("0 3", "start 0"),
    ("1 0", "length 0"),
    ("10 3 2 4", "starts must increase"),  # SIIM-ACR's relative runs, read absolute
    ("1 5 4 2", "runs overlap"),
])  # fmt: skip
def test_refusals_say_why(text: str, says: str) -> None:
    with pytest.raises(RleError) as caught:
        decode(text, (4, 4))
    assert says in str(caught.value)


def test_a_run_beyond_the_image_names_the_size() -> None:
    with pytest.raises(RleError, match="ends at pixel 17, beyond the image's 16 pixels"):
        decode("15 3", (4, 4))


def test_paint_counts_pixels_another_class_holds() -> None:
    flat = np.zeros(10, np.uint8)
    assert paint(flat, *parse_runs("1 4"), 2) == 0
    assert paint(flat, *parse_runs("3 4"), 2) == 0  # the same class again: no clash
    assert paint(flat, *parse_runs("5 3"), 3) == 2  # pixels 5-6 held class 2
    assert flat.tolist() == [2, 2, 2, 2, 3, 3, 3, 0, 0, 0]


@pytest.mark.parametrize("order", ORDERS)
def test_likely_order_finds_the_order_on_non_square_images(order: str) -> None:
    samples = [(encode(ellipse((31, 47), (15, 20), (8, 12)), order), (31, 47)),
               (encode(ellipse((31, 47), (10, 30), (5, 9)), order), (31, 47))]  # fmt: skip
    assert likely_order(samples) == order


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(("shape", "centre", "radii"), [
    ((128, 192), (70, 96), (40, 80)),  # Carvana: a car wider than the image is high, runs wrapping lines
    ((200, 60), (100, 30), (90, 25)),  # a tall image
    ((310, 360), (150, 180), (20, 30)),  # UW-Madison's near-square scans
])  # fmt: skip
def test_likely_order_on_large_and_small_shapes(order: str, shape: tuple[int, int], centre: tuple[int, int],
                                                radii: tuple[int, int]) -> None:
    assert likely_order([(encode(ellipse(shape, centre, radii), order), shape)]) == order


def test_likely_order_on_thin_shapes() -> None:
    # Severstal's defects: long scratches on 256x1600 steel, thin both ways
    mask = np.zeros((64, 400), np.uint8)
    mask[30:32, 40:300] = 1
    mask[5:60, 350:352] = 1
    for order in ORDERS:
        assert likely_order([(encode(mask, order), (64, 400))]) == order


def test_square_images_cannot_tell() -> None:
    # the wrong order on a square image draws the transposed mask, as compact as the right one
    assert likely_order([(encode(ellipse((40, 40), (10, 25), (6, 12)), "row"), (40, 40))]) is None
    assert likely_order([]) is None


def siim_mask2rle(mask: np.ndarray) -> str:
    """SIIM-ACR's own encoder (its mask_functions.py, as the competition shipped it): column by
    column, each start counted from the previous run's end."""
    runs, last, current, start, length = [], 0, 0, -1, 0
    for x in range(mask.shape[1]):
        for y in range(mask.shape[0]):
            colour = 255 if mask[y, x] else 0
            if colour != last:
                if colour == 255:
                    start, length = current, 1
                else:
                    runs += [str(start), str(length)]
                    start, length, current = -1, 0, 0
            elif start > -1:
                length += 1
            last = colour
            current += 1
    return " ".join(runs)


def test_relative_runs_read_as_siim_acr_wrote_them() -> None:
    """SIIM's decoder adds each start to the previous run's end; an absolute reading of the same
    text goes back, which is how a table tells itself (`relative_runs`)."""
    mask = np.zeros((6, 5), np.uint8)
    mask[1:3, 1] = mask[4, 1] = mask[2:5, 3] = 1
    text = siim_mask2rle(mask)
    assert text == "7 2 1 1 9 3"  # pixels 7-8, then 1 after 9 (10), then 9 after 11 (20-22)
    np.testing.assert_array_equal(decode(text, (6, 5), "column", relative=True), mask)
    assert relative_runs([text, "-1", siim_mask2rle(mask[::-1])])
    assert not relative_runs(["1 3 10 5", "-1"])  # Kaggle's absolute runs
