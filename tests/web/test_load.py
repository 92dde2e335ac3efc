"""A short, bounded load test on 127.0.0.1: requests per second and errors (must be none)."""

from __future__ import annotations

import json
import threading
import time

import httpx

REQUESTS = 60
CLIENTS = 4
TIMEOUT_S = 30  # per request; the whole test is bounded by REQUESTS * TIMEOUT_S / CLIENTS at worst


def test_load(server_url, sample_png, tmp_path, capsys):
    payload = sample_png.read_bytes()
    errors: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = iter(range(REQUESTS))

    def client() -> None:
        with httpx.Client(base_url=server_url, timeout=TIMEOUT_S) as session:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                started = time.perf_counter()
                try:
                    response = session.post("/predict", files={"file": (sample_png.name, payload, "image/png")})
                    failure = None if response.status_code == 200 else f"HTTP {response.status_code}"
                except httpx.HTTPError as err:
                    failure = repr(err)
                with lock:
                    latencies.append(time.perf_counter() - started)
                    if failure:
                        errors.append(failure)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    latencies.sort()
    report = {
        "requests": len(latencies),
        "clients": CLIENTS,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p95_ms": round(1000 * latencies[int(len(latencies) * 0.95) - 1], 1),
        "errors": len(errors),
    }
    (tmp_path / "load.json").write_text(json.dumps(report, indent=2))
    with capsys.disabled():
        print(f"\nload test (32x32 PNG, POST /predict): {json.dumps(report)}")
    assert len(latencies) == REQUESTS
    assert not errors, errors[:5]
