"""The planner's rules: from a fingerprint, measured speeds and a time budget to a recipe.

Every constant below names the experiments that set it (docs/auto.md has the tables). The rules
were set on ISBI 2012 and brain MRI and checked, unchanged, on CamVid.
"""

from __future__ import annotations

import math
from typing import Any

from seglab.data.checking.fingerprint import Fingerprint
from seglab.planning.plan import Choice, Plan

# Passes over the training pixels a run needs before resolution is given up for more of them.
# ISBI: 20 passes of 256-px patches 0.891 mean Dice, 40 passes 0.893 (fold 0): past 20, passes buy
# little; CamVid: 5 epochs 0.39 mIoU, 40 epochs 0.61: far below 20, they buy everything.
TARGET_PASSES = 20
# Training never shrinks the thinnest class below this width (px): thinner, it vanishes in the
# resize and no epoch count brings it back (CamVid at 96x128: poles 0.85 px wide, IoU 0.03).
MIN_VISIBLE_PX = 1.0
MIN_TRAINING_SIDE = 32  # px: smaller images leave the U-Net's deepest level a pixel or two
SCALES = (1.0, 0.75, 0.5, 0.375, 0.25, 0.1875, 0.125)
# Candidates, larger first, with the peak learning rate their experiments used: unet (7.8M
# parameters) at 2e-3 (CamVid, brain MRI), unet_small (0.47M) at 3e-3 (ISBI, brain MRI as unet_mri).
MODELS = (("unet", 2e-3), ("unet_small", 3e-3))
# Patches: ISBI, 128-px patches 16 per slice and batch 16 beat 256-px (0.885 vs 0.883, 5 folds) and
# whole 512-px slices (overfit, val mIoU 0.70-0.74); 64-px ones no better and data-bound.
PATCH_SIDE = 128
PATCH_BATCH = 16
WHOLE_BATCH = 8
PATCH_FROM_PIXELS = 4 * PATCH_SIDE**2  # images at least 256x256 (in area) at the training scale
# Alignment above which images count as registered: no geometric augmentation and no patches,
# since position is a cue (brain MRI, alignment 0.21: no augmentation 0.833/0.853 Dice white/gray,
# light 0.813/0.856); ISBI (0.01): light 0.891, none 0.888 (fold 0).
ALIGNED = 0.15
# Schedule: one-cycle, a rise to the peak over the first 30% of the steps, then down to near 0.
# Found on CamVid (val mIoU 0.643 against 0.599 with cosine from the peak, the plan otherwise the
# same) and on seglab demo's shapes (test mIoU 0.84-0.86 over three seeds; cosine from the same
# peak stuck at 0.28); checked on the datasets that set the other rules: brain MRI 0.947/0.899
# white/gray Dice (cosine 0.945/0.895), ISBI 5-fold mean Dice 0.8875 (cosine 0.8868).
SCHEDULE = "onecycle"
# Share of the budget spent in training steps: the rest is data loading, validation, checkpoints.
EFFICIENCY = 0.8
VALIDATION_SPEEDUP = 3.0  # a forward pass costs about a third of a training step
DEFAULT_BUDGET = {"cpu": 15 * 60.0, "cuda": 10 * 60.0}


def default_budget(device_type: str) -> tuple[float, str]:
    seconds = DEFAULT_BUDGET.get(device_type, DEFAULT_BUDGET["cpu"])
    return seconds, f"seglab's default on {device_type.upper() if device_type == 'cuda' else 'a CPU'}; " \
        "--time-budget sets another"


def plan_recipe(fp: Fingerprint, speeds: dict[str, float], budget: float, budget_reason: str,
                val_images: int, machine: dict[str, Any], given: dict[str, Any] | None = None) -> Plan:
    """The recipe for `fp` on a machine training `speeds` (pixels per second per model).

    Args:
        speeds: the candidate networks in order of preference (larger first), timed: those of
            MODELS, or only the user's network.
        val_images: validation images scored every epoch (their cost counts against the budget).
        given: the user's dotted overrides; the plan keeps their size and patch size and plans
            the rest around them (their values win in the final config anyway).
    """
    given = given or {}
    pixels = fp.median_pixels
    train_pixels, val_pixels = fp.num_images * pixels, val_images * pixels

    def passes(model: str, scale: float) -> float:
        seconds_per_pass = scale**2 * (train_pixels + val_pixels / VALIDATION_SPEEDUP) / speeds[model]
        return budget * EFFICIENCY / seconds_per_pass

    floor, floor_reason = _scale_floor(fp)
    candidates = [(name, dict(MODELS).get(name)) for name in speeds]
    allowed = [s for s in SCALES if s >= floor - 1e-9] or [1.0]
    if "data.size" in given:  # None: native size (`--size native`), each image at its own scale
        allowed = [1.0 if given["data.size"] is None else min(given["data.size"][0] / fp.median_size[0], 1.0)]
    model, lr, scale, fits = _fastest_fit(candidates, allowed, passes)
    planned = passes(model, scale)

    size = None if fp.sizes == 1 and scale == 1.0 else (round(fp.median_size[0] * scale),
                                                         round(fp.median_size[1] * scale))
    scaled_pixels = round(pixels * scale**2)
    aligned = fp.alignment >= ALIGNED
    patch = tuple(given.get("data.patch_size") or (PATCH_SIDE, PATCH_SIDE))
    patches = given.get("data.patch_size") is not None or (not aligned and scaled_pixels >= PATCH_FROM_PIXELS)
    basis_size = {"median_size": list(fp.median_size), "sizes": fp.sizes, "scale": scale}
    choices = [
        Choice("model.name", model, _model_reason(model, scale, fits, candidates), {
            "speeds_px_per_s": {m: round(speed) for m, speed in speeds.items()},
            "passes_at_scale": round(planned, 1), "target_passes": TARGET_PASSES}),
        Choice("data.size", size, _size_reason(size, scale, floor, floor_reason, fp), basis_size),
    ]
    if patches:
        per_image = max(1, round(scaled_pixels / (patch[0] * patch[1])))
        choices += [
            Choice("data.patch_size", (PATCH_SIDE, PATCH_SIDE),
                   f"images of {scaled_pixels / 1e3:.0f} kpx at the training scale, not in register: small "
                   "crops generalise better than whole images", {"alignment": fp.alignment}),
            Choice("data.samples_per_image", per_image, f"one crop per {patch[0]}x{patch[1]} of image and epoch: "
                   "every pixel seen about once per pass", {"scaled_pixels": scaled_pixels}),
            Choice("train.batch_size", PATCH_BATCH, "128-px crops: 16 per step", {}),
        ]
    else:
        why = "images in register: whole images keep position as a cue" if aligned else \
            f"images of {scaled_pixels / 1e3:.0f} kpx at the training scale: whole images"
        choices += [
            Choice("data.patch_size", None, why, {"alignment": fp.alignment, "scaled_pixels": scaled_pixels}),
            Choice("data.samples_per_image", 1, "whole images: one view per epoch", {}),
            Choice("train.batch_size", WHOLE_BATCH, "whole images: 8 per step", {}),
        ]
    choices.append(Choice(
        "data.augment", "none" if aligned else "light",
        f"alignment {fp.alignment:.2f} {'>=' if aligned else '<'} {ALIGNED}: "
        + ("images in register (classes keep their places), where flips and zooms make images the data "
           "never shows" if aligned else "structures anywhere: flips, mild zooms and intensity changes"),
        {"alignment": fp.alignment}))
    if lr is not None:
        choices.append(Choice("train.lr", lr, f"the peak learning rate {model}'s experiments used", {}))
    if "train.epochs" in given and "train.time_budget" not in given:
        choices.append(Choice("train.time_budget", None, "your --epochs sets the length; no budget", {}))
    else:
        choices.append(Choice("train.time_budget", budget, "epochs and the schedule re-planned at every "
                              "epoch's end to end on it", {}))
    rarest = {"rarest_share": min((c.pixel_share for c in fp.classes), default=0.0)}
    choices += [
        Choice("train.schedule", SCHEDULE, "one-cycle: up to the peak over the first 30% of the steps, then down; "
               "cosine from the peak started slowly (CamVid 0.60 against 0.64 val mIoU)", {}),
        Choice("loss.name", "ce_dice", "cross-entropy plus Dice: CE alone was within 0.002 on ISBI, Dice keeps "
               "rare classes in the gradient", rarest),
        Choice("loss.class_weights", None, "none: no experiment here showed weights gaining (--class-weights auto "
               "to try)", rarest),
        Choice("data.rare_class_crops", 0.0, "none: no experiment here showed them gaining (--rare-class-crops P "
               "to try)", rarest),
    ]
    return Plan(tuple(choices), fp, budget, budget_reason, machine, planned).with_user_values(given)


def _scale_floor(fp: Fingerprint) -> tuple[float, str]:
    """The smallest training scale: the thinnest class stays MIN_VISIBLE_PX wide, images
    MIN_TRAINING_SIDE px."""
    side_floor = min(1.0, MIN_TRAINING_SIDE / max(fp.min_side, 1))
    thinnest = fp.thinnest
    if thinnest is None:
        return side_floor, "no class to keep visible"
    width_floor = min(1.0, MIN_VISIBLE_PX / thinnest.width)
    reason = f"'{thinnest.name}' is {thinnest.width:.1f} px wide: below scale {width_floor:.2g} it vanishes"
    return max(side_floor, width_floor), reason


def _fastest_fit(candidates: list[tuple[str, float | None]], scales: list[float],
                 passes: Any) -> tuple[str, float | None, float, bool]:
    """The highest scale at which some candidate fits TARGET_PASSES, the larger model on a tie;
    when none fits even at the floor, the fastest model there."""
    for scale in scales:
        for model, lr in candidates:
            if passes(model, scale) >= TARGET_PASSES:
                return model, lr, scale, True
    model, lr = max(candidates, key=lambda c: passes(c[0], scales[-1]))
    return model, lr, scales[-1], False


def _model_reason(model: str, scale: float, fits: bool, candidates: list[tuple[str, Any]]) -> str:
    if len(candidates) == 1:
        return "your model"
    if not fits:
        return f"the fastest: even at the smallest scale no network fits {TARGET_PASSES} passes in the budget"
    if model == candidates[0][0]:
        return f"the largest network that fits {TARGET_PASSES} passes at scale {scale:g}"
    return f"fits {TARGET_PASSES} passes at scale {scale:g}, where the larger network does not"


def _size_reason(size: Any, scale: float, floor: float, floor_reason: str, fp: Fingerprint) -> str:
    if size is None:
        return "native size: the budget fits it"
    if math.isclose(scale, 1.0):
        return f"images come in {fp.sizes} sizes: all resized to the median"
    return f"scale {scale:g}: the highest that fits the budget; floor {floor:.2g} ({floor_reason})"
