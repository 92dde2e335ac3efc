"""Would another decision threshold score better than argmax? A diagnostic for a trained run.

Predicts each image of a split of RUN once (at its original size, as `seglab evaluate`), then
labels a pixel CLASS when that class's probability exceeds each threshold (otherwise the most
likely other class) and prints Dice per class, mean Dice, and CLASS's precision, recall and
predicted share against its true share. A model that over- or under-predicts a class shows a
gap between the two shares and a best threshold away from argmax. No training.

    python benchmarks/quality/threshold_sweep.py /tmp/isbi-cv/fold1 --class membrane
    python benchmarks/quality/threshold_sweep.py /tmp/isbi-cv/fold1 --class membrane --split train
"""

from __future__ import annotations

import torch

import common
from seglab.metrics import ConfusionMatrix


def decide(probs: torch.Tensor, k: int, threshold: float) -> torch.Tensor:
    """Class k where its probability exceeds `threshold`, else the most likely other class.

    Shape: probs (K, H, W) -> (H, W) int64.
    """
    others = probs.clone()
    others[k] = -1.0
    return torch.where(probs[k] > threshold, k, others.argmax(0))


def main() -> None:
    parser = common.class_diagnostic_parser(__doc__, "the class whose threshold is swept")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
                        help="probabilities to try (default: %(default)s)")
    args = parser.parse_args()

    predictor, k = common.class_predictor(args)
    names = predictor.classes.names
    ignore = predictor.classes.ignore_index
    matrices = {t: ConfusionMatrix(len(names), ignore) for t in args.thresholds}
    images = 0
    for image, mask in common.labelled_images(args.run, args.split):
        probs = torch.from_numpy(predictor.predict(image).probs)
        truth = torch.from_numpy(mask)
        images += 1
        for threshold, matrix in matrices.items():
            matrix.update(decide(probs, k, threshold), truth)

    # rows of a matrix: truth; columns: prediction. The truth is the same at every threshold.
    any_matrix = next(iter(matrices.values())).matrix
    true_share = float(any_matrix[k].sum() / any_matrix.sum())
    rows = []
    for threshold, matrix in matrices.items():
        scores = matrix.compute()
        predicted_share = float(matrix.matrix[:, k].sum() / matrix.matrix.sum())
        rows.append([f"{threshold:.2f}", *map(common.number, scores.dice), common.number(scores.mean_dice),
                     common.number(scores.precision[k]), common.number(scores.recall[k]), common.number(predicted_share)])
    print(f"{args.run} ({args.checkpoint} weights), {args.split} split, {images} images; "
          f"true share of {args.class_name}: {true_share:.3f}\n")
    print(common.table(["threshold", *(f"Dice {name}" for name in names), "mean Dice",
                        f"precision {args.class_name}", f"recall {args.class_name}", "predicted share"], rows))


if __name__ == "__main__":
    main()
