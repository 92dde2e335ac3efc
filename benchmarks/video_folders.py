"""CPU seconds `seglab inspect` spends on a dataset of many folder pairs, as video datasets ship
them (VSPW's `VSPW_480p/data/<video>/{origin/*.jpg,mask/*.png}`; DAVIS, YouTube-VOS and per-case
medical sets are alike): N videos of 3 frames of 8x8 pixels, with train/val/test lists of the
video names, written to a temporary folder. Tiny files, so what is timed is the discovery, which
must grow about linearly with N (3,536 videos in the real VSPW). Each `inspect` runs in its own
process; the time is its user CPU time.

`--layout culane` writes CULane's layout instead: `driver_<n>_<k>frame/<clip>.MP4/00000.jpg` (+
`.lines.txt`), the masks in a copy of the tree below `laneseg_label_w16/`, and `list/train_gt.txt`,
`val_gt.txt` and `test.txt` naming the frames by path (every clip holds `00000.jpg`); a fifth of the
clips, the test set's, without masks (CULane: about 4,000 clips in six driver folders).

`--layout sequences` writes `images/seq_<n>/` beside `masks/seq_<n>/`, each sequence's frames
named alike (`00000.png`, `00001.png`, ...), no lists: every folder pair holds the same names, so
copies of a dataset and date folders are looked for among thousands of alike folders, numbered with
four digits (`seq_1950/` beside `seq_1951/` and `seq_0007/`: sequences, no years).

    python benchmarks/video_folders.py                        # 100, 200, 400, 800 videos
    python benchmarks/video_folders.py --videos 3536
    python benchmarks/video_folders.py --layout culane        # 100, 200, 400, 800 clips
    python benchmarks/video_folders.py --layout sequences --videos 500 1000 2000
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
    for split, listed in zip(("train", "val", "test"), _splits(names)):
        (dataset / f"{split}.txt").write_text("".join(f"{name}\n" for name in listed))
    return dataset


def write_culane(root: Path, clips: int) -> Path:
    """A CULane-like tree of `clips` clips under root; returns the dataset folder."""
    rng = np.random.default_rng(0)
    dataset = root / "CULane"
    drivers = {"train": ["driver_23_30frame", "driver_161_90frame", "driver_182_30frame"],
               "test": ["driver_37_30frame", "driver_100_30frame", "driver_193_90frame"]}
    dates = rng.integers((1, 1, 0, 0), (13, 29, 24, 60), (clips, 4))  # month, day, hour, minute of recording
    names = [f"{''.join(f'{n:02d}' for n in date)}_{index:04d}.MP4" for index, date in enumerate(dates)]
    lines: dict[str, list[str]] = {"train_gt": [], "val_gt": [], "test": []}
    for split, listed in zip(lines, _splits(names)):
        for index, clip in enumerate(listed):
            driver = drivers["test" if split == "test" else "train"][index % 3]
            for frame in range(0, 30 * FRAMES, 30):
                image = f"/{driver}/{clip}/{frame:05d}.jpg"
                pixels = rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)
                _save(Image.fromarray(pixels), dataset / image[1:], quality=90)
                (dataset / image[1:]).with_suffix(".lines.txt").write_text("1.0 7\n")
                if split == "test":
                    lines[split].append(image)
                    continue
                mask = f"/laneseg_label_w16{image[:-4]}.png"
                lanes = rng.integers(0, 5, (SIDE, SIDE), dtype=np.uint8)  # 0 background, 1-4 a lane's slot
                _save(Image.fromarray(lanes, "L"), dataset / mask[1:])
                lines[split].append(f"{image} {mask} 1 1 1 1")
    (dataset / "list").mkdir()
    for name, listed in lines.items():
        (dataset / "list" / f"{name}.txt").write_text("".join(f"{line}\n" for line in listed))
    return dataset


def write_sequences(root: Path, sequences: int) -> Path:
    """`sequences` folder pairs `images/<seq>/` + `masks/<seq>/` under root; returns the dataset folder."""
    rng = np.random.default_rng(0)
    dataset = root / "sequences"
    for index in range(sequences):
        for frame in range(FRAMES):
            pixels = rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)
            _save(Image.fromarray(pixels), dataset / "images" / f"seq_{index:04d}" / f"{frame:05d}.png")
            labels = rng.choice(np.array([0, 1, 2], dtype=np.uint8), (SIDE, SIDE))
            _save(Image.fromarray(labels, "L"), dataset / "masks" / f"seq_{index:04d}" / f"{frame:05d}.png")
    return dataset


def _splits(names: list[str]) -> list[list[str]]:
    """Train, val and test: three fifths, a fifth and a fifth."""
    count = len(names)
    return [names[: count * 3 // 5], names[count * 3 // 5: count * 4 // 5], names[count * 4 // 5:]]


def _save(image: Image.Image, path: Path, **options: int) -> None:
    """Save `image` at `path`, its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)


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


_WRITERS = {"vspw": write_videos, "culane": write_culane, "sequences": write_sequences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, nargs="+", default=[100, 200, 400, 800], help="video (clip) counts")
    parser.add_argument("--layout", choices=sorted(_WRITERS), default="vspw", help="the tree to write")
    parser.add_argument("--write", type=Path, help="only write the tree (one count) under this folder")
    args = parser.parse_args()
    write = _WRITERS[args.layout]
    if args.write:
        print(write(args.write, args.videos[0]))
        return
    from seglab.runtime import cpu_description
    print(f"{cpu_description()}\n")
    unit = {"vspw": "videos", "culane": "clips", "sequences": "sequences"}[args.layout]
    print(f"| {unit} | folder pairs | images | inspect, user CPU (s) | wall (s) | CPU per {unit[:-1]} (ms) |")
    print("|---|---|---|---|---|---|")
    for videos in args.videos:
        with tempfile.TemporaryDirectory() as scratch:
            user, wall = inspect_seconds(write(Path(scratch), videos))
        pairs = videos * 4 // 5 if args.layout == "culane" else videos  # CULane's test clips: no masks
        print(f"| {videos} | {pairs} | {videos * FRAMES} | {user:.1f} | {wall:.1f} | {1000 * user / videos:.0f} |")


if __name__ == "__main__":
    main()
