"""CamVid road scenes: train on the 367 train images, score the 101 val images.

Void (label 11) is ignored in loss and metrics. Reports IoU per class and the mIoU over the 11
classes at the images' original 360x480 size, for the best epoch (by val mIoU) and the last.
Target: mIoU >= 0.60. Not part of the test run.

    python benchmarks/quality/camvid.py --out /tmp/camvid
    python benchmarks/quality/camvid.py --model unet_resnet34 --set 'model.options={encoder_weights: imagenet}'
    python benchmarks/quality/camvid.py --epochs 1 --size 64   # smoke run
"""

from __future__ import annotations

import time

import common

TARGET_MIOU = 0.60


def main() -> None:
    parser = common.recipe_parser(__doc__, "camvid", epochs=150, model="unet", batch_size=8, lr=1e-3,
                                  augment="light", loss="ce_dice")
    args = common.start(parser)
    env = common.environment(args)
    started = time.perf_counter()
    run = common.train_and_score(common.overrides(args), args.out / "run", args)  # the layout's train/val
    total = time.perf_counter() - started

    markdown = "\n\n".join([
        f"### CamVid, train -> val, void ignored ({args.model or 'the planned recipe'})",
        common.run_facts(env, [run], total),
        common.class_table(run, {"IoU": "iou"}),
        "\n".join(f"- {common.verdict(f'mIoU, {name} weights', run.scores[name].mean_iou, TARGET_MIOU)}"
                  for name in common.CHECKPOINTS),
    ])
    common.report(args.out, "camvid", markdown, {**env, "wall_seconds": total, "target_miou": TARGET_MIOU,
                                                 **run.to_dict()})


if __name__ == "__main__":
    main()
