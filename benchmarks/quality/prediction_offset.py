"""Do a trained run's predictions sit where its labels do, or a fraction of a pixel off?

Predicts each image of a split of RUN once (at its original size, as `seglab evaluate`), then
moves the probability map of CLASS by sub-pixel shifts (dy, dx) (bilinear) and scores the
class's Dice at each: the shift that scores best is how far the predictions sit from the labels.
A network that learned its labels in register scores best unshifted; one trained on crops whose
masks were resampled off-centre (torchvision's plain `nearest`, see docs/training.md) scores best
shifted by a fixed amount on every image, training images included. No training.

    python benchmarks/quality/prediction_offset.py /tmp/isbi-cv/fold1 --class membrane
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage  # type: ignore[import-untyped]

import common

BORDER = 4  # pixels left out at each edge, where a shift pulls in copies of the edge


def shift_dice(probs: np.ndarray, truth: np.ndarray, shifts: list[tuple[float, float]]) -> np.ndarray:
    """Per shift: (true positives, predicted, true) pixel counts of the class after moving its
    probability map by that shift and thresholding at 0.5. Shape: probs, truth (H, W) -> (S, 3)."""
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    truth = truth[inner]
    counts = []
    for shift in shifts:
        moved = ndimage.shift(probs, shift, order=1, mode="nearest")[inner] > 0.5
        counts.append([(moved & truth).sum(), moved.sum(), truth.sum()])
    return np.array(counts, dtype=np.float64)


def main() -> None:
    parser = common.class_diagnostic_parser(__doc__, "the class whose predictions are moved")
    parser.add_argument("--reach", type=float, default=0.8, help="largest shift tried, in pixels (default: %(default)s)")
    parser.add_argument("--step", type=float, default=0.2, help="shift step in pixels (default: %(default)s)")
    args = parser.parse_args()

    predictor, k = common.class_predictor(args)
    offsets = np.round(np.arange(-args.reach, args.reach + args.step / 2, args.step), 3) + 0.0  # no -0.0
    shifts = [(float(dy), float(dx)) for dy in offsets for dx in offsets]
    unshifted = shifts.index((0.0, 0.0))

    def dice(counts: np.ndarray) -> np.ndarray:
        return 2 * counts[:, 0] / np.maximum(counts[:, 1] + counts[:, 2], 1)

    total = np.zeros((len(shifts), 3))
    rows = []
    with torch.inference_mode():
        for i, (image, mask) in enumerate(common.labelled_images(args.run, args.split)):
            counts = shift_dice(predictor.predict(image).probs[k], mask == k, shifts)
            total += counts
            scores = dice(counts)
            best = int(scores.argmax())
            rows.append([str(i + 1), f"{shifts[best][0]:+.1f}, {shifts[best][1]:+.1f}",
                         common.number(scores[unshifted]), common.number(scores[best])])
    scores = dice(total)
    best = int(scores.argmax())
    rows.append(["**all**", f"{shifts[best][0]:+.1f}, {shifts[best][1]:+.1f}",
                 common.number(scores[unshifted]), common.number(scores[best])])
    print(f"{args.run} ({args.checkpoint} weights), {args.split} split: Dice of {args.class_name} with its "
          f"predicted probabilities moved by (dy, dx) pixels (+ = down, right)\n")
    print(common.table(["image (in split order)", "best shift (dy, dx)", "Dice unshifted", "Dice at the best shift"], rows))


if __name__ == "__main__":
    main()
