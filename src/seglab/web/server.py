"""Load a model (run folder or exported `.onnx`) and serve the web app with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.errors import ConfigError, SeglabError
from seglab.web.uploads import UploadLimits

if TYPE_CHECKING:
    from seglab.inference.predictor import Segmenter
    from seglab.web.budget import ModelCost, RequestBudget
    from seglab.web.queue import QueueLimits

log = logging.getLogger(__name__)


def load_segmenter(
    source: str | Path, device: str = "auto", precision: str = "fp32", tile: int | None = None
) -> Segmenter:
    """A `Predictor` for a run folder, an `OnnxPredictor` for an exported `model.onnx`.

    `precision` as `seglab predict --precision`: fp32 (exact) or autocast for speed. `tile`:
    a run's model sees images larger than this (at native size, or its training size) in
    overlapping tiles of this side, one at a time, which bounds the network's memory; an
    exported model always sees the whole image.

    Raises:
        CheckpointError: `source` is neither a finished run folder nor an exported model.
        ConfigError: a precision other than fp32 for an exported model (onnxruntime runs it as exported).
    """
    path = Path(source)
    if path.suffix.lower() == ".onnx":
        from seglab.export.predictor import OnnxPredictor

        if precision != "fp32":
            raise ConfigError(f"--precision {precision} needs a run folder; '{path}' is an exported model, "
                              "which onnxruntime runs in the precision it was exported in")
        return OnnxPredictor.from_file(path)
    from seglab.inference.predictor import InferenceOptions, Predictor, adapt_threads

    options = InferenceOptions(tile=tile, batch_size=1)  # one tile at a time: memory, not speed, is the limit
    return adapt_threads(Predictor.from_run(path, device=device, precision=precision, options=options))


def serve(
    segmenter: Segmenter,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: UploadLimits | None = None,
    name: str = "seglab",
    queue: QueueLimits | None = None,
    budget: RequestBudget | None = None,
) -> None:
    """Serve the web app for `segmenter` until interrupted (blocks); uvicorn logs each request.

    The model is timed once at startup to estimate each request's cost (see `web.budget`).

    Raises:
        SeglabError: fastapi or uvicorn is not installed.
    """
    try:
        import uvicorn

        from seglab.web.app import create_app
    except ImportError as err:
        raise SeglabError(f"serving needs the 'serve' extra ({err.name} is missing): "
                          "pip install 'seglab[serve]'") from None
    log.debug("serving %s on http://%s:%d", name, host, port)
    app = create_app(segmenter, limits, name, queue, budget)
    log.info("%s", describe_limits(app.state.queue.limits, app.state.budget, app.state.cost))
    uvicorn.run(app, host=host, port=port)


def describe_limits(queue: QueueLimits, budget: RequestBudget, cost: ModelCost | None) -> str:
    """The server's load limits in one line, for its startup log."""
    line = (f"{queue.max_concurrent} prediction(s) at a time, {queue.max_queue} waiting, 503 beyond; "
            f"per request at most {budget.max_seconds:g} s of compute and {budget.max_memory_mb:g} MiB")
    if cost is None:
        return line
    side = cost.largest_side(budget)
    fits = (f"images up to about {side}x{side} pixels" if side else
            "NO image: raise --max-seconds or --max-request-mb")
    return f"{line}; {cost.description} takes {cost.seconds_per_pixel * 1e6:.2f} us per pixel here, so {fits}"
