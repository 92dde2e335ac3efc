"""The planner's rules on fingerprints and speeds chosen so each rule's answer is known."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from seglab.config import TrainConfig
from seglab.data.checking.fingerprint import ClassPrint, Fingerprint
from seglab.engine.builders import build_scheduler
from seglab.planning.plan import FROM_USER
from seglab.planning.rules import ALIGNED, MIN_VISIBLE_PX, PATCH_SIDE, TARGET_PASSES, plan_recipe

MACHINE = {"device": "cpu", "precision": "fp32", "speeds": {}}


def dataset(size: tuple[int, int] = (512, 512), images: int = 24, thin_width: float = 7.6,
            alignment: float = 0.01) -> Fingerprint:
    classes = (ClassPrint("membrane", 0.22, 1.0, thin_width, 5e4), ClassPrint("cell", 0.78, 1.0, 27.5, 5e3))
    return Fingerprint(num_images=images, median_size=size, min_side=min(size), max_side=max(size), sizes=1,
                       channels=1, dtype="uint8", mean=(0.5,), std=(0.2,), classes=classes, alignment=alignment,
                       multilabel=False, masks_measured=images)



def test_a_fast_machine_trains_the_larger_network_at_native_size() -> None:
    plan = plan_recipe(dataset(), {"unet": 1e8, "unet_small": 4e8}, 600, "test", 0, MACHINE)
    assert plan.value("model.name") == "unet" and plan.value("data.size") is None
    assert plan.planned_passes >= TARGET_PASSES


def test_a_slow_machine_takes_the_small_network_before_lowering_the_resolution() -> None:
    fp = dataset()
    pixels = fp.num_images * fp.median_pixels
    budget = 600.0
    small = TARGET_PASSES * pixels / (budget * 0.8) * 1.1  # unet_small just fits at native size
    plan = plan_recipe(fp, {"unet": small / 4, "unet_small": small}, budget, "test", 0, MACHINE)
    assert plan.value("model.name") == "unet_small" and plan.value("data.size") is None
    assert "larger network does not" in plan.choices[0].reason


def test_resolution_drops_to_fit_but_never_below_the_thinnest_class() -> None:
    fp = dataset(size=(400, 400), thin_width=2.0)  # thinnest class 2 px: scale floor 0.5
    slow = {"unet": 1e3, "unet_small": 4e3}  # nothing fits
    plan = plan_recipe(fp, slow, 600, "test", 0, MACHINE)
    assert plan.value("data.size") == (200, 200)
    assert plan.value("model.name") == "unet_small"  # the faster one when nothing fits
    assert plan.planned_passes < TARGET_PASSES
    assert "vanishes" in plan.choices[1].reason
    assert 2.0 * 0.5 >= MIN_VISIBLE_PX


def test_unaligned_large_images_train_on_patches_aligned_ones_whole_and_unaugmented() -> None:
    fast = {"unet": 1e9, "unet_small": 4e9}
    scattered = plan_recipe(dataset(alignment=0.0), fast, 600, "test", 0, MACHINE)
    assert scattered.value("data.patch_size") == (PATCH_SIDE, PATCH_SIDE)
    assert scattered.value("data.samples_per_image") == 512 * 512 // PATCH_SIDE**2
    assert scattered.value("train.batch_size") == 16 and scattered.value("data.augment") == "light"
    registered = plan_recipe(dataset(alignment=ALIGNED + 0.05), fast, 600, "test", 0, MACHINE)
    assert registered.value("data.patch_size") is None and registered.value("data.samples_per_image") == 1
    assert registered.value("data.augment") == "none"
    small = plan_recipe(dataset(size=(96, 128)), fast, 600, "test", 0, MACHINE)
    assert small.value("data.patch_size") is None  # small images stay whole


def test_mixed_sizes_are_resized_to_the_median() -> None:
    fp = replace(dataset(size=(375, 500)), sizes=37)
    plan = plan_recipe(fp, {"unet": 1e9, "unet_small": 4e9}, 600, "test", 0, MACHINE)
    assert plan.value("data.size") == (375, 500)


def test_the_users_flags_win_and_are_marked(tmp_path: Path) -> None:
    given = {"model.name": "unet", "train.epochs": 3, "data.augment": "strong"}
    plan = plan_recipe(dataset(), {"unet": 1e3}, 600, "test", 0, MACHINE, given)
    assert plan.value("model.name") == "unet"
    assert plan.value("data.augment") == "strong"
    augment = next(c for c in plan.choices if c.key == "data.augment")
    assert augment.source == FROM_USER and "light" in augment.reason  # what the plan would have chosen
    assert plan.value("train.time_budget") is None  # --epochs without --time-budget: the epochs decide
    lines = plan.explain()
    assert len(lines) <= 30 and any(line.startswith(" *data.augment") for line in lines)
    plan.save(tmp_path / "plan.json")
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert {c["key"]: c["source"] for c in saved["choices"]}["data.augment"] == FROM_USER
    assert saved["fingerprint"]["classes"][0]["name"] == "membrane"


def test_native_size_given_is_planned_around_at_scale_one() -> None:
    """`--size native` on a slow machine: the patches and batch were planned for the scale the
    budget fits (ISBI at 0.375: 'images of 37 kpx: whole images') while the images trained at 512x512."""
    slow = {"unet": 1e4, "unet_small": 4e4}
    plan = plan_recipe(dataset(), slow, 600, "test", 0, MACHINE, {"data.size": None})
    assert plan.value("data.size") is None and plan.value("data.patch_size") == (PATCH_SIDE, PATCH_SIDE)
    assert plan.value("data.samples_per_image") == 512 * 512 // PATCH_SIDE**2


def test_validation_counts_against_the_budget() -> None:
    speeds = {"unet": 1e6, "unet_small": 4e6}
    without = plan_recipe(dataset(), speeds, 600, "test", 0, MACHINE)
    with_val = plan_recipe(dataset(), speeds, 600, "test", 24, MACHINE)
    assert with_val.planned_passes < without.planned_passes
    assert with_val.planned_passes == pytest.approx(without.planned_passes * 3 / 4)  # val at a third of the cost


def test_crops_per_image_follow_the_users_patch_size() -> None:
    given = {"data.patch_size": (64, 64)}
    plan = plan_recipe(dataset(alignment=0.5), {"unet": 1e9, "unet_small": 4e9}, 600, "test", 0, MACHINE, given)
    assert plan.value("data.patch_size") == (64, 64)  # patches although aligned: the user asked
    assert plan.value("data.samples_per_image") == 512 * 512 // (64 * 64)


def test_the_planned_schedule_warms_up_to_the_peak_then_anneals() -> None:
    plan = plan_recipe(dataset(), {"unet": 1e8, "unet_small": 4e8}, 600, "test", 0, MACHINE)
    peak = plan.value("train.lr")
    cfg = TrainConfig(epochs=10, lr=peak, schedule=plan.value("train.schedule"))
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    scheduler = build_scheduler(optimizer, cfg, steps_per_epoch=10)
    rates = []
    for _ in range(100):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] < 0.1 * peak  # starts low: cosine from the peak stalled on CamVid and the demo
    assert 25 <= max(range(100), key=rates.__getitem__) <= 35 and max(rates) == pytest.approx(peak, rel=1e-3)
    assert rates[-1] < 0.01 * peak
