"""`seglab serve`: the upload page and JSON API over a run or an exported model."""

from __future__ import annotations

import argparse
from pathlib import Path

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_compile_options, add_device_option, add_precision_option, compile_mode
from seglab.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="run folder written by `seglab train`, or a model.onnx from `seglab export`")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    add_device_option(parser)
    add_precision_option(parser)
    add_compile_options(parser)
    parser.add_argument("--max-upload-mb", type=float, default=10.0, help="largest upload in MiB (default 10)")
    parser.add_argument("--upload-timeout", type=float, default=60.0, metavar="S",
                        help="seconds an upload's body may take to arrive; a slower or stalled one gets 408 and "
                        "gives its place in the queue back (default 60: 10 MiB at 1.4 Mbit/s)")
    parser.add_argument("--max-pixels", type=int, default=4096 * 4096,
                        help="largest image in pixels, H x W (default 4096x4096)")
    parser.add_argument("--max-concurrent", type=int, default=1, metavar="N",
                        help="predictions computed at once (default 1: one prediction already uses every CPU "
                        "core; 2-4 on a GPU)")
    parser.add_argument("--max-queue", type=int, default=16, metavar="M",
                        help="requests that may wait for a prediction (default 16); beyond them the server "
                        "answers 503 with Retry-After at once")
    parser.add_argument("--tile", type=int, default=512, metavar="PX",
                        help="a run's model sees larger images in overlapping PX x PX tiles, one at a time, "
                        "which bounds its memory (default 512)")
    parser.add_argument("--max-seconds", type=float, default=30.0, metavar="S",
                        help="most compute one request may take, estimated from the model (timed at startup) and "
                        "the image size before decoding; larger images get 413 (default 30)")
    parser.add_argument("--max-request-mb", type=float, default=2048.0, metavar="MB",
                        help="most memory one request's full-size outputs (class probabilities, mask, overlay) may "
                        "take, estimated the same way; larger images get 413 (default 2048)")


def run(args: argparse.Namespace) -> None:
    from seglab.inference.loading import load_segmenter
    from seglab.inference.predictor import InferenceOptions
    from seglab.web.budget import RequestBudget
    from seglab.web.queue import QueueLimits
    from seglab.web.server import serve
    from seglab.web.uploads import UploadLimits

    try:
        limits = UploadLimits(max_bytes=int(args.max_upload_mb * 2**20), max_pixels=args.max_pixels,
                              max_seconds=args.upload_timeout)
        queue = QueueLimits(args.max_concurrent, args.max_queue)
        budget = RequestBudget(args.max_seconds, args.max_request_mb)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if args.tile is not None and args.tile < 1:
        raise ConfigError(f"--tile must be a positive number of pixels, got {args.tile}")
    # one tile at a time: memory, not speed, is what a service must bound
    segmenter = load_segmenter(args.run, args.device, args.precision, InferenceOptions(
        tile=args.tile, batch_size=1, compile_mode=compile_mode(args)))
    print(f"serving {args.run} on http://{args.host}:{args.port}/ (API docs at /docs; Ctrl+C stops)")
    serve(segmenter, args.host, args.port, limits, name=Path(args.run).resolve().name, queue=queue, budget=budget)


COMMANDS.register("serve")(Command(
    help="web page and JSON API that segment uploaded images",
    description="Serve RUN (a run folder or an exported model.onnx): an upload page "
                "at /, POST /predict, API docs at /docs. Predictions run on --max-concurrent workers behind a queue of "
                "--max-queue (503 + Retry-After beyond it); each upload's compute time and memory are "
                "estimated from its header and the model, timed at startup, and refused with 413 "
                "over --max-seconds or --max-request-mb; /health answers at once with the queue depth.",
    add_arguments=add_arguments,
    run=run,
))
