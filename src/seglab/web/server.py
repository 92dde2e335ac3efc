"""Load a model (run folder or exported `.onnx`) and serve the web app with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.errors import ConfigError, SeglabError
from seglab.web.uploads import UploadLimits

if TYPE_CHECKING:
    from seglab.inference.predictor import Segmenter

log = logging.getLogger(__name__)


def load_segmenter(source: str | Path, device: str = "auto", precision: str = "fp32") -> Segmenter:
    """A `Predictor` for a run folder, an `OnnxPredictor` for an exported `model.onnx`.

    `precision` as `seglab predict --precision`: fp32 (exact) or autocast for speed.

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
    from seglab.inference.predictor import Predictor

    return Predictor.from_run(path, device=device, precision=precision)


def serve(
    segmenter: Segmenter,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: UploadLimits | None = None,
    name: str = "seglab",
) -> None:
    """Serve the web app for `segmenter` until interrupted (blocks); uvicorn logs each request.

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
    uvicorn.run(create_app(segmenter, limits, name), host=host, port=port)
