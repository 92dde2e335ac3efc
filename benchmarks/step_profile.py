"""Where a training step's time goes on this host, per kind of operation, and whether compiling
the network (torch.compile, inductor) pays for itself, per network.

Each network is measured in a fresh process, the way `seglab train` runs it (throughput.py's
"fast" way: allocator setting, channels_last, `--precision auto`, fused AdamW):
  eager     seconds per step, and torch.profiler's self CPU time of a few steps grouped into
            convolution, normalisation, activation, layout and copies, pooling and resizing,
            elementwise and concatenation, loss, optimizer and the rest;
  compiled  the same step through torch.compile (default mode): seconds per step once compiled,
            the first steps' extra seconds (compilation, cold or warm cache as it happens),
            and the steps after which compiling has paid for itself.

    python benchmarks/step_profile.py                        # unet_pet, unet_mri, unet_small, unet: ~10 min
    python benchmarks/step_profile.py --networks unet_small --size 64 --no-compile   # seconds
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import torch
from isolated import add_worker_flag, run_isolated, serve_worker
from throughput import WAYS, build_workload
from seglab.runtime import cpu_description

# the first pattern an op name contains decides its kind; backward ops go with their forward
KINDS = (
    ("convolution", ("conv", "mkldnn_convolution")),
    ("normalisation", ("batch_norm", "group_norm", "layer_norm", "instance_norm")),
    ("activation", ("relu", "threshold", "gelu", "silu", "sigmoid")),
    ("layout and copies", ("copy_", "to_dense", "contiguous", "clone", "::to", "_to_copy", "reorder")),
    ("pooling and resizing", ("pool", "upsample", "interpolate", "pad")),
    ("elementwise and concatenation", ("add", "mul", "div", "sub", "cat", "fill_", "zero_", "where")),
    ("loss", ("cross_entropy", "nll_loss", "log_softmax", "softmax")),
    ("optimizer", ("adam", "foreach", "lerp", "sqrt")),
)
OTHER = "other"


def kind_of(op: str) -> str:
    name = op.lower()
    return next((kind for kind, patterns in KINDS if any(p in name for p in patterns)), OTHER)


def op_kind_shares(step, steps: int) -> dict[str, float]:
    """Share of self CPU time per kind over `steps` profiled steps."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    totals: dict[str, float] = defaultdict(float)
    for event in prof.key_averages():
        totals[kind_of(event.key)] += event.self_cpu_time_total
    whole = sum(totals.values()) or 1.0
    return {kind: value / whole for kind, value in totals.items()}


def worker(args: dict) -> dict:
    work = build_workload({**args, **WAYS["fast"]})
    work.model.train()
    eager = work.train_step()
    eager_s = work.timed(eager, args["steps"])
    result = {"eager_s": eager_s, "shares": op_kind_shares(eager, args["steps"]), "precision": work.precision.name}
    if args["compile"]:
        compiled = work.train_step(torch.compile(work.model))
        start = time.perf_counter()
        for _ in range(2):  # forward and backward graphs compile on the first call
            compiled()
        work.synchronize()
        first_two = time.perf_counter() - start
        compiled_s = work.timed(compiled, args["steps"])
        result.update(compiled_s=compiled_s, compile_s=first_two - 2 * compiled_s)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["unet_pet", "unet_mri", "unet_small", "unet"])
    parser.add_argument("--size", type=int, default=128, help="square input side (pixels)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5, help="timed (and profiled) steps, after 2 warm-up")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the compiled step (default; --no-compile: the profile only)")
    add_worker_flag(parser)
    args = parser.parse_args()
    if serve_worker(args, worker):
        return
    results = {}
    for network in args.networks:
        results[network] = run_isolated(__file__, {"network": network, "size": args.size, "batch": args.batch,
                                                   "steps": args.steps, "device": args.device,
                                                   "compile": args.compile}, network)
    precision = next(iter(results.values()))["precision"]
    print(f"machine: {cpu_description()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}; input {args.batch}x3x{args.size}x{args.size}, {precision}, {args.steps} steps")
    kinds = [kind for kind, _ in KINDS] + [OTHER]
    print("| network | eager s/step | " + " | ".join(kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for network, r in results.items():
        print(f"| {network} | {r['eager_s']:.3f} | "
              + " | ".join(f"{100 * r['shares'].get(kind, 0.0):.0f}%" for kind in kinds) + " |")
    if args.compile:
        print()
        print("| network | eager s/step | compiled s/step | speed-up | compile s (first two steps' extra) | "
              "steps to pay it back |")
        print("|---|---|---|---|---|---|")
        for network, r in results.items():
            gain = r["eager_s"] - r["compiled_s"]
            payback = f"{r['compile_s'] / gain:.0f}" if gain > 0 else "never"
            print(f"| {network} | {r['eager_s']:.3f} | {r['compiled_s']:.3f} | {r['eager_s'] / r['compiled_s']:.2f}x "
                  f"| {r['compile_s']:.0f} | {payback} |")


if __name__ == "__main__":
    main()
