"""Brain MRI tissue: validation on the contiguous block of slices 66 to 94, training on the rest.

Neighbouring slices are nearly identical, so a random split would inflate the scores; the
block is fixed by a generated split file (`--split-file`), written to OUT/split.json. Reports
Dice and IoU per class at the slices' original 192x224 size, for the best epoch (by val mIoU)
and the last. Targets: Dice white matter >= 0.87, gray matter >= 0.89. Not part of the test run.

    python benchmarks/quality/brain_mri.py --out /tmp/brain-mri
    python benchmarks/quality/brain_mri.py --epochs 1 --size 64   # smoke run
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import common
from seglab.data import discover

TARGET_DICE = {"white matter": 0.87, "gray matter": 0.89}


def write_block_split(data: Path, first: int, last: int, path: Path) -> Path:
    """A split file with slices `first`..`last` (from the names mri_<i>) as val, the rest train."""
    ids = {}
    for pair in discover(data, "auto").pairs:
        match = re.fullmatch(r"mri_(\d+)", pair.name)
        if match is None:
            raise SystemExit(f"'{pair.name}' in {data} is not named mri_<slice>")
        ids[pair.name] = int(match.group(1))
    missing = sorted(set(range(first, last + 1)) - set(ids.values()))
    if missing:
        raise SystemExit(f"slices {missing} of the validation block {first}-{last} are not in {data}")
    split = {"train": [name for name, i in ids.items() if not first <= i <= last],
             "val": [name for name, i in ids.items() if first <= i <= last], "test": []}
    path.write_text(json.dumps(split, indent=1))
    return path


def main() -> None:
    parser = common.recipe_parser(__doc__, "brain-mri", epochs=60, model="unet_mri", batch_size=8, lr=3e-3,
                                  augment="none", loss="ce_dice")
    parser.add_argument("--val-block", type=int, nargs=2, default=[66, 94], metavar=("FIRST", "LAST"),
                        help="slice ids of the validation block, both included (default: 66 94)")
    args = common.start(parser)
    env = common.environment(args)
    first, last = args.val_block
    split_file = write_block_split(args.data, first, last, args.out / "split.json")
    started = time.perf_counter()
    run = common.train_and_score(common.overrides(args, **{"data.split_file": str(split_file)}),
                                 args.out / "run", args)
    total = time.perf_counter() - started

    verdicts = [
        common.verdict(f"Dice {name}, {checkpoint} weights", run.scores[checkpoint].dice[run.class_names.index(name)],
                       target)
        for checkpoint in common.CHECKPOINTS for name, target in TARGET_DICE.items()
    ]
    markdown = "\n\n".join([
        f"### Brain MRI, val = slices {first}-{last} ({args.model or 'the planned recipe'})",
        common.run_facts(env, [run], total),
        common.class_table(run, {"Dice": "dice", "IoU": "iou"}),
        "\n".join(f"- {line}" for line in verdicts),
    ])
    common.report(args.out, "brain_mri", markdown, {
        **env, "val_block": [first, last], "split_file": str(split_file), "wall_seconds": total,
        "target_dice": TARGET_DICE, **run.to_dict(),
    })


if __name__ == "__main__":
    main()
