"""Per-class thresholds for a multi-label model, chosen on the validation split (`--tune-thresholds`).

Each class's sigmoid probabilities are counted in `BINS` bins, separately for pixels where the
class is present and absent; every bin edge is a candidate threshold, scored by the Dice it
would give over the whole split, and the best one is kept (the one nearest 0.5 on a tie). The
thresholds go into the best checkpoint's model card, which prediction, evaluation, export and
serve all read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import Tensor, nn

from seglab.engine.feeding import DeviceFeed
from seglab.labelsets import IGNORE, unpack
from seglab.runs.checkpoint import Checkpoint, checkpoint_contents, load_checkpoint, write_checkpoint
from seglab.runs.run_folder import RunFolder

log = logging.getLogger(__name__)

BINS = 100  # candidate thresholds 0.01, 0.02, ... 0.99


@torch.no_grad()
def probability_counts(model: nn.Module, loader: Iterable[dict[str, Any]], num_classes: int,
                       feed: DeviceFeed) -> tuple[Tensor, Tensor]:
    """Per class, how many counted pixels fall in each probability bin where the class is
    present and where it is absent; `feed` brings the batches to the device as in validation.
    The counts stay on the device until the end (one scatter per batch, no boolean indexing),
    so a GPU never waits for the host. Shape: -> (K, BINS) int64 twice."""
    model.eval()
    counts = torch.zeros(num_classes * 2 * BINS, dtype=torch.int64, device=feed.device)
    first_cell = (torch.arange(num_classes, device=feed.device) * 2 * BINS).view(-1, 1)  # class k: present, absent
    for image, mask in feed.batches(loader):
        probs = model(image).float().sigmoid()
        bins = (probs * BINS).long().clamp_(0, BINS - 1).transpose(0, 1).reshape(num_classes, -1)
        truth = unpack(mask, num_classes).transpose(0, 1).reshape(num_classes, -1)
        counted = (mask != IGNORE).reshape(1, -1).expand_as(truth)
        cells = first_cell + (~truth).long() * BINS + bins
        counts.scatter_add_(0, cells.reshape(-1), counted.reshape(-1).long())
    per_class = counts.view(num_classes, 2, BINS).cpu()
    return per_class[:, 0], per_class[:, 1]


def choose_thresholds(present: Tensor, absent: Tensor) -> tuple[float, ...]:
    """The bin edge i / BINS (1 <= i < BINS) with the best Dice per class, nearest 0.5 on a tie.

    A class predicted present from edge i on has TP = present[i:], FP = absent[i:], FN = present[:i].

    Example:
        >>> present = torch.zeros(1, BINS, dtype=torch.int64); present[0, 80] = 10
        >>> absent = torch.zeros(1, BINS, dtype=torch.int64); absent[0, 60] = 10
        >>> choose_thresholds(present, absent)  # any edge in (0.60, 0.80] separates them
        (0.61,)
    """
    chosen = []
    edges = torch.arange(1, BINS)
    for pos, neg in zip(present.double(), absent.double()):
        above_pos = pos.flip(0).cumsum(0).flip(0)[1:]  # pixels in bins >= i, for i = 1..BINS-1
        above_neg = neg.flip(0).cumsum(0).flip(0)[1:]
        below_pos = pos.sum() - above_pos
        dice = 2 * above_pos / (2 * above_pos + above_neg + below_pos).clamp_min(1)
        best = dice.max()
        candidates = edges[dice >= best - 1e-12]
        chosen.append(round(float(candidates[(candidates - BINS / 2).abs().argmin()]) / BINS, 4))
    return tuple(chosen)


def store_thresholds(run: RunFolder, checkpoint: Checkpoint, thresholds: Sequence[float]) -> None:
    """Write `thresholds` into the model card of `checkpoint`, the run's best (weights unchanged)."""
    card = replace(checkpoint.card, extra={**checkpoint.card.extra, "thresholds": list(thresholds)})
    write_checkpoint(run.best, *checkpoint_contents(checkpoint.state_dict, card, checkpoint.training_state,
                                                    checkpoint.info))


def tune_thresholds(run: RunFolder, loader: Iterable[dict[str, Any]], class_names: Sequence[str],
                    feed: DeviceFeed) -> tuple[float, ...]:
    """Choose each class's threshold on `loader` (the validation split) with the best weights
    of `run`, and store them in its best checkpoint's card; logged per class."""
    best = load_checkpoint(run.best)  # read once: the weights to score with, then the file to rewrite
    present, absent = probability_counts(best.load_model(feed.device), loader, len(class_names), feed)
    thresholds = choose_thresholds(present, absent)
    store_thresholds(run, best, thresholds)
    log.info("thresholds tuned on the validation split (Dice per class, stored in %s): %s", run.best,
             ", ".join(f"{name} {t:g}" for name, t in zip(class_names, thresholds)))
    return thresholds
