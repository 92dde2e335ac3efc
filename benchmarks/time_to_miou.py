"""End to end on CamVid: wall-clock time for seglab and for segmentation_models_pytorch to reach a val mIoU.

Contenders, each in its own process (the allocator setting is process-wide), on the same data
(seglab's reader, split, resize and in-memory cache), the same epochs, batch, learning rate,
cosine schedule and loss (CE + Dice), all from random init:
  seglab       `seglab train` as a user runs it (its default fast path: allocator, channels_last,
               bf16 on this CPU, float32 loss, clipping, checkpoints, history);
  seglab-fp32  the same with `--precision fp32` and glibc's default allocator: the fp32
               reference that bf16's final mIoU is compared with;
  smp          smp.Unet(resnet18) in the plain PyTorch loop its documentation shows (fp32 eager);
  smp-fast     the same loop with the allocator setting, channels_last and seglab's automatic
               precision (bf16 autocast on this CPU): the peers' best against seglab's best (its
               AdamW stays torch's default, not fused).
Elapsed time counts every epoch's training, validation and (for seglab) checkpoint writing.
With several `--seeds` the contenders take turns seed by seed (so drift in the machine's speed
touches all alike). Prints, per contender, the median over seeds of the time it first reached
each mIoU threshold ("-" unless most seeds reached it) with the range, and the final/best mIoU.

    python benchmarks/time_to_miou.py --epochs 12 --size 96 128 --seeds 0 1 2
    python benchmarks/time_to_miou.py --device cuda --size 256 320 --seeds 0 1 2   # every contender on the GPU
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from isolated import add_worker_flag, run_isolated, serve_worker

from seglab import config
from seglab.cli import parse_assignment
from seglab.data.loading.prepare import make_loader, prepare_data
from seglab.engine.builders import build_scheduler
from seglab.engine.experiment import train
from seglab.engine.trainer import Callback, Trainer, evaluate
from seglab.losses import build_loss
from seglab.allocator import tune_allocator
from seglab.runtime import resolve_precision

CAMVID = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "camvid"
CONTENDERS = ("seglab", "seglab-fp32", "smp", "smp-fast")


def experiment(args: dict, precision: str = "auto") -> config.ExperimentConfig:
    return config.load(overrides={
        "data.path": args["data"], "data.size": args["size"], "model.name": args["seglab_model"],
        "model.options": dict(args["seglab_option"]),
        "train.epochs": args["epochs"], "train.batch_size": args["batch"], "train.lr": args["lr"],
        "train.progress": False, "train.seed": args["seed"], "train.precision": precision,
        "train.device": args["device"],
        **dict(args["seglab_set"]),
    })


class Elapsed(Callback):
    """Val mIoU against wall-clock seconds since training started, one point per epoch."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def on_fit_start(self, trainer: Trainer) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: object) -> None:
        self.points.append((time.perf_counter() - self.started, row["val_miou"]))


def run_seglab(args: dict, fast: bool) -> list[tuple[float, float]]:
    if fast:
        tune_allocator()  # what the seglab CLI does at start-up
    elapsed = Elapsed()
    with tempfile.TemporaryDirectory() as out:
        train(experiment(args, "auto" if fast else "fp32"), Path(out) / "run", callbacks=[elapsed])
    return elapsed.points


def run_smp(args: dict, fast: bool) -> list[tuple[float, float]]:
    """The training loop of smp's examples (model, optimizer, loss, backward, step), fp32 unless `fast`."""
    import segmentation_models_pytorch as smp

    if fast:
        tune_allocator()
    cfg = experiment(args)
    torch.manual_seed(args["seed"])
    data = prepare_data(cfg.data, cfg.train.seed)
    device = torch.device(args["device"])
    train_loader = make_loader(data.dataset("train", training=True), cfg.train.batch_size, shuffle=True,
                               pin_memory=device.type == "cuda")
    val_loader = make_loader(data.dataset("val"), cfg.train.batch_size, shuffle=False)
    classes = data.classes
    model = smp.Unet(encoder_name="resnet18", encoder_weights=None, in_channels=data.in_channels,
                     classes=classes.num_classes)
    precision = resolve_precision("auto" if fast else "fp32", device)
    memory_format = torch.channels_last if fast else torch.contiguous_format
    model = model.to(device, memory_format=memory_format)
    loss_fn = build_loss(cfg.loss.name, classes.num_classes, data.train_ignore_index, None)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)
    scheduler = build_scheduler(optimizer, cfg.train, len(train_loader))
    scaler = torch.amp.GradScaler(device.type, enabled=precision.needs_grad_scaler)  # fp16 on older GPUs
    points, started = [], time.perf_counter()
    for _ in range(cfg.train.epochs):
        model.train()
        for batch in train_loader:
            image = batch["image"].to(device, non_blocking=True).contiguous(memory_format=memory_format)
            optimizer.zero_grad()
            with precision.autocast():
                logits = model(image)
            loss = loss_fn(logits.float(), batch["mask"].to(device, non_blocking=True))
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
        scores = evaluate(model, val_loader, classes.num_classes, classes.ignore_index, device=device,
                          precision=precision, channels_last=fast).scores
        points.append((time.perf_counter() - started, scores.mean_iou))
    return points


def contender(args: dict) -> list[tuple[float, float]]:
    name = args["contender"]
    run = run_seglab if name.startswith("seglab") else run_smp
    return run(args, fast=name in ("seglab", "smp-fast"))


def first_reached(points: list[tuple[float, float]], threshold: float) -> float:
    """Seconds until val mIoU first reached `threshold`; infinity if it never did."""
    return next((seconds for seconds, miou in points if miou >= threshold), math.inf)


def spread(values: list[float], digits: int) -> str:
    """Median, and the range when there is more than one value; "-" when the median is infinite."""
    median = statistics.median(values)
    if math.isinf(median):
        return "-"
    text = f"{median:.{digits}f}"
    if len(values) > 1:
        low, high = min(values), max(values)
        text += f" ({low:.{digits}f}-" + ("never" if math.isinf(high) else f"{high:.{digits}f}") + ")"
    return text


def table(curves: dict[str, list[list[tuple[float, float]]]], thresholds: list[float]) -> str:
    """One row per contender: medians (ranges) over its seeds' curves."""
    head = "| contender | " + " | ".join(f"s to mIoU {t:.2f}" for t in thresholds) + " | final mIoU | best mIoU | total s |"
    lines = [head, "|" + "---|" * (len(thresholds) + 4)]
    for name, runs in curves.items():
        reached = [spread([first_reached(points, t) for points in runs], 0) for t in thresholds]
        final = spread([points[-1][1] for points in runs], 3)
        best = spread([max(m for _, m in points) for points in runs], 3)
        total = spread([points[-1][0] for points in runs], 0)
        lines.append(f"| {name} | " + " | ".join(reached) + f" | {final} | {best} | {total} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(CAMVID))
    parser.add_argument("--size", type=int, nargs=2, default=[96, 128], metavar=("H", "W"))
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per contender and seed")
    parser.add_argument("--seglab-model", default="unet_resnet18",
                        help="seglab's network; the default is the same network as smp's Unet(resnet18)")
    parser.add_argument("--seglab-option", action="append", type=parse_assignment, default=[], metavar="KEY=VALUE",
                        help="a keyword of seglab's network, as `seglab train --model-option` (repeatable)")
    parser.add_argument("--seglab-set", action="append", type=parse_assignment, default=[], metavar="SECTION.KEY=VALUE",
                        help="any other config value of seglab's runs, as `seglab train --set` (repeatable)")
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.30, 0.35, 0.40, 0.45])
    parser.add_argument("--device", default="cpu", help="cpu | cuda: where every contender trains (default: %(default)s)")
    parser.add_argument("--json", help="also write the curves here")
    add_worker_flag(parser)
    args = parser.parse_args()
    if serve_worker(args, contender):
        return
    if not Path(args.data).is_dir():
        sys.exit(f"no dataset at {args.data}")
    machine = (torch.cuda.get_device_name(args.device) if args.device.startswith("cuda")
               else f"{platform.machine()}, {torch.get_num_threads()} threads")
    print(f"machine: {machine}, torch {torch.__version__}; CamVid "
          f"{args.size[0]}x{args.size[1]}, {args.epochs} epochs, batch {args.batch}, lr {args.lr}, "
          f"seeds {args.seeds}", flush=True)
    curves: dict[str, list] = {name: [] for name in args.contenders}
    for seed in args.seeds:
        for name in args.contenders:
            points = run_isolated(__file__, {**vars(args), "contender": name, "seed": seed}, f"{name} seed {seed}")
            curves[name].append(points)
            print(f"{name} seed {seed}: " + ", ".join(f"{s:.0f}s {m:.3f}" for s, m in points), flush=True)
    print(table(curves, args.thresholds))
    if args.json:
        Path(args.json).write_text(json.dumps(curves, indent=2))


if __name__ == "__main__":
    main()
