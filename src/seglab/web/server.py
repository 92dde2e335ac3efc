"""Load a model (run folder or exported `.onnx`) and serve the web app with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.errors import ConfigError, SeglabError
from seglab.web.uploads import UploadLimits

if TYPE_CHECKING:
    from seglab.inference.predictor import Segmenter
    from seglab.web.budget import RequestBudget
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
    from seglab.inference.predictor import InferenceOptions, Predictor

    options = InferenceOptions(tile=tile, batch_size=1)  # one tile at a time: memory, not speed, is the limit
    return Predictor.from_run(path, device=device, precision=precision, options=options)


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
    uvicorn.run(create_app(segmenter, limits, name, queue, budget), host=host, port=port)
