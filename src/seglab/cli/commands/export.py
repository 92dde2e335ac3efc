"""`seglab export`: write a run's model as ONNX or TorchScript, checked against PyTorch."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command
from seglab.cli.values import parse_size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seglab.export.formats import FORMATS as EXPORT_FORMATS  # imports torch: only when export's flags are wanted

    parser.add_argument("run", help="run folder written by `seglab train`")
    parser.add_argument("--format", default="onnx", choices=EXPORT_FORMATS.names(),
                        help="onnx (default; runs without torch in onnxruntime) or torchscript")
    parser.add_argument("--out", help="output folder (default RUN/export)")
    parser.add_argument("--check-size", action="append", type=parse_size, metavar="S|HxW",
                        help="input size for the parity check (repeatable; default three sizes)")
    parser.add_argument("--checkpoint", default="best", choices=["best", "last"],
                        help="the best epoch's weights by val mIoU (default) or the last epoch's")


def run(args: argparse.Namespace) -> None:
    from seglab.export.exporter import export_run

    sizes = [tuple(size) for size in args.check_size] if args.check_size else None
    result = export_run(args.run, args.format, args.out, sizes, args.checkpoint)
    print(f"exported {result.model_path} (+ {result.metadata_path.name}: classes, size, mean/std)")
    print("parity with PyTorch, float32 logits (must be < 1e-4):")
    for check in result.parity:
        height, width = check.size
        print(f"  {height}x{width} batch {check.batch}: max |diff| {check.max_abs_diff:.2e}")


COMMANDS.register("export")(Command(
    help="export a run's model to ONNX or TorchScript, checked against PyTorch",
    description="Write RUN's model with dynamic batch and size, plus a JSON of its "
                "classes and normalisation, then check the file against PyTorch (max |diff| < 1e-4).",
    add_arguments=add_arguments,
    run=run,
))
