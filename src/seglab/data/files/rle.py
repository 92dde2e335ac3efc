"""Run-length encoded masks as Kaggle's segmentation competitions ship and score them.

A mask is a string of "start length" pairs: 1-based pixel numbers of the flattened image and
run lengths ("1 3 10 5" covers pixels 1-3 and 10-14); SIIM-ACR's pneumothorax masks count each
start from the previous run's end instead ("0 3 6 5": pixels 0-2 and 9-13, 0-based;
`relative_runs` tells such a table). Competitions flatten in one of two
orders: column-major, "top to bottom, then left to right" (Airbus Ship Detection, Severstal,
TGS Salt, HuBMAP, Understanding Clouds), or row-major (Carvana, Sartorius, UW-Madison GI
Tract). Nothing in the string says which, so `likely_order` tells them apart by the shapes they
draw: read in the wrong order, a blob's runs land sheared across lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ORDERS = ("column", "row")
EMPTY_TEXTS = ("", "-1", "nan")  # no pixel: an empty cell, SIIM's " -1", pandas' NaN written out
_CLEARER_SHARE = 0.25  # the chosen order's share of runs touching a neighbour line's is this much higher
_CLEARER = 0.8  # else its edge count is below this share of the other's


class RleError(ValueError):
    """A run-length string that no reading makes a mask of this size (the message says why)."""


def parse_runs(text: str, relative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 0-based starts and the lengths of `text`'s runs; empty arrays for an empty mask. With
    `relative`, SIIM-ACR's encoding: each start counts from the previous run's end (the first
    from pixel 0), as its `mask2rle` writes them.

    Raises:
        RleError: not whole numbers, an odd count, a start below 1 (below 0 relative), a length
            below 1, or starts that do not increase.
    """
    if text.strip().lower() in EMPTY_TEXTS:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    words = text.split()
    odd = next((w for w in words if not (w.isascii() and w.isdigit())), None)
    if odd is not None:
        raise RleError(f"'{odd[:20]}' is not a whole number; a run-length mask is 'start length' pairs")
    try:
        numbers = np.array(words, dtype=np.int64)
    except OverflowError:
        raise RleError(f"a number beyond any image's pixel count ({max(words, key=len)[:30]})") from None
    if numbers.size % 2:
        raise RleError(f"{numbers.size} numbers, not 'start length' pairs")
    starts, lengths = numbers[0::2] - 1, numbers[1::2]
    if relative:  # start k = the end of run k - 1 + its gap: gaps and lengths summed
        gaps = numbers[0::2]
        if gaps.min() < 0 or lengths.min() < 1:
            raise RleError("relative starts count from 0 and lengths from 1; found "
                           + (f"gap {gaps.min()}" if gaps.min() < 0 else f"length {lengths.min()}"))
        starts = np.cumsum(gaps) + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    if starts.min() < 0 or lengths.min() < 1:
        raise RleError("starts count from 1 and lengths from 1; found "
                       + (f"start {starts.min() + 1}" if starts.min() < 0 else f"length {lengths.min()}"))
    if (starts[1:] < starts[:-1] + lengths[:-1]).any():
        raise RleError("runs overlap or go back; starts must increase")
    return starts, lengths


def relative_runs(texts: Sequence[str]) -> bool:
    """Whether a table's runs count each start from the previous run's end (SIIM-ACR's
    encoding): some go back when read as Kaggle's absolute starts, as no absolute encoding does,
    and every one reads relative."""
    def reads(text: str, relative: bool) -> bool:
        try:
            parse_runs(text, relative)
        except RleError:
            return False
        return True

    return any(not reads(t, False) for t in texts) and all(reads(t, True) for t in texts)  # absolute tables: one pass


def paint(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, value: int) -> int:
    """Set the runs' pixels of `flat` (a mask flattened in the runs' order) to `value`; return
    how many already held another non-zero value (pixels two classes claim).

    Raises:
        RleError: a run that ends beyond the image.
    """
    if starts.size and starts[-1] + lengths[-1] > flat.size:
        raise RleError(f"a run ends at pixel {starts[-1] + lengths[-1]}, beyond the image's {flat.size} pixels: "
                       "the image is another size than the one encoded")
    marks = np.zeros(flat.size + 1, np.int8)
    marks[starts] += 1  # starts increase, and so do ends: each assignment touches a pixel once
    marks[starts + lengths] -= 1
    covered = np.cumsum(marks[:-1], dtype=np.int8) > 0
    clashes = int(np.count_nonzero(covered & (flat != 0) & (flat != value)))
    flat[covered] = value
    return clashes


def unflatten(flat: np.ndarray, shape: tuple[int, int], order: str) -> np.ndarray:
    """The (H, W) mask of pixels flattened in `order`."""
    return flat.reshape(shape) if order == "row" else np.ascontiguousarray(flat.reshape(shape[::-1]).T)


def decode(text: str, shape: tuple[int, int], order: str = "column", relative: bool = False) -> np.ndarray:
    """The (H, W) uint8 mask of `text`: 1 on its runs, 0 elsewhere.

    Raises:
        RleError: see `parse_runs` and `paint`.
    """
    flat = np.zeros(shape[0] * shape[1], np.uint8)
    paint(flat, *parse_runs(text, relative), 1)
    return unflatten(flat, shape, order)


def encode(mask: np.ndarray, order: str = "column") -> str:
    """The run-length string of a binary (H, W) mask (non-zero = on), as competitions score it."""
    flat = (np.asarray(mask).T if order == "column" else np.asarray(mask)).reshape(-1) != 0
    edges = np.flatnonzero(np.diff(np.concatenate([[False], flat, [False]]).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    return " ".join(f"{s + 1} {e - s}" for s, e in zip(starts.tolist(), ends.tolist()))


def likely_order(samples: Sequence[tuple[str, tuple[int, int]]], relative: bool = False) -> str | None:
    """The order in which `samples` (run-length strings with their image's (H, W), starts
    `relative` or not) draw coherent
    shapes, or None when they cannot tell: square images (the wrong order gives the transposed
    mask, as coherent as the right one) or no clear difference.

    Read in the right order, a shape's runs continue on the next scan line; read in the wrong
    one, they land shifted by the other side's length, line after line. The order whose runs
    clearly more often touch a run of a neighbouring line wins; when both look alike (runs so
    long that they wrap whole lines either way), the order with clearly fewer edges between on
    and off pixels does.
    """
    touching = {order: 0.0 for order in ORDERS}
    edges = {order: 0 for order in ORDERS}
    runs = 0
    for text, shape in samples:
        if shape[0] == shape[1]:
            continue
        starts, lengths = parse_runs(text, relative)
        runs += starts.size
        flat = np.zeros(shape[0] * shape[1], np.uint8)
        try:
            paint(flat, starts, lengths, 1)  # the same pixels in either order: only the unflattening differs
            fits = True
        except RleError:
            fits = False  # runs beyond the image fit neither order, which gains nothing
        for order in ORDERS:
            touching[order] += _touching_runs(starts, lengths, shape[1] if order == "row" else shape[0])
            edges[order] += _edge_count(unflatten(flat, shape, order)) if fits else shape[0] * shape[1]
    if not runs:
        return None
    column, row = touching["column"] / runs, touching["row"] / runs
    if abs(column - row) >= _CLEARER_SHARE:
        return "column" if column > row else "row"
    column, row = edges["column"], edges["row"]
    if column < _CLEARER * row:
        return "column"
    if row < _CLEARER * column:
        return "row"
    return None


def _touching_runs(starts: np.ndarray, lengths: np.ndarray, line: int) -> int:
    """How many runs touch a run on the scan line above or below (lines `line` pixels long), or
    wrap onto the next line themselves."""
    ends = starts + lengths
    wraps = (ends - 1) // line != starts // line
    touching = wraps.copy()
    for shift in (-line, line):
        first = np.searchsorted(ends, starts + shift, side="right")  # the first run ending after this one's start
        found = first < starts.size
        touching[found] |= starts[first[found]] < ends[found] + shift
    return int(np.count_nonzero(touching))


def _edge_count(mask: np.ndarray) -> int:
    on = mask != 0
    return int(np.count_nonzero(on[1:] != on[:-1]) + np.count_nonzero(on[:, 1:] != on[:, :-1]))
