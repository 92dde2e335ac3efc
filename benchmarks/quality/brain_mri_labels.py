"""Brain MRI: how the labels of the validation block (slices 66-94) differ from the training slices.

The masks come from FreeSurfer's aseg (see the data's PROVENANCE.md): class 2 holds everything
that is not listed as white or gray matter, which includes the brainstem, the ventral diencephalon
and the corpus callosum. Those structures look like white matter in T1 and lie at the midline,
i.e. inside the validation block. This script counts, per slice, the pixels as bright as white
matter (above the 10th percentile of the training slices' white-matter intensities, or a chosen
`--threshold`) that are labelled background, and the white-matter Dice that a model labelling all of
them white would keep at best. No training; a few seconds.

    python benchmarks/quality/brain_mri_labels.py
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

import common

WHITE, BACKGROUND = 0, 2


def load_slices(data: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Slice id -> (image, mask) from the npy-pairs layout MRIs/mri_<i>.npy + Segmentations/segm_<i>.npy."""
    slices = {}
    for image_path in (data / "MRIs").glob("mri_*.npy"):
        match = re.fullmatch(r"mri_(\d+)\.npy", image_path.name)
        if match is None:
            continue
        i = int(match.group(1))
        slices[i] = (np.load(image_path), np.load(data / "Segmentations" / f"segm_{i}.npy"))
    if not slices:
        raise SystemExit(f"no MRIs/mri_<i>.npy slices in {data}")
    return dict(sorted(slices.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=common.SHARED / "brain-mri")
    parser.add_argument("--val-block", type=int, nargs=2, default=[66, 94], metavar=("FIRST", "LAST"))
    parser.add_argument("--threshold", type=float, help="white-matter-bright intensity (default: the training "
                        "slices' 10th percentile of white-matter intensity)")
    parser.add_argument("--every", type=int, default=3, help="print every N-th slice (default: %(default)s)")
    args = parser.parse_args()
    first, last = args.val_block
    slices = load_slices(args.data)
    in_val = {i: first <= i <= last for i in slices}
    threshold = args.threshold
    if threshold is None:
        white = np.concatenate([image[mask == WHITE] for i, (image, mask) in slices.items() if not in_val[i]])
        threshold = float(np.percentile(white, 10))
    counts = {i: (int(((image > threshold) & (mask == BACKGROUND)).sum()), int((mask == WHITE).sum()))
              for i, (image, mask) in slices.items()}

    rows = [[str(i), "val" if in_val[i] else "train", str(bright), str(white),
             common.number(bright / max(bright + white, 1))]
            for i, (bright, white) in counts.items() if i % args.every == 0]
    totals = []
    for split in ("train", "val"):
        bright = sum(b for i, (b, _) in counts.items() if (split == "val") == in_val[i])
        white = sum(w for i, (_, w) in counts.items() if (split == "val") == in_val[i])
        ceiling = 2 * white / (2 * white + bright) if white else float("nan")
        totals.append([split, str(bright), str(white), common.number(bright / max(bright + white, 1)),
                       common.number(ceiling)])
    print(f"### Brain MRI labels: white-matter-bright pixels (> {threshold:.3f}) labelled background\n")
    print(common.table(["slice", "split", "bright, labelled background", "white matter", "share"], rows))
    print()
    print(common.table(["split", "bright, labelled background", "white matter", "share",
                        "white Dice if all of them are called white"], totals))


if __name__ == "__main__":
    main()
