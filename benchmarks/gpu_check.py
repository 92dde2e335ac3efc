"""Issue 29's GPU checks in one go, for a session that has a GPU; prints one table.

  collectives  a one-process group on the device's backend (NCCL on CUDA, gloo on CPU) with the
               trainer acting distributed (DDP wrap, metric sums, epoch-plan broadcast, BatchNorm
               averaging): every tensor handed to a collective must be on the group's device
  prefetch     batches prepared on the side stream equal those prepared in line (uint8 in,
               normalised, flipped and cropped on the device), and the device's normalisation
               of every uint8 value equals the host's (seglab.data.loading.transforms.to_tensor) bit for bit
  cli          `seglab train --nproc 1` on generated data with --compile (reduce-overhead on
               CUDA) and device augmentation, exit status 0 within --cli-timeout seconds (its
               output goes to --logs when given: gpu_session.sh passes $OUT)
  throughput   seglab unet_resnet34 (Trainer + DeviceFeed from the default uint8 loader; eager
               and compiled) against segmentation_models_pytorch's Unet-resnet34 in a plain
               loop (channels_last, bf16 autocast, fused AdamW, normalised on the device), the
               same loader, interleaved rounds, median img/s
  profile      torch.profiler over seglab's steps: GPU busy fraction (union of kernel
               intervals / wall time) and the trainer's data-wait share

On CUDA (defaults: 256x256, batch 16, bf16, 4 workers):
    python benchmarks/gpu_check.py
On a lent machine that can install nothing (wheels from benchmarks/gpu_wheels.sh, docs/benchmarks.md):
    bash benchmarks/gpu_session.sh .whl "$OUT"
CPU fallback (what runs without a GPU; numbers mean nothing):
    OMP_NUM_THREADS=1 python benchmarks/gpu_check.py --device cpu --size 64 --batch 4 --steps 3 --rounds 1 --workers 0
segmentation_models_pytorch comes with the bench extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch.utils.data import Dataset

from seglab.compilation import cpu_compiler
from seglab.data.loading.batch_augment import BatchAugment
from seglab.data.loading.prepare import make_loader
from seglab.data.loading.transforms import to_tensor
from seglab.engine.distributed import DistributedContext
from seglab.engine.feeding import DeviceFeed
from seglab.engine.trainer import Trainer
from seglab.losses import build_loss
from seglab.models import create_model
from seglab.runtime import resolve_precision, timed

CLASSES = 4
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class RandomPairs(Dataset):
    """In-memory uint8 images and masks, as a raw SegmentationDataset yields them."""

    def __init__(self, count: int, size: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (count, 3, size, size), dtype=torch.uint8, generator=generator)
        self.masks = torch.randint(0, CLASSES, (count, size, size), dtype=torch.uint8, generator=generator)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"image": self.images[i], "mask": self.masks[i]}


@dataclass(frozen=True)
class OneProcessWorld(DistributedContext):
    """A world of one that still runs every collective, so one GPU exercises the NCCL path."""

    @property
    def enabled(self) -> bool:
        return True


def check_collectives(device: torch.device, args: argparse.Namespace) -> str:
    backend = "nccl" if device.type == "cuda" else "gloo"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    seen: list[torch.device] = []
    originals = dist.all_reduce, dist.broadcast

    def recorded(collective):  # type: ignore[no-untyped-def]
        def call(tensor, *rest, **options):  # type: ignore[no-untyped-def]
            seen.append(tensor.device)
            return collective(tensor, *rest, **options)
        return call

    dist.all_reduce, dist.broadcast = recorded(dist.all_reduce), recorded(dist.broadcast)
    try:
        world = OneProcessWorld(collective_device=device)
        model = create_model("unet_small", 3, CLASSES, widths=[8, 16])
        loader = make_loader(RandomPairs(4 * args.batch, 32), args.batch, shuffle=True)
        trainer = Trainer(model, build_loss("ce_dice", CLASSES), torch.optim.AdamW(model.parameters()),
                          num_classes=CLASSES, device=device, channels_last=True,
                          wrap=lambda module: world.wrap(module, device, False), reduce_sum=world.reduce_sum,
                          sync_buffers=world.sync_buffers, feed=DeviceFeed(device, True, MEAN, STD))
        trainer.fit(loader, loader, epochs=1)
        planned = world.broadcast_int(7)
    finally:
        dist.all_reduce, dist.broadcast = originals
        dist.destroy_process_group()
    wrong = [d for d in seen if d != device]
    if wrong or planned != 7 or not seen:
        return f"FAIL ({len(wrong)} of {len(seen)} collective tensors off {device}, plan {planned})"
    return f"ok ({backend}: {len(seen)} collectives on {device})"


def check_prefetch(device: torch.device, args: argparse.Namespace) -> str:
    loader = make_loader(RandomPairs(3 * args.batch, args.size), args.batch, shuffle=False)
    augment = BatchAugment(0.5, 0.5, (args.size - 8, args.size - 8), 255)
    prefetched = list(DeviceFeed(device, True, MEAN, STD, augment, seed=1).batches(loader, training=True))
    in_line = DeviceFeed(device, True, MEAN, STD, augment, seed=1)
    in_line.stream = None  # the CPU path: each batch prepared when it is asked for
    expected = list(in_line.batches(loader, training=True))
    same = all(torch.equal(a, b) for got, want in zip(prefetched, expected) for a, b in zip(got, want))
    path = "side stream" if device.type == "cuda" else "in line (no side stream off CUDA)"
    values = torch.arange(256, dtype=torch.uint8).view(16, 16, 1).expand(16, 16, 3).contiguous()
    on_device = DeviceFeed(device, False, MEAN, STD).normalise(values.permute(2, 0, 1)[None].to(device))
    exact = torch.equal(on_device[0].cpu(), to_tensor(values.numpy(), MEAN, STD))
    verdict = "ok, " if same and len(prefetched) == 3 and exact else "FAIL, "
    return f"{verdict}{path}; normalisation {'equal to' if exact else 'DIFFERENT from'} the host's"


def check_cli(device: torch.device, args: argparse.Namespace) -> str:
    mode = "reduce-overhead" if device.type == "cuda" else "default"
    with tempfile.TemporaryDirectory() as folder:
        from seglab.data.layouts.synthetic import generate_synthetic

        data = generate_synthetic(Path(folder) / "data", num_samples=24, size=(64, 64), num_classes=CLASSES)
        command = [sys.executable, "-m", "seglab", "train", str(data), "--out", f"{folder}/run", "--nproc", "1",
                   "--device", device.type, "--model", "unet_small", "--epochs", "2", "--batch-size", "4",
                   "--no-progress", "--augment-device", "--set", "data.augment_options={hflip: {}, vflip: {}}",
                   "--patch-size", "48", "--time-budget", "10m"]
        if device.type == "cuda" or cpu_compiler() is not None:
            command += ["--compile", "--compile-mode", mode]
        started = time.perf_counter()
        # its own process group: a timeout stops torchrun's workers too, not the launcher alone
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) as process:
            try:
                output, errors = process.communicate(timeout=args.cli_timeout)
                status = f"exit {process.returncode}" if process.returncode else ""
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                output, errors = process.communicate()
                status = f"timed out after {args.cli_timeout}s"
    seconds = time.perf_counter() - started
    if args.logs:
        (Path(args.logs) / "cli.log").write_text(f"$ {' '.join(command)}\n{output}\n{errors}")
    if status:
        return f"FAIL ({status}): {errors.strip().splitlines()[-3:]}"
    return f"ok ({' '.join(command[command.index('--nproc'):])}; {seconds:.0f}s)"


def seglab_run(device: torch.device, args: argparse.Namespace, compile_mode: str | None) -> tuple[Trainer, object]:
    model = create_model("unet_resnet34", 3, CLASSES)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=device.type in ("cuda", "cpu"))
    trainer = Trainer(model, build_loss("ce_dice", CLASSES), optimizer, num_classes=CLASSES, device=device,
                      precision=resolve_precision(args.precision, device), grad_clip=1.0, channels_last=True,
                      feed=DeviceFeed(device, True, MEAN, STD), compile_mode=compile_mode)
    loader = make_loader(RandomPairs(args.steps * args.batch, args.size), args.batch, shuffle=True,
                         num_workers=args.workers, pin_memory=device.type == "cuda")
    trainer.train_one_epoch(loader)  # warm-up: compilation, cudnn autotuning, allocator, workers
    return trainer, loader


def smp_run(device: torch.device, args: argparse.Namespace) -> tuple[object, object]:
    import segmentation_models_pytorch as smp

    model = smp.Unet("resnet34", encoder_weights=None, in_channels=3, classes=CLASSES)
    model = model.to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
    precision = resolve_precision(args.precision, device)
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1) * 255
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1) * 255
    loader = make_loader(RandomPairs(args.steps * args.batch, args.size), args.batch, shuffle=True,
                         num_workers=args.workers, pin_memory=device.type == "cuda")

    def epoch() -> None:
        for batch in loader:
            image = batch["image"].to(device, non_blocking=True)
            image = ((image.float() - mean) / std).contiguous(memory_format=torch.channels_last)
            mask = batch["mask"].to(device, non_blocking=True).long()
            optimizer.zero_grad(set_to_none=True)
            with precision.autocast():
                logits = model(image)
            torch.nn.functional.cross_entropy(logits.float(), mask).backward()
            optimizer.step()

    epoch()  # warm-up
    return epoch, loader


def images_per_second(work, device: torch.device, images: int) -> float:  # type: ignore[no-untyped-def]
    return images / timed(work, device)


def throughput(device: torch.device, args: argparse.Namespace) -> dict[str, list[float]]:
    contenders = {"seglab eager": seglab_run(device, args, None)}
    if device.type == "cuda" or cpu_compiler() is not None:
        contenders[f"seglab --compile-mode {args.compile_mode}"] = seglab_run(device, args, args.compile_mode)
    works = {name: (lambda t=trainer, l=loader: t.train_one_epoch(l)) for name, (trainer, loader) in contenders.items()}
    try:
        works["smp Unet-resnet34"] = smp_run(device, args)[0]
    except ImportError:
        print("segmentation_models_pytorch is not installed: pip install -e '.[bench]'", file=sys.stderr)
    rates: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(args.rounds):  # interleaved, so machine noise hits every contender alike
        for name, work in works.items():
            rates[name].append(images_per_second(work, device, args.steps * args.batch))
    return rates


def profile(device: torch.device, args: argparse.Namespace) -> tuple[float | None, float]:
    """seglab's GPU busy fraction over one epoch (None off CUDA) and its data-wait share."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as profiler

    trainer, loader = seglab_run(device, args, args.compile_mode if device.type == "cuda" else None)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    started = time.perf_counter()
    with profiler(activities=activities) as prof:
        trainer.train_one_epoch(loader)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    wall = time.perf_counter() - started
    data_wait = trainer.data_wait / wall
    if device.type != "cuda":
        return None, data_wait
    kernels = sorted((e.time_range.start, e.time_range.end) for e in prof.events()
                     if e.device_type == torch.autograd.DeviceType.CUDA)
    busy, end = 0.0, float("-inf")
    for start, stop in kernels:  # union of kernel intervals, in microseconds
        if stop > end:
            busy += stop - max(start, end)
            end = stop
    span = (kernels[-1][1] - kernels[0][0]) if kernels else 1.0
    return busy / span, data_wait


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=40, help="steps per timed epoch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--precision", default="bf16")
    parser.add_argument("--compile-mode", default="reduce-overhead")
    parser.add_argument("--cli-timeout", type=int, default=300, help="seconds the cli check may take")
    parser.add_argument("--logs", help="folder for the cli check's full output")
    parser.add_argument("--skip", nargs="*", default=[], choices=["collectives", "prefetch", "cli", "throughput",
                                                                  "profile"])
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())  # DDP and NCCL want the index
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True  # as seglab train sets it (engine/session.py), for every contender
    if device.type == "cpu" and args.precision == "bf16":
        args.precision = "fp32"  # bf16 is emulated (slow) on CPUs without native support
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"torch {torch.__version__}, {name}, {args.size}x{args.size} batch {args.batch} {args.precision}, "
          f"{args.workers} workers, {os.cpu_count()} CPUs")
    rows: list[tuple[str, str]] = []
    for check in (check_collectives, check_prefetch, check_cli):
        label = check.__name__.removeprefix("check_")
        if label not in args.skip:
            rows.append((label, check(device, args)))
            print(f"{label:<12} {rows[-1][1]}", flush=True)
    if "throughput" not in args.skip:
        rates = throughput(device, args)
        reference = statistics.median(rates["smp Unet-resnet34"]) if "smp Unet-resnet34" in rates else None
        for contender, values in rates.items():
            median = statistics.median(values)
            versus = f", {median / reference:.2f}x smp" if reference else ""
            rows.append((contender, f"{median:.1f} img/s (min {min(values):.1f}, max {max(values):.1f}){versus}"))
    if "profile" not in args.skip:
        busy, data_wait = profile(device, args)
        rows.append(("gpu busy", "n/a (no GPU)" if busy is None else f"{busy:.1%} of the profiled span"))
        rows.append(("data wait", f"{data_wait:.1%} of the epoch"))
    print("\n| check | result |\n|---|---|")
    for label, result in rows:
        print(f"| {label} | {result} |")


if __name__ == "__main__":
    main()
