"""A 2.5D copy of a stack of slices: each image gets its neighbouring sections as extra channels.

ISBI 2012's 30 slices are consecutive serial sections, and the brain-MRI slices are consecutive
sagittal slices of one head, so the slices on either side show where an oblique membrane or a
cortical fold continues. This script writes a copy of such a data set whose image N holds the
slices (N - step, N, N + step) as three channels, in the slices' order (the number at the end of
each pair's name), repeating the first and last slice at the ends; the masks are copied
unchanged. The other slices are inputs only (their masks are never read for slice N), so a
held-out slice's label stays held out. PNG slices become RGB PNGs, .npy slices (H, W, 3) arrays.
Train on the copy with the quality scripts' `--data OUT`. No training here; a few seconds.

    python benchmarks/quality/neighbour_channels.py --out /tmp/isbi-neighbours
    python benchmarks/quality/isbi_cv.py --only 1 --workers 0 --data /tmp/isbi-neighbours --out /tmp/bench/neighbours
    python benchmarks/quality/neighbour_channels.py --data ../shared/data/brain-mri --out /tmp/mri-neighbours
    python benchmarks/quality/brain_mri.py --augment light --workers 0 --data /tmp/mri-neighbours --out /tmp/bench/mri-neighbours
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

import common
from seglab.data import Pair, discover, read_image


def neighbour_stack(sections: list[np.ndarray], index: int, step: int) -> np.ndarray:
    """(H, W, 3): the sections at index - step, index and index + step, clamped to the stack."""
    last = len(sections) - 1
    return np.stack([sections[max(index - step, 0)], sections[index], sections[min(index + step, last)]], axis=-1)


def slice_number(pair: Pair) -> int:
    """The number that ends a pair's name (ISBI '7', brain MRI 'mri_7'): its place in the stack."""
    match = re.search(r"(\d+)$", pair.name)
    if match is None:
        raise SystemExit(f"'{pair.name}' ({pair.image}) does not end in a slice number")
    return int(match.group(1))


def write_image(array: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npy":
        np.save(path, array)
    elif array.dtype == np.uint8:
        Image.fromarray(array).save(path)
    else:
        raise SystemExit(f"cannot write {array.dtype} slices as {path.suffix}: only uint8 images or .npy arrays")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=common.SHARED / "isbi2012",
                        help="a data set of consecutive slices (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the 3-channel copy to")
    parser.add_argument("--step", type=int, default=1, help="distance of the neighbours, in slices (default: %(default)s)")
    args = parser.parse_args()
    pairs = sorted(discover(args.data, "auto").pairs, key=slice_number)
    if not pairs:
        raise SystemExit(f"no image/mask pairs in {args.data}")
    numbers = [slice_number(pair) for pair in pairs]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise SystemExit(f"the slices of {args.data} are not consecutive: {numbers}")
    sections = []
    for pair in pairs:
        image = read_image(pair.image)
        if image.shape[2] != 1:
            raise SystemExit(f"{pair.image} has {image.shape[2]} channels; expected single-channel slices")
        sections.append(image[..., 0])
    for i, pair in enumerate(pairs):
        write_image(neighbour_stack(sections, i, args.step), args.out / pair.image.relative_to(args.data))
        mask = args.out / pair.mask.relative_to(args.data)
        mask.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pair.mask, mask)
    print(f"wrote {len(pairs)} 3-channel slices (slices i-{args.step}, i, i+{args.step}) of {args.data} to {args.out}")


if __name__ == "__main__":
    main()
