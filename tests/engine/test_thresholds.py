"""Per-class threshold choice, worked out by hand on small histograms."""

from __future__ import annotations

import torch

from seglab.engine.thresholds import BINS, choose_thresholds


def counts(*bins_and_pixels: tuple[int, int]) -> torch.Tensor:
    row = torch.zeros(BINS, dtype=torch.int64)
    for b, n in bins_and_pixels:
        row[b] += n
    return row


def test_each_class_gets_the_threshold_with_the_best_dice():
    # class 0: present pixels at p = 0.30 (bin 30), absent ones at p = 0.10 -> any edge in (0.10, 0.30]
    # separates them; the one nearest 0.5 is 0.30
    # class 1: 10 present at 0.9 and 10 at 0.45, 30 absent at 0.40:
    #   edge 0.41..0.45 -> TP 20, FP 0,  FN 0  -> Dice 1; edge 0.46..0.90 -> TP 10, FN 10 -> 2/3
    present = torch.stack([counts((30, 5)), counts((90, 10), (45, 10))])
    absent = torch.stack([counts((10, 20)), counts((40, 30))])
    assert choose_thresholds(present, absent) == (0.30, 0.45)


def test_a_class_never_present_falls_back_to_one_half():
    # no true pixels: Dice is 0 wherever something is predicted, 0 (0/0 -> 0) elsewhere: every edge ties
    # at 0 below 0.8 and predicting nothing (edges above 0.8) also scores 0, so the tie goes to 0.5
    present = counts().unsqueeze(0)
    absent = counts((80, 100)).unsqueeze(0)
    assert choose_thresholds(present, absent) == (0.5,)


def test_probabilities_are_counted_per_class_bin_and_presence_skipping_ignored_pixels():
    """Hand-made: 2 classes, 4 pixels, logits chosen so each lands in a known bin."""
    from seglab.engine.feeding import DeviceFeed
    from seglab.engine.thresholds import probability_counts
    from seglab.labelsets import IGNORE

    probs = torch.tensor([[0.105, 0.905, 0.505, 0.995], [0.255, 0.255, 0.755, 0.015]])  # (K, pixels)
    logits = torch.logit(probs).view(1, 2, 2, 2)
    mask = torch.tensor([[[1, 3], [2, IGNORE]]])  # bit sets: {0}, {0, 1}, {1}, ignored
    class Fixed(torch.nn.Module):
        def forward(self, image: torch.Tensor) -> torch.Tensor:
            return logits

    present, absent = probability_counts(Fixed(), [{"image": torch.zeros(1, 1, 2, 2), "mask": mask}], 2,
                                         DeviceFeed(torch.device("cpu")))
    expected_present = torch.zeros(2, BINS, dtype=torch.int64)
    expected_absent = torch.zeros(2, BINS, dtype=torch.int64)
    expected_present[0, 10] = expected_present[0, 90] = 1  # class 0 present at pixels 0 and 1
    expected_absent[0, 50] = 1  # pixel 2; pixel 3 is ignored
    expected_present[1, 25] = expected_present[1, 75] = 1  # class 1 present at pixels 1 and 2
    expected_absent[1, 25] = 1  # pixel 0
    assert torch.equal(present, expected_present) and torch.equal(absent, expected_absent)
