"""Run one measurement in a fresh Python process, so process-wide settings (the allocator, thread
pools, torch's caches) of one configuration never leak into the next.

A benchmark script calls `run_isolated(__file__, args)` in the parent; the child is the same
script started with `--worker JSON`, which hands `args` to `serve_worker` and prints the
JSON result as its last line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any


def add_worker_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--worker", help=argparse.SUPPRESS)


def serve_worker(args: argparse.Namespace, measure: Callable[[dict], Any]) -> bool:
    """In a child process: run `measure` on the parent's arguments, print its result; True if so."""
    if not args.worker:
        return False
    print(json.dumps(measure(json.loads(args.worker))))
    return True


def run_isolated(script: str, args: dict, what: str) -> Any:
    """Run `script --worker JSON(args)` and return its result; a failure ends the benchmark naming `what`."""
    done = subprocess.run([sys.executable, script, "--worker", json.dumps(args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
