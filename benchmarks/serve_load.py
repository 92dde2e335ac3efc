"""`seglab serve` under a burst: N clients at once on 127.0.0.1, with hostile uploads among them.

Starts `seglab serve RUN` as a subprocess on a free 127.0.0.1 port (RUN: a tiny native-size run
this script trains itself in a temporary folder, unless one is given), warms it up with one
request, then sends N concurrent uploads at once (asyncio + httpx, one request per client):
images of mixed sizes (64-1024 px per side) and a few hostile ones (a flat PNG at the pixel
limit, a non-image, a truncated PNG), while polling /health every 50 ms. Prints: requests by
answer (200, 4xx, 503, other, unanswered), their latencies, /health latency during the burst,
and the server's resident memory (VmRSS / VmHWM from /proc): at baseline, peak, right after
the burst and --settle seconds later. Loopback only; bounded in requests and time (every
request times out after --timeout s, the server is stopped at the end).

    python benchmarks/serve_load.py                       # 200 clients, default server settings
    python benchmarks/serve_load.py --clients 50 --settle 10 -- --max-concurrent 2 --max-queue 32
    python benchmarks/serve_load.py --run runs/exp1 --json load.json
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from seglab.runtime import cpu_description

ROOT = Path(__file__).resolve().parents[1]
MAX_PIXELS = 4096 * 4096  # seglab serve's default --max-pixels


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def scene(rng: np.random.Generator, height: int, width: int) -> bytes:
    """A smooth RGB image with a few bright shapes: compresses like a photo-ish PNG, not like noise."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x * 200 // max(width, 1), y * 200 // max(height, 1), (x + y) * 100 // (height + width)], -1)
    for _ in range(4):
        cy, cx, r = rng.integers(0, height), rng.integers(0, width), rng.integers(4, max(5, min(height, width) // 4))
        image[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.integers(0, 256, 3)
    return png(image.astype(np.uint8))


def uploads(clients: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """`clients` uploads: mixed sizes from 64 to 1024 px, six hostile ones spread among them."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    sizes = [64, 128, 256, 384, 512, 768, 1024]
    cache: dict[tuple[int, int], bytes] = {}
    items = []
    for i in range(clients):
        shape = (rng.choice(sizes), rng.choice(sizes))
        if shape not in cache:
            cache[shape] = scene(nprng, *shape)
        items.append((f"image_{shape[0]}x{shape[1]}.png", cache[shape]))
    flat = png(np.zeros((4096, 4096), np.uint8))
    hostile = [("flat_4096x4096.png", flat), ("flat_4096x4096_b.png", flat), ("notes.png", b"not an image " * 100),
               ("notes_b.png", b"%PDF-1.4 " * 50), ("truncated.png", cache[next(iter(cache))][:200]),
               ("truncated_b.png", scene(nprng, 512, 512)[:1000])]
    for k, item in enumerate(hostile[:clients]):  # early in the burst, so that they are let in
        items[min(2 * k, clients - 1)] = item
    return items


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in kB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def train_tiny_run(folder: Path) -> Path:
    """A native-size unet_small (widths 8-16-32) trained one epoch on 12 synthetic 32x32 images."""
    data, run = folder / "data", folder / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = ("from seglab.data.layouts.synthetic import generate_synthetic; import sys; "
            "generate_synthetic(sys.argv[1], num_samples=12, size=(32, 32), num_classes=4)")
    subprocess.run([sys.executable, "-c", code, str(data)], check=True, env=env)
    subprocess.run([sys.executable, "-m", "seglab", "train", str(data), "--out", str(run), "--model", "unet_small",
                    "--model-option", "widths=[8,16,32]", "--batch-size", "4", "--epochs", "1", "--precision",
                    "fp32", "--no-progress"], check=True, env=env, stdout=subprocess.DEVNULL)
    return run


async def burst(url: str, items: list[tuple[str, bytes]], timeout: float, pid: int, retries: int = 0) -> dict:
    """All uploads at once while /health is polled; a client answered 503 tries again after the
    Retry-After seconds (times a random 1-1.5), up to `retries` times. Returns the raw results."""
    results: list[tuple[str, float]] = []
    refusals: list[str] = []  # name, status and message of each 4xx and 5xx other than 503
    health: list[float] = []
    peak_rss = 0
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=len(items) + 1, max_keepalive_connections=0)

    async def client(session: httpx.AsyncClient, name: str, data: bytes) -> None:
        started = time.perf_counter()
        for attempt in range(retries + 1):
            try:
                response = await session.post("/predict", files={"file": (name, data, "image/png")})
                outcome = str(response.status_code)
            except httpx.HTTPError as err:
                outcome = f"unanswered: {type(err).__name__}"
                break
            if response.status_code != 503 or attempt == retries:
                if response.status_code >= 400 and response.status_code != 503:
                    refusals.append(f"{name}: HTTP {response.status_code} {response.text[:160]}")
                break
            await asyncio.sleep(float(response.headers.get("Retry-After", 1)) * random.uniform(1, 1.5))
        results.append((outcome, time.perf_counter() - started))

    async def poll() -> None:
        nonlocal peak_rss
        async with httpx.AsyncClient(base_url=url, timeout=timeout) as session:
            while not done.is_set():
                started = time.perf_counter()
                try:
                    await session.get("/health")
                    health.append(time.perf_counter() - started)
                except httpx.HTTPError:
                    health.append(float("inf"))
                peak_rss = max(peak_rss, memory_kb(pid)["VmRSS"])
                await asyncio.sleep(0.05)

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as session:
        poller = asyncio.create_task(poll())
        await asyncio.gather(*(client(session, name, data) for name, data in items))
        done.set()
        await poller
    return {"results": results, "refusals": refusals, "health": health, "seconds": time.perf_counter() - started,
            "peak_rss_kb": peak_rss}


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def machine() -> str:
    return f"{cpu_description()}, {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="run folder to serve (default: train a tiny one)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent uploads (default 200)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a request counts as unanswered")
    parser.add_argument("--settle", type=float, default=60, help="seconds after the burst to measure memory again")
    parser.add_argument("--retries", type=int, default=0,
                        help="times a client answered 503 tries again after Retry-After (default 0: one shot)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("serve_args", nargs="*", help="after --: extra `seglab serve` options")
    args = parser.parse_args()
    if (not 1 <= args.clients <= 2000 or not 0 < args.timeout <= 900 or not 0 <= args.settle <= 600
            or not 0 <= args.retries <= 20):
        parser.error("bounded on purpose: 1-2000 clients, timeout up to 900 s, settle up to 600 s, retries up to 20")

    with tempfile.TemporaryDirectory(prefix="seglab-serve-load-") as tmp:
        run = args.run or train_tiny_run(Path(tmp))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "seglab", "serve", str(run), "--host", "127.0.0.1", "--port", str(port),
                   "--device", "cpu", *args.serve_args]
        log = (Path(tmp) / "serve.log").open("w")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"`seglab serve` did not start:\n{(Path(tmp) / 'serve.log').read_text()}")
                time.sleep(0.2)
            items = uploads(args.clients)
            warm = httpx.post(f"{url}/predict", files={"file": items[1]}, timeout=args.timeout)
            time.sleep(3)  # the server gives freed memory back after 1 s idle
            baseline = memory_kb(server.pid)
            print(f"server up (pid {server.pid}), warm-up request: HTTP {warm.status_code}; "
                  f"baseline RSS {baseline['VmRSS'] / 1024:.0f} MiB; {len(items)} uploads "
                  f"({sum(len(d) for _, d in items) / 2**20:.1f} MiB) at once ...", flush=True)
            raw = asyncio.run(burst(url, items, args.timeout, server.pid, args.retries))
            after = memory_kb(server.pid)
            time.sleep(args.settle)
            settled = memory_kb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()

    counts: dict[str, int] = {"200": 0, "4xx": 0, "503": 0, "other": 0, "unanswered": 0}
    for outcome, _ in raw["results"]:
        if outcome.startswith("unanswered"):
            counts["unanswered"] += 1
        elif outcome in ("200", "503"):
            counts[outcome] += 1
        elif outcome.startswith("4"):
            counts["4xx"] += 1
        else:
            counts["other"] += 1
    by_status: dict[str, list[float]] = {}
    for outcome, seconds in raw["results"]:
        by_status.setdefault(outcome, []).append(seconds)
    latencies = [s for _, s in raw["results"]]
    health = raw["health"]
    report = {
        "machine": machine(), "commit": commit(), "clients": args.clients, "retries": args.retries,
        "serve_args": args.serve_args,
        "burst_s": round(raw["seconds"], 1), "answers": counts,
        "latency_s": {q: round(quantile(latencies, p), 3) for q, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        "latency_by_status_s": {k: {"n": len(v), "p50": round(quantile(v, 0.5), 3), "max": round(max(v), 3)}
                                for k, v in sorted(by_status.items())},
        "health": {"polls": len(health), "p50_s": round(quantile(health, 0.5), 3),
                   "p99_s": round(quantile(health, 0.99), 3), "max_s": round(max(health, default=0), 3)},
        "rss_mib": {"baseline": round(baseline["VmRSS"] / 1024), "peak_sampled": round(raw["peak_rss_kb"] / 1024),
                    "peak_hwm": round(after["VmHWM"] / 1024), "after_burst": round(after["VmRSS"] / 1024),
                    f"after_{args.settle:g}s": round(settled["VmRSS"] / 1024)},
    }
    print(f"\nmachine: {report['machine']}; seglab commit {report['commit']}; "
          f"seglab serve options: {' '.join(args.serve_args) or '(defaults)'}")
    rows = [
        ("clients (one upload each, all at once)", f"{args.clients}, retrying a 503 up to {args.retries} times"),
        ("burst duration", f"{raw['seconds']:.1f} s"),
        ("answers 200 / 4xx / 503 / other / unanswered", " / ".join(str(counts[k]) for k in counts)),
        ("latency p50 / p95 / p99", " / ".join(f"{report['latency_s'][q]:.2f} s" for q in ("p50", "p95", "p99"))),
        *((f"  HTTP {k}: n, p50, max", f"{v['n']}, {v['p50']:.2f} s, {v['max']:.2f} s")
          for k, v in report["latency_by_status_s"].items()),
        ("/health during the burst: polls, p50 / p99 / max",
         f"{len(health)}, {report['health']['p50_s'] * 1000:.0f} / {report['health']['p99_s'] * 1000:.0f} / "
         f"{report['health']['max_s'] * 1000:.0f} ms"),
        ("server RSS: baseline", f"{report['rss_mib']['baseline']} MiB"),
        ("server RSS: peak (sampled / VmHWM)",
         f"{report['rss_mib']['peak_sampled']} / {report['rss_mib']['peak_hwm']} MiB"),
        ("server RSS: right after the burst", f"{report['rss_mib']['after_burst']} MiB"),
        (f"server RSS: {args.settle:g} s after the burst", f"{report['rss_mib'][f'after_{args.settle:g}s']} MiB"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for refusal in sorted(raw["refusals"])[:12]:
        print(f"  refused: {refusal}")
    report["refusals"] = raw["refusals"]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
