"""Seconds from `seglab ...` to its exit, for commands that read no model, and whether torch
was loaded: `--help`, a command's `--help`, and `inspect` of a dataset folder. Each command runs
in a fresh interpreter, as a user's shell starts it; the median of --repeat runs is shown.

    python benchmarks/cli_startup.py
    python benchmarks/cli_startup.py --data ~/data/pets --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
_RUN = """
import sys
from seglab.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("torch loaded" if "torch" in sys.modules else "no torch")
"""


def timed(argv: list[str]) -> tuple[float, bool]:
    """Wall seconds of `seglab ARGV` in a new interpreter, and whether it imported torch."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stderr.endswith("torch loaded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "isbi2012", help="folder for `seglab inspect`")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (the median is shown)")
    args = parser.parse_args()
    from seglab.runtime import cpu_description  # imports torch, in this process only

    import torch

    print(f"{cpu_description()}, torch {torch.__version__}, Python {sys.version.split()[0]}\n")
    print("| command | seconds (median) | torch loaded |")
    print("|---|---|---|")
    for argv in (["--help"], ["inspect", "--help"], ["train", "--help"], ["inspect", str(args.data)]):
        runs = [timed(argv) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        print(f"| seglab {' '.join(argv)} | {seconds:.2f} | {'yes' if runs[0][1] else 'no'} |")


if __name__ == "__main__":
    main()
