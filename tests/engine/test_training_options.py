"""Warmup schedules, early stopping, automatic class weights and their config/CLI surface."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from seglab import config
from seglab.cli import build_config, build_parser
from seglab.data.loading.prepare import prepare_data
from seglab.engine.builders import build_scheduler, lr_factor, resolve_class_weights
from seglab.engine.callbacks import EarlyStopping
from seglab.engine.trainer import Callback, Trainer, clip_gradients
from seglab.errors import ConfigError
from seglab.losses import CrossEntropyLoss, class_weights_from_counts


def schedule_lrs(steps_per_epoch: int = 2, **train: object) -> list[float]:
    cfg = config.TrainConfig(epochs=4, lr=1.0, **train)  # type: ignore[arg-type]
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = build_scheduler(optimizer, cfg, steps_per_epoch)
    lrs = []
    for _ in range(cfg.epochs * steps_per_epoch):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return lrs


def test_warmup_rises_linearly_then_cosine_falls() -> None:
    lrs = schedule_lrs(warmup_epochs=1, schedule="cosine")  # 2 warmup steps of 8
    assert lrs[:2] == pytest.approx([0.5, 1.0])
    # then cosine over the remaining 6 steps: 0.01 + 0.99 * (1 + cos(pi * k / 6)) / 2
    assert lrs[2:] == pytest.approx([0.01 + 0.495 * (1 + math.cos(math.pi * k / 6)) for k in range(6)])


def test_warmup_then_constant_and_no_warmup_unchanged() -> None:
    assert schedule_lrs(warmup_epochs=2, schedule="constant") == pytest.approx([0.25, 0.5, 0.75, 1, 1, 1, 1, 1])
    assert schedule_lrs(schedule="constant") == [1.0] * 8
    assert [lr_factor(s, 8) for s in (0, 4, 8, 20)] == pytest.approx([1.0, 0.505, 0.01, 0.01])


def test_warmup_sets_the_rising_phase_of_one_cycle() -> None:
    lrs = schedule_lrs(steps_per_epoch=10, warmup_epochs=1, schedule="onecycle")
    assert max(range(len(lrs)), key=lrs.__getitem__) in (9, 10)  # peak after 10 of 40 steps
    assert max(range(len(lrs)), key=schedule_lrs(steps_per_epoch=10, schedule="onecycle").__getitem__) == 12


@pytest.mark.parametrize("warmup", [-1, 4])
def test_warmup_must_fit_in_the_run(warmup: int) -> None:
    with pytest.raises(ConfigError, match="warmup_epochs"):
        schedule_lrs(warmup_epochs=warmup)


def run_early_stopping(scores: list[float], patience: int, history: list[dict] | None = None) -> int:
    """Feed val_miou scores to the callback; the epoch at which it asks to stop (0: never)."""
    trainer = SimpleNamespace(history=list(history or []), should_stop=False)
    callback = EarlyStopping(patience)
    callback.on_fit_start(trainer)  # type: ignore[arg-type]
    for epoch, score in enumerate(scores, start=1):
        callback.on_epoch_end(trainer, {"val_miou": score, "train_loss": 1.0}, None)  # type: ignore[arg-type]
        if trainer.should_stop:
            return epoch
    return 0


def test_early_stopping_waits_patience_epochs_after_the_best() -> None:
    assert run_early_stopping([0.5, 0.6, 0.6, 0.55, 0.7], patience=2) == 4
    assert run_early_stopping([0.5, 0.6, 0.7, 0.8], patience=1) == 0
    assert run_early_stopping([0.5, 0.4], patience=1) == 2
    # after a resume, the history counts: best 0.6 two epochs ago
    done = [{"val_miou": 0.6, "train_loss": 1.0}, {"val_miou": 0.5, "train_loss": 1.0}]
    assert run_early_stopping([0.5], patience=2, history=done) == 1
    with pytest.raises(ValueError):
        EarlyStopping(0)


class FixedScore(Callback):
    """Pretends validation never improves."""

    def on_epoch_end(self, trainer, row, val) -> None:  # type: ignore[no-untyped-def]
        row["val_miou"] = 0.5


def test_trainer_stops_when_a_callback_asks() -> None:
    torch.manual_seed(0)
    batches = [{"image": torch.randn(2, 1, 4, 4), "mask": torch.randint(0, 2, (2, 4, 4))}] * 2
    model = nn.Conv2d(1, 2, 1)
    trainer = Trainer(model, CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), num_classes=2,
                      callbacks=[FixedScore(), EarlyStopping(2)])
    history = trainer.fit(batches, None, epochs=10)  # type: ignore[arg-type]
    assert [row["epoch"] for row in history] == [1, 2, 3]


def test_auto_class_weights_come_from_the_train_split(tiny_dataset: Path) -> None:
    data = prepare_data(config.DataConfig(path=str(tiny_dataset)), seed=0)
    assert len(data.class_pixels) == 4 and sum(data.class_pixels) == len(data.splits["train"]) * 32 * 32
    assert resolve_class_weights("auto", data) == class_weights_from_counts(data.class_pixels)
    assert resolve_class_weights((1.0, 2.0), data) == (1.0, 2.0) and resolve_class_weights(None, data) is None
    with pytest.raises(ConfigError, match="'auto'"):
        resolve_class_weights("median", data)


def test_cli_flags_reach_the_config() -> None:
    args = build_parser().parse_args([
        "train", "data", "--augment", "light", "--patch-size", "64x96", "--rare-class-crops", "0.5",
        "--class-weights", "auto", "--loss", "focal_dice", "--warmup-epochs", "2", "--early-stopping", "5",
        "--split-mode", "groups", "--group-pattern", r"^(\w+?)_",
        "--set", "data.augment_options={rotate: {degrees: 30}, hflip: null}",
    ])
    cfg = build_config(args)
    assert (cfg.data.augment, cfg.data.patch_size, cfg.data.rare_class_crops) == ("light", (64, 96), 0.5)
    assert cfg.data.augment_options == {"rotate": {"degrees": 30}, "hflip": None}
    assert (cfg.data.split_mode, cfg.data.group_pattern) == ("groups", r"^(\w+?)_")
    assert (cfg.loss.name, cfg.loss.class_weights) == ("focal_dice", "auto")
    assert (cfg.train.warmup_epochs, cfg.train.early_stopping_patience) == (2, 5)
    weights = build_config(build_parser().parse_args(["train", "--no-plan", "data", "--class-weights", "1,2.5"]))
    assert weights.loss.class_weights == (1.0, 2.5)


def test_defaults_leave_training_as_it_was() -> None:
    cfg = config.ExperimentConfig()
    assert (cfg.data.augment, cfg.data.patch_size, cfg.data.rare_class_crops, cfg.data.group_pattern) == (
        "none", None, 0.0, None)
    assert (cfg.train.warmup_epochs, cfg.train.early_stopping_patience, cfg.loss.class_weights) == (0, None, None)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_optimizer_is_fused_and_updates_like_the_per_tensor_loop(name: str) -> None:
    from seglab.engine.builders import build_optimizer

    torch.manual_seed(0)
    fused_net, loop_net = nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3)
    loop_net.load_state_dict(fused_net.state_dict())
    initial = fused_net.weight.detach().clone()
    cfg = config.TrainConfig(optimizer=name, lr=1e-2, weight_decay=0.1)
    fused = build_optimizer(fused_net, cfg)
    assert fused.defaults["fused"] is True
    loop = type(fused)(loop_net.parameters(), lr=1e-2, weight_decay=0.1, foreach=False)
    for _ in range(3):
        image = torch.randn(2, 3, 8, 8)
        for net, optimizer in ((fused_net, fused), (loop_net, loop)):
            optimizer.zero_grad()
            net(image).square().mean().backward()
            optimizer.step()
    for a, b in zip(fused_net.parameters(), loop_net.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(fused_net.weight, initial)  # the steps did move the weights


def test_parameters_off_cpu_and_cuda_are_not_fused() -> None:
    from seglab.engine.builders import fusable

    assert fusable([{"params": [nn.Parameter(torch.zeros(2))]}])
    assert not fusable([{"params": [nn.Parameter(torch.zeros(2, device="meta"))]}])


@pytest.mark.parametrize("scale", [0.01, 100.0])  # total norm under and over the limit
def test_gradient_clipping_matches_clip_grad_norm(scale: float) -> None:
    torch.manual_seed(0)
    grads = [scale * torch.randn(4, 3), scale * torch.randn(5)]
    ours = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    torchs = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    for ours_p, torch_p, grad in zip(ours, torchs, grads):
        ours_p.grad, torch_p.grad = grad.clone(), grad.clone()
    frozen = nn.Parameter(torch.zeros(2))  # no gradient: skipped by both

    clip_gradients([*ours, frozen], max_norm=1.0)
    nn.utils.clip_grad_norm_([*torchs, frozen], max_norm=1.0)

    for ours_p, torch_p, grad in zip(ours, torchs, grads):
        assert torch.equal(ours_p.grad, torch_p.grad)
    before = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads])).item()
    after = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in ours])).item()
    assert after == pytest.approx(min(1.0, before), rel=1e-5)
