"""Prediction speed by memory layout: each network's forward pass on one image, contiguous (NCHW)
against channels_last (NHWC), in fp32 as `seglab predict` runs it.

`Predictor` keeps the network channels_last because of this table (docs/benchmarks.md). One
process with seglab's allocator setting; the layouts take turns in every round so that machine
noise hits both alike; medians and min-max over the rounds, and how far the two layouts' outputs
differ (max absolute logit difference, share of pixels with the same class).

    python benchmarks/inference_layout.py
    python benchmarks/inference_layout.py --cases unet_mri:1:192x224 --rounds 5
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from seglab.models import create_model
from seglab.allocator import tune_allocator

DEFAULT_CASES = ("unet_pet:3:256x256", "unet_mri:1:192x224", "unet:3:256x256", "unet_resnet18:3:360x480")
LAYOUTS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def forward_ms(model: torch.nn.Module, image: torch.Tensor, layout: torch.memory_format, steps: int) -> float:
    """Mean milliseconds of a forward pass in `layout`, after one warm-up pass."""
    model.to(memory_format=layout)
    image = image.contiguous(memory_format=layout)
    with torch.no_grad():
        model(image)
        start = time.perf_counter()
        for _ in range(steps):
            model(image)
    return (time.perf_counter() - start) / steps * 1000


def measure(case: str, rounds: int, steps: int) -> str:
    """One table row: `name:channels:HxW`, both layouts interleaved over `rounds`."""
    name, channels, size = case.split(":")
    height, width = (int(side) for side in size.split("x"))
    torch.manual_seed(0)
    model = create_model(name, int(channels), 4).eval()
    image = torch.randn(1, int(channels), height, width)
    times: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for _ in range(rounds):
        for layout, memory_format in LAYOUTS.items():
            times[layout].append(forward_ms(model, image, memory_format, steps))
    with torch.no_grad():
        outputs = [model.to(memory_format=f)(image.contiguous(memory_format=f)) for f in LAYOUTS.values()]
    difference = (outputs[0] - outputs[1]).abs().max().item()
    agreement = (outputs[0].argmax(1) == outputs[1].argmax(1)).float().mean().item()
    cells = [f"{statistics.median(t):.0f} ({min(t):.0f}-{max(t):.0f})" for t in times.values()]
    speedup = statistics.median(times["contiguous"]) / statistics.median(times["channels_last"])
    return f"| {name} | {height}x{width} | {cells[0]} | {cells[1]} | {speedup:.2f} | {difference:.1e} | {agreement:.6f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), metavar="NAME:CHANNELS:HxW")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians over them")
    parser.add_argument("--steps", type=int, default=5, help="timed forward passes per measurement")
    args = parser.parse_args()
    tune_allocator()
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"batch 1, fp32, {args.steps} passes x {args.rounds} rounds (median, min-max)")
    print("| network | input | contiguous ms | channels_last ms | speed-up | max logit diff | same class |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases:
        print(measure(case, args.rounds, args.steps), flush=True)


if __name__ == "__main__":
    main()
