"""CPU seconds `seglab inspect` spends on a dataset of many folder pairs, as video datasets ship
them (VSPW's `VSPW_480p/data/<video>/{origin/*.jpg,mask/*.png}`; DAVIS, YouTube-VOS and per-case
medical sets are alike): N videos of 3 frames of 8x8 pixels, with train/val/test lists of the
video names, written to a temporary folder. Tiny files, so what is timed is the discovery, which
must grow about linearly with N (3,536 videos in the real VSPW). Each `inspect` runs in its own
process; the time is its user CPU time.

    python benchmarks/video_folders.py                        # 100, 200, 400, 800 videos
    python benchmarks/video_folders.py --videos 3536
    python benchmarks/video_folders.py --write /tmp/vspw400 --videos 400   # only write the tree
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

FRAMES, SIDE = 3, 8


def write_videos(root: Path, videos: int) -> Path:
    """A VSPW-like tree of `videos` videos under root; returns the dataset folder."""
    rng = np.random.default_rng(0)
    dataset = root / "VSPW_480p"
    names = [f"{index}_{rng.integers(16 ** 8):08x}" for index in range(videos)]
    for name in names:
        for folder in ("origin", "mask"):
            (dataset / "data" / name / folder).mkdir(parents=True)
        first = int(rng.integers(0, 1000)) * 15  # frame numbers of the source video: one video's, not another's
        for frame in range(first, first + 15 * FRAMES, 15):
            pixels = rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(dataset / "data" / name / "origin" / f"{frame:08d}.jpg", quality=90)
            labels = rng.choice(np.array([0, 1, 2, 3, 255], dtype=np.uint8), (SIDE, SIDE))
            Image.fromarray(labels, "L").save(dataset / "data" / name / "mask" / f"{frame:08d}.png")
    parts = [names[: videos * 3 // 5], names[videos * 3 // 5: videos * 4 // 5], names[videos * 4 // 5:]]
    for split, listed in zip(("train", "val", "test"), parts):
        (dataset / f"{split}.txt").write_text("".join(f"{name}\n" for name in listed))
    return dataset


def inspect_seconds(dataset: Path) -> tuple[float, float]:
    """(user CPU, wall) seconds of `python -m seglab inspect dataset` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    started = time.perf_counter()
    command = [sys.executable, "-m", "seglab", "inspect", str(dataset), "--ignore-index", "255"]
    done = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(dataset.parent / "cache")})
    if done.returncode:
        raise SystemExit(f"seglab inspect {dataset} failed:\n{done.stderr}")
    wall = time.perf_counter() - started
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, nargs="+", default=[100, 200, 400, 800], help="video counts")
    parser.add_argument("--write", type=Path, help="only write the tree (one count) under this folder")
    args = parser.parse_args()
    if args.write:
        print(write_videos(args.write, args.videos[0]))
        return
    from seglab.runtime import cpu_description
    print(f"{cpu_description()}\n")
    print("| videos | folder pairs | images | inspect, user CPU (s) | wall (s) | CPU per video (ms) |")
    print("|---|---|---|---|---|---|")
    for videos in args.videos:
        with tempfile.TemporaryDirectory() as scratch:
            user, wall = inspect_seconds(write_videos(Path(scratch), videos))
        print(f"| {videos} | {videos} | {videos * FRAMES} | {user:.1f} | {wall:.1f} | {1000 * user / videos:.0f} |")


if __name__ == "__main__":
    main()
