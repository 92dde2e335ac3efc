"""Brain MRI: where in the validation block a trained run's errors sit, slice band by slice band.

Scores a run of `brain_mri.py` (val = a contiguous block of slices) on its val split, as `seglab
evaluate` does (each slice predicted at its size, no TTA), grouped into bands of `--band`
consecutive slices: Dice per class, and the pixels of each kind of error (truth -> prediction).
The outer bands of the block are the slices most like the training slices; the central ones hold
the midline structures (brainstem, corpus callosum) that the masks label background. No training;
under a minute.

    python benchmarks/quality/brain_mri_slices.py /tmp/brain-mri/run --checkpoint best
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import torch

import common
from seglab.data import read_image, read_mask
from seglab.evaluation.scoring import pairs_to_evaluate
from seglab.inference.predictor import Predictor
from seglab.metrics import ConfusionMatrix
from seglab.runs.run_folder import RunFolder


def slice_confusions(run: Path, checkpoint: str) -> tuple[dict[int, torch.Tensor], tuple[str, ...]]:
    """Slice id -> confusion counts (rows truth, columns prediction) over the run's val split."""
    predictor = Predictor.from_run(run, checkpoint=checkpoint)
    pairs, _, mapping = pairs_to_evaluate(RunFolder.open(run), None, "val")
    confusions = {}
    for pair in pairs:
        match = re.search(r"(\d+)$", pair.name)
        if match is None:
            raise SystemExit(f"'{pair.name}' has no slice number at the end of its name")
        confusion = ConfusionMatrix(predictor.classes.num_classes, predictor.classes.ignore_index)
        confusion.update(torch.from_numpy(predictor.predict(read_image(pair.image)).mask),
                         torch.from_numpy(read_mask(pair.mask, mapping)))
        confusions[int(match.group(1))] = confusion.matrix
    return dict(sorted(confusions.items())), predictor.classes.names


def summed(matrices: list[torch.Tensor]) -> ConfusionMatrix:
    """One ConfusionMatrix holding the sum of per-slice counts, to score a band of slices."""
    confusion = ConfusionMatrix(len(matrices[0]))
    confusion.matrix = torch.stack(matrices).sum(0)
    return confusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a run folder of `brain_mri.py` (val = a contiguous block of slices)")
    parser.add_argument("--checkpoint", choices=common.CHECKPOINTS, default="best",
                        help="which weights to score (default: %(default)s)")
    parser.add_argument("--band", type=int, default=5, help="slices per band (default: %(default)s)")
    args = parser.parse_args()
    confusions, names = slice_confusions(args.run, args.checkpoint)
    ids = list(confusions)
    bands = [ids[i:i + args.band] for i in range(0, len(ids), args.band)]
    errors = [(t, p) for t in range(len(names)) for p in range(len(names)) if t != p]
    rows = []
    for band in [*bands, ids]:
        total = summed([confusions[i] for i in band])
        label = f"{band[0]}-{band[-1]}" if band is not ids else "**all**"
        rows.append([label, *map(common.number, total.compute().dice),
                     *(str(int(total.matrix[t, p])) for t, p in errors)])
    print(f"### {args.run}: val slices by band ({args.checkpoint} weights)\n")
    print(common.table(["slices", *(f"Dice {n}" for n in names), *(f"{names[t]} -> {names[p]}" for t, p in errors)],
                       rows))


if __name__ == "__main__":
    main()
