"""A training step must not wait for the device: no op that reads a value back to the host.

On the CPU nothing waits, but the same ops are the ones that block the host on a GPU
(`.item()`, `float(t)`, `bool(t)`, boolean-mask indexing, `nonzero`, `bincount`), so counting
them in a CPU run catches a sync before it costs GPU time.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from seglab.config import TrainConfig
from seglab.data.loading.batch_augment import BatchAugment
from seglab.data.loading.mirror_classes import SideSwap
from seglab.engine.builders import build_optimizer, build_scheduler
from seglab.engine.callbacks import ProgressBar
from seglab.engine.feeding import DeviceFeed
from seglab.engine.trainer import Trainer
from seglab.losses import LOSSES, MULTILABEL_LOSSES, build_loss
from seglab.tasks import MultiLabel
from seglab.models import create_model

aten = torch.ops.aten
# ops that make a CUDA host wait for the device (a value decides a size or a Python branch)
SYNCING = {aten._local_scalar_dense, aten.nonzero, aten.masked_select, aten.bincount, aten.equal,
           aten._unique2, aten.unique_dim, aten.unique_consecutive, aten.repeat_interleave}
BOOL_INDEXING = {aten.index, aten.index_put, aten.index_put_}


class SyncCounter(TorchDispatchMode):
    """Records the syncing ops run while active, tagged with the current `step`."""

    def __init__(self) -> None:
        super().__init__()
        self.step = 0
        self.calls: list[tuple[int, str]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        packet = func.overloadpacket
        if packet in SYNCING or (packet in BOOL_INDEXING and _has_bool_index(args)):
            self.calls.append((self.step, str(func)))
        return func(*args, **(kwargs or {}))


def _has_bool_index(args: tuple) -> bool:
    indices = args[1] if len(args) > 1 else ()
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in indices or ())


def count_syncs(steps: int = 4, raw: bool = False, loss: str = "ce_dice", class_weights: list[float] | None = None,
                **trainer_options: object) -> list[tuple[int, str]]:
    """Sync calls per step of one epoch of default training (unet_small, ce_dice, AdamW,
    cosine schedule, clipping 1.0, channels_last) on random 32x32 batches; each step counts
    from the start of its train_step to the start of the next (mask check, callbacks and the
    feeding of the next batch included), and the read at the end of the epoch is left out.
    With `raw`, batches come as uint8 images and masks, normalised, flipped and cropped by the
    trainer's DeviceFeed; `loss` and `class_weights` as `build_loss` takes them (a multi-label
    loss trains on bit-set masks with the MultiLabel task)."""
    torch.manual_seed(0)
    cfg = TrainConfig()
    model = create_model("unet_small", 3, 4, widths=[8, 16])
    optimizer = build_optimizer(model, cfg)
    batches = [{"image": torch.randn(2, 3, 32, 32), "mask": torch.randint(0, 4, (2, 32, 32))}
               for _ in range(steps)]
    if raw:  # flips on the device, swapping side classes too
        sides = SideSwap.from_classes(["background", "left_eye", "right_eye", "nose"],
                                      multilabel=loss in MULTILABEL_LOSSES)
        batches = [{"image": torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8),
                    "mask": torch.randint(0, 4, (2, 32, 32), dtype=torch.uint8)} for _ in range(steps)]
        trainer_options["feed"] = DeviceFeed(torch.device("cpu"), True, (0.5, 0.4, 0.3), (0.2, 0.2, 0.2),
                                             BatchAugment(0.5, 0.5, (24, 40), 255, sides))
    if loss in MULTILABEL_LOSSES:
        trainer_options["task"] = MultiLabel()
        for batch in batches:  # bit sets of 4 classes (0..15); 255 stays ignored
            batch["mask"] = torch.randint(0, 16, batch["mask"].shape, dtype=batch["mask"].dtype)
    trainer = Trainer(model, build_loss(loss, 4, 255, class_weights), optimizer, num_classes=4, ignore_index=255,
                      scheduler=build_scheduler(optimizer, cfg, steps), grad_clip=cfg.grad_clip,
                      channels_last=True, callbacks=[ProgressBar(enabled=True)], read_every=100,  # as on a GPU
                      **trainer_options)  # type: ignore[arg-type]
    counter = SyncCounter()
    step = trainer.train_step

    def counted_step(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        counter.step += 1
        try:
            return step(image, mask)
        finally:
            if counter.step == steps:
                counter.step = steps + 1  # the epoch-end read is a deliberate sync point

    trainer.train_step = counted_step  # type: ignore[method-assign]
    with counter:
        trainer.train_one_epoch(batches)  # type: ignore[arg-type]
    return counter.calls


@pytest.mark.parametrize("options", [{}, {"ema_decay": 0.99}, {"raw": True}, {"class_weights": [0.5, 1.0, 2.0, 4.0]},
                                     *({"loss": name} for name in sorted(set(LOSSES.names()) - {"ce_dice"}))],
                         ids=lambda options: "-".join(f"{key}={value}" for key, value in options.items()) or "default")
def test_training_steps_after_the_first_do_not_sync(options: dict) -> None:
    calls = count_syncs(**options)
    steady = [call for call in calls if 2 <= call[0] <= 4]
    assert steady == [], steady


def test_the_epoch_end_read_catches_a_nan_loss() -> None:
    from seglab.engine.trainer import TrainingError

    model = torch.nn.Conv2d(1, 2, 1)
    batches = [{"image": torch.randn(2, 1, 4, 4), "mask": torch.randint(0, 2, (2, 4, 4))}] * 3
    trainer = Trainer(model, build_loss("ce", 2), torch.optim.SGD(model.parameters(), lr=0.1), num_classes=2, read_every=2)
    trainer.loss_fn = lambda logits, mask: logits.sum() * float("nan")  # type: ignore[assignment]
    with pytest.raises(TrainingError, match="loss became nan at epoch 0 \\(by step 2\\)"):
        trainer.train_one_epoch(batches)  # type: ignore[arg-type]


def test_out_of_range_mask_is_refused() -> None:
    model = torch.nn.Conv2d(1, 2, 1)
    trainer = Trainer(model, build_loss("ce", 2, 255), torch.optim.SGD(model.parameters(), lr=0.1), num_classes=2,
                      ignore_index=255)
    bad = [{"image": torch.randn(1, 1, 2, 2), "mask": torch.tensor([[[0, 255], [1, 7]]])}]
    with pytest.raises(RuntimeError, match="a training mask holds a label outside 0..1 or 255"):
        trainer.train_one_epoch(bad)  # type: ignore[arg-type]


def test_validation_reads_the_device_only_at_the_end() -> None:
    from seglab.engine.trainer import evaluate

    torch.manual_seed(0)
    model = create_model("unet_small", 3, 4, widths=[8, 16])
    batches = [{"image": torch.randn(2, 3, 32, 32), "mask": torch.randint(0, 4, (2, 32, 32))} for _ in range(3)]
    counter = SyncCounter()

    def loader():  # type: ignore[no-untyped-def]
        for number, batch in enumerate(batches, start=1):
            counter.step = number
            yield batch
        counter.step = 0  # the reads after the last batch

    with counter:
        result = evaluate(model, loader(), 4, 255, loss_fn=build_loss("ce_dice", 4, 255))
    assert [call for call in counter.calls if call[0] > 0] == []
    assert result.loss is not None and int(result.matrix.sum()) == 3 * 2 * 32 * 32


def test_counting_probabilities_for_tuned_thresholds_never_waits() -> None:
    """--tune-thresholds scores the whole validation split: boolean indexing and a bincount per
    class and batch made the host wait 4K times a batch on a GPU."""
    from seglab.engine.thresholds import probability_counts

    torch.manual_seed(0)
    model = create_model("unet_small", 3, 3, widths=[4, 8])
    batches = [{"image": torch.randn(2, 3, 16, 16), "mask": torch.randint(-1, 8, (2, 16, 16))} for _ in range(3)]
    with SyncCounter() as counter:
        present, absent = probability_counts(model, batches, 3, DeviceFeed(torch.device("cpu")))
    assert counter.calls == []
    assert int(present.sum() + absent.sum()) == 3 * sum(int((b["mask"] >= 0).sum()) for b in batches)
