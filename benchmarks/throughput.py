"""Training and inference throughput of seglab's networks against the peers, plain and fast.

Networks: seglab's registered U-Nets, segmentation_models_pytorch Unet (resnet18, resnet34) and
MONAI BasicUNet / UNet, each built the way its documentation shows (random init: no downloads).
timm encoders: `unet_timm:NAME` is seglab's unet_timm with encoder NAME, `smp_unet_tu-NAME` smp's
Unet on the same timm encoder (both with decoder widths 256-16); TIMM_NETWORKS pairs the five
encoders seglab's tests cover.
Ways of running them:
  plain  fp32 eager, contiguous tensors, glibc's default malloc: how the tutorials and the
         peers' documentation train;
  fast   seglab's default path: allocator setting + channels_last + `--precision auto` (bf16
         autocast on CPUs with native bf16 and on bf16-capable GPUs, fp16 with a grad scaler on
         older GPUs, fp32 on other CPUs),
         losses in float32, and AdamW's fused kernel as `seglab train` builds it. Applied to the
         peers as well, for a fair best-vs-best.
Each measurement runs in a fresh subprocess (the allocator setting is process-wide), all
(network, way) pairs interleaved per round so machine noise hits them alike; medians and
min-max spreads over the rounds are printed. Training FLOPs per step come from
torch.utils.flop_counter, so GFLOP/s and the fraction of the conv peak follow.
The conv peak is measured at the start on the same CPU, in the precision the fast way resolves to
there (bf16 on CPUs with native bf16, fp32 elsewhere, e.g. AVX2-only CPUs, where bf16 is emulated
and about 8x slower): the best FLOP/s of a few wide channels-last 3x3 convolutions (forward,
inference mode), the work those networks are made of.
Peak memory is the subprocess's peak RSS after inference and after training (with
`--device cuda`: the GPU's peak allocated memory; timings synchronise the GPU).
The peers are benchmark-only dependencies: pip install -e ".[bench]" -c constraints.txt

    python benchmarks/throughput.py --size 128 --batch 8 --repeats 3
    python benchmarks/throughput.py --networks unet_pet --size 100 --batch 32
    python benchmarks/throughput.py --device cuda --networks unet_resnet34 smp_unet_resnet34 --size 256 --batch 16 --steps 20
    python benchmarks/throughput.py --timm --size 128 --batch 8 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from isolated import add_worker_flag, run_isolated, serve_worker

from seglab.runtime import Precision

WAYS = {
    "plain": {"allocator": False, "channels_last": False, "precision": "fp32", "fused": False},
    "fast": {"allocator": True, "channels_last": True, "precision": "auto", "fused": True},
}
PEERS = ("smp_unet_resnet18", "smp_unet_resnet34", "monai_basicunet", "monai_unet")
DEFAULT_NETWORKS = ("unet_pet", "unet_mri", "unet_small", "unet", "unet_resnet18", "unet_resnet34", *PEERS)
TIMM_ENCODERS = ("convnext_tiny", "efficientnet_b0", "regnety_008", "mobilenetv3_large_100", "resnet34")
TIMM_NETWORKS = tuple(n for e in TIMM_ENCODERS for n in (f"unet_timm:{e}", f"smp_unet_tu-{e}"))
CLASSES = 4


def build_network(name: str) -> torch.nn.Module:
    """seglab networks from the registry; peers as their documentation constructs them."""
    if name.startswith("smp_unet_"):
        import segmentation_models_pytorch as smp

        return smp.Unet(encoder_name=name.removeprefix("smp_unet_"), encoder_weights=None,
                        in_channels=3, classes=CLASSES)
    if name == "monai_basicunet":
        from monai.networks.nets import BasicUNet

        return BasicUNet(spatial_dims=2, in_channels=3, out_channels=CLASSES)
    if name == "monai_unet":
        from monai.networks.nets import UNet

        return UNet(spatial_dims=2, in_channels=3, out_channels=CLASSES, channels=(16, 32, 64, 128, 256),
                    strides=(2, 2, 2, 2), num_res_units=2)
    from seglab.models import create_model

    model, _, encoder = name.partition(":")  # unet_timm:convnext_tiny
    return create_model(model, 3, CLASSES, **({"encoder": encoder} if encoder else {}))


PEAK_SHAPES = ((128, 128), (256, 64), (512, 32))  # (channels in and out, square side), batch 8


def conv_peak_gflops(dtype: torch.dtype, steps: int = 10) -> float:
    """Best channels-last 3x3 conv FLOP/s of this CPU in `dtype` over PEAK_SHAPES (2 FLOPs per MAC)."""
    best = 0.0
    with torch.inference_mode():
        for channels, side in PEAK_SHAPES:
            conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False).to(dtype)
            conv = conv.to(memory_format=torch.channels_last)
            x = torch.randn(8, channels, side, side, dtype=dtype).contiguous(memory_format=torch.channels_last)
            for _ in range(3):
                conv(x)
            for _ in range(3):  # the fastest of three timings: noise only ever slows a run down
                start = time.perf_counter()
                for _ in range(steps):
                    conv(x)
                seconds = (time.perf_counter() - start) / steps
                best = max(best, 2 * 8 * channels * channels * 9 * side * side / seconds / 1e9)
    return best


def peak_memory_mib(device: torch.device) -> float:
    """Peak GPU memory allocated on CUDA; the process's peak RSS on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Workload:
    """One network and batch, set up the way `args` (a WAYS entry plus network, size, batch, device) asks."""

    model: torch.nn.Module
    x: torch.Tensor
    y: torch.Tensor
    precision: Precision
    device: torch.device

    def synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def train_step(self, model: torch.nn.Module | None = None, fused: bool = True) -> Callable[[], None]:
        """One AdamW step of `model` (default: the workload's; a compiled one shares its parameters)
        on the batch, with cross-entropy in float32 and a grad scaler where the precision needs one."""
        model = self.model if model is None else model
        # plain: torch's default (a loop over the tensors), as the tutorials and the peers' docs use it
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=1e-3, fused=fused or None)
        scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision.needs_grad_scaler)

        def step() -> None:
            optimizer.zero_grad(set_to_none=True)
            with self.precision.autocast():
                logits = model(self.x)
            scaler.scale(torch.nn.functional.cross_entropy(logits.float(), self.y)).backward()
            scaler.step(optimizer)
            scaler.update()

        return step

    def timed(self, step: Callable[[], None], steps: int) -> float:
        """Seconds per call of `step`, after two warm-up calls (first-call allocations, kernel choice)."""
        for _ in range(2):
            step()
        self.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        self.synchronize()
        return (time.perf_counter() - start) / steps


def build_workload(args: dict) -> Workload:
    if args["allocator"]:
        from seglab.allocator import tune_allocator

        tune_allocator()
    from seglab.runtime import resolve_precision

    device = torch.device(args["device"])
    torch.manual_seed(0)
    model = build_network(args["network"]).to(device)
    x = torch.randn(args["batch"], 3, args["size"], args["size"], device=device)
    y = torch.randint(0, CLASSES, (args["batch"], args["size"], args["size"]), device=device)
    if args["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return Workload(model, x, y, resolve_precision(args["precision"], device), device)


def worker(args: dict) -> dict:
    """One (network, way) measurement: inference first (so its peak RSS is its own), then training."""
    work = build_workload(args)
    model = work.model

    def infer() -> None:
        with torch.inference_mode(), work.precision.autocast():
            model(work.x)

    model.eval()
    infer_s = work.timed(infer, args["steps"])
    infer_memory = peak_memory_mib(work.device)

    model.train()
    train_step = work.train_step(fused=args["fused"])
    train_s = work.timed(train_step, args["steps"])
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        train_step()
    return {
        "train_img_s": args["batch"] / train_s, "infer_img_s": args["batch"] / infer_s,
        "train_gflop_s": counter.get_total_flops() / train_s / 1e9,
        "infer_memory_mib": infer_memory, "train_memory_mib": peak_memory_mib(work.device),
        "precision": work.precision.name, "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
    }


def measure(network: str, way: str, size: int, batch: int, steps: int, device: str) -> dict:
    args = {"network": network, "size": size, "batch": batch, "steps": steps, "device": device, **WAYS[way]}
    return run_isolated(__file__, args, f"{network} ({way})")


def spread(values: list[float], digits: int = 1) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def report(results: dict[tuple[str, str], list[dict]], networks: list[str], peak: float | None, memory: str,
           peak_name: str) -> str:
    med = lambda n, w, k: statistics.median(r[k] for r in results[(n, w)])  # noqa: E731
    col = lambda n, w, k: spread([r[k] for r in results[(n, w)]])  # noqa: E731
    lines = [
        "| network | params | train img/s plain | train img/s fast | train x | infer img/s plain "
        f"| infer img/s fast | infer x | train peak {memory} MiB plain / fast | fast GFLOP/s | % {peak_name} conv peak |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in networks:
        gflops = med(n, "fast", "train_gflop_s")
        lines.append(
            f"| {n} | {med(n, 'fast', 'params_m'):.1f}M | {col(n, 'plain', 'train_img_s')} | {col(n, 'fast', 'train_img_s')} "
            f"| {med(n, 'fast', 'train_img_s') / med(n, 'plain', 'train_img_s'):.2f} "
            f"| {col(n, 'plain', 'infer_img_s')} | {col(n, 'fast', 'infer_img_s')} "
            f"| {med(n, 'fast', 'infer_img_s') / med(n, 'plain', 'infer_img_s'):.2f} "
            f"| {med(n, 'plain', 'train_memory_mib'):.0f} / {med(n, 'fast', 'train_memory_mib'):.0f} "
            f"| {gflops:.0f} | {f'{100 * gflops / peak:.0f}%' if peak else '-'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=list(DEFAULT_NETWORKS))
    parser.add_argument("--timm", action="store_true", help="the timm encoders, seglab against smp (TIMM_NETWORKS) "
                        "instead of --networks")
    parser.add_argument("--size", type=int, default=128, help="square input side (pixels)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per measurement (after 2 warm-up)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians over them")
    parser.add_argument("--device", default="cpu", help="cpu | cuda (default: %(default)s)")
    parser.add_argument("--peak-gflops", type=float,
                        help="the device's conv peak in GFLOP/s in the fast way's precision (default on CPU: "
                             "measured at the start, see conv_peak_gflops; none on CUDA unless given)")
    parser.add_argument("--json", help="also write the raw measurements here")
    add_worker_flag(parser)
    args = parser.parse_args()
    if serve_worker(args, worker):
        return
    cuda = args.device.startswith("cuda")
    from seglab.runtime import resolve_precision

    fast_precision = resolve_precision(WAYS["fast"]["precision"], torch.device(args.device))
    peak_dtype = fast_precision.dtype or torch.float32
    peak = args.peak_gflops if args.peak_gflops or cuda else conv_peak_gflops(peak_dtype)
    machine = torch.cuda.get_device_name(args.device) if cuda else f"{platform.machine()}, {torch.get_num_threads()} threads"
    print(f"machine: {machine}, torch {torch.__version__}; "
          f"input {args.batch}x3x{args.size}x{args.size}, {args.steps} timed steps, {args.repeats} rounds "
          f"(median, min-max); fast way in {fast_precision.name}; {fast_precision.name} conv peak "
          f"{f'{peak:.0f} GFLOP/s' if peak else 'not given'}", flush=True)
    networks = list(TIMM_NETWORKS) if args.timm else args.networks
    results: dict[tuple[str, str], list[dict]] = {}
    for round_ in range(args.repeats):
        for network in networks:
            for way in WAYS:
                results.setdefault((network, way), []).append(measure(network, way, args.size, args.batch, args.steps,
                                                                          args.device))
        print(f"round {round_ + 1} done", file=sys.stderr, flush=True)
    print(report(results, networks, peak, "GPU" if cuda else "RSS", fast_precision.name))
    if args.json:
        raw = [{"network": n, "way": w, **r} for (n, w), rs in results.items() for r in rs]
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=2)


if __name__ == "__main__":
    main()
