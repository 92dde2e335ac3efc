"""Training throughput of seglab's default CPU path against the plain way, per registered model.

Each measurement runs in a fresh subprocess (the allocator setting is process-wide), the
configurations interleaved so that machine noise hits all of them alike; the median of the
repeats is reported with the spread. Not part of the test run.

    python benchmarks/throughput.py --models unet_pet unet_mri --size 128 --batch 8 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys

import torch

# plain: fp32, contiguous tensors, glibc's default malloc (how the tutorials train)
# seglab: what `seglab train` does by default on this CPU
CONFIGS = {
    "plain": {"allocator": False, "channels_last": False, "bf16": False},
    "seglab": {"allocator": True, "channels_last": True, "bf16": True},
}

WORKER = r"""
import json, sys, time, torch
args = json.loads(sys.argv[1])
if args["allocator"]:
    from seglab.runtime import tune_allocator
    tune_allocator()
from seglab.models import create_model
torch.manual_seed(0)
model = create_model(args["model"], 3, 4)
x = torch.randn(args["batch"], 3, args["size"], args["size"])
y = torch.randint(0, 4, (args["batch"], args["size"], args["size"]))
if args["channels_last"]:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
def step():
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args["bf16"]):
        logits = model(x)
    torch.nn.functional.cross_entropy(logits.float(), y).backward()
    opt.step()
for _ in range(2):
    step()
start = time.perf_counter()
for _ in range(args["steps"]):
    step()
seconds = (time.perf_counter() - start) / args["steps"]
from torch.utils.flop_counter import FlopCounterMode
counter = FlopCounterMode(display=False)
with counter:
    step()
print(json.dumps({"img_s": args["batch"] / seconds, "gflop_s": counter.get_total_flops() / seconds / 1e9}))
"""


def measure(model: str, config: str, size: int, batch: int, steps: int) -> dict:
    args = {"model": model, "size": size, "batch": batch, "steps": steps, **CONFIGS[config]}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(args)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["unet_pet", "unet_mri", "unet_small", "unet", "unet_resnet18"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peak-gflops", type=float, default=457.0,
                        help="bf16 channels-last 3x3 conv peak measured on this machine (GFLOP/s)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"input {args.batch}x3x{args.size}x{args.size}, {args.steps} timed steps, {args.repeats} repeats (median, min-max)")
    results: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.repeats):  # interleaved: every configuration once per round
        for model in args.models:
            for config in CONFIGS:
                results.setdefault((model, config), []).append(measure(model, config, args.size, args.batch, args.steps))
    print("\n| model | plain img/s | seglab img/s | speed-up | seglab GFLOP/s | % of bf16 conv peak |")
    print("|---|---|---|---|---|---|")
    for model in args.models:
        plain = [r["img_s"] for r in results[(model, "plain")]]
        fast = [r["img_s"] for r in results[(model, "seglab")]]
        gflops = statistics.median(r["gflop_s"] for r in results[(model, "seglab")])
        print(f"| {model} | {statistics.median(plain):.1f} ({min(plain):.1f}-{max(plain):.1f}) "
              f"| {statistics.median(fast):.1f} ({min(fast):.1f}-{max(fast):.1f}) "
              f"| {statistics.median(fast) / statistics.median(plain):.2f}x | {gflops:.0f} "
              f"| {100 * gflops / args.peak_gflops:.0f}% |")


if __name__ == "__main__":
    main()
