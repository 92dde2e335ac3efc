"""The FastAPI application: the upload page, `POST /predict` (JSON), and model information.

Example:
    >>> from seglab import Predictor
    >>> app = create_app(Predictor.from_run("runs/demo"))  # doctest: +SKIP
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import Any

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seglab._version import __version__
from seglab.errors import DataError
from seglab.inference.predictor import Segmenter
from seglab.web.budget import ModelCost, RequestBudget, check_budget, measure_cost
from seglab.web.page import render_page
from seglab.web.queue import ClientGone, QueueLimits, ServerBusy, WorkQueue, release_memory
from seglab.web.render import render_prediction
from seglab.web.uploads import UploadError, UploadLimits, decode_upload, probe_upload

log = logging.getLogger(__name__)

_MULTIPART_OVERHEAD = 64 * 2**10  # boundaries and part headers around the file in a request body


class ClassInfo(BaseModel):
    index: int
    name: str
    colour: list[int] = Field(description="RGB, 0-255, as used in the overlay and the mask palette")


class ClassShareOut(ClassInfo):
    pixels: int = Field(description="pixels predicted as this class")
    share: float = Field(description="fraction of all pixels, 0-1")


class PredictResponse(BaseModel):
    width: int
    height: int
    classes: list[ClassShareOut] = Field(description="every class, with its share of the predicted mask")
    mask_png: str = Field(description="base64 palette PNG at the input's size; pixel values are class indices "
                          "(multi-label models: grey PNG of bit sets, bit k = class k)")
    class_masks: dict[str, str] | None = Field(default=None, description="multi-label models only: class name -> "
                                               "base64 PNG, 255 where the class is predicted, else 0")
    overlay_png: str = Field(description="base64 RGB PNG: class colours blended over the image")
    image_png: str = Field(description="base64 RGB PNG of the input as shown on the page")


class ModelInfo(BaseModel):
    name: str
    in_channels: int
    num_classes: int
    size: list[int] | None = Field(description="(H, W) images are resized to; null = native size")
    classes: list[ClassInfo]


class ErrorOut(BaseModel):
    detail: str


class HealthOut(BaseModel):
    status: str = Field(description="always 'ok' while the server runs")
    running: int = Field(description="predictions being computed")
    queued: int = Field(description="requests waiting for a worker")


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "empty upload"},
    408: {"model": ErrorOut, "description": "upload body not received within the upload time limit"},
    411: {"model": ErrorOut, "description": "request without Content-Length"},
    413: {"model": ErrorOut, "description": "upload larger than the byte or pixel limit"},
    415: {"model": ErrorOut, "description": "not a PNG, JPEG, WebP, TIFF or BMP image, or not decodable"},
    422: {"model": ErrorOut, "description": "no file field, or an image the model cannot take"},
    503: {"model": ErrorOut, "description": "queue full; retry after the `Retry-After` header's seconds"},
}


def create_app(
    predictor: Segmenter,
    limits: UploadLimits | None = None,
    name: str = "seglab",
    queue: QueueLimits | None = None,
    budget: RequestBudget | None = None,
    cost: ModelCost | None = None,
) -> FastAPI:
    """Build the app around one loaded predictor.

    Args:
        predictor: a `Predictor`, `EnsemblePredictor` or `OnnxPredictor` (any `Segmenter`).
        limits: upload byte and pixel limits (default 10 MiB, 4096 x 4096 pixels).
        name: shown as the page title and in the model information.
        queue: predictions at once and requests waiting (default 1 and 16); more get 503.
        budget: the most compute time and memory one request may cost (default 30 s, 2 GiB);
            checked against `cost`, which is measured on `predictor` when not given.
        cost: the model's cost per pixel (`measure_cost`); tests pass their own.
    """
    limits = limits or UploadLimits()
    budget = budget or RequestBudget()
    cost = cost or measure_cost(predictor)
    release_memory()  # the timing runs' buffers
    work = WorkQueue(queue)
    app = FastAPI(
        title=f"{name} segmentation",
        version=__version__,
        description="Upload an image, get the predicted class mask (palette PNG), an overlay and "
        "per-class pixel shares. The page at / uses the same API.",
        on_shutdown=[work.close],
    )
    app.state.queue, app.state.cost, app.state.budget = work, cost, budget
    app.add_middleware(QueueGate, queue=work)
    app.add_middleware(BodyLimit, limits=limits)
    page = render_page(f"{name} segmentation", limits.max_bytes, limits.max_pixels)
    classes = predictor.classes
    card = getattr(predictor, "card", None)

    @app.exception_handler(UploadError)
    def upload_error(request: Any, err: UploadError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=err.status)

    @app.exception_handler(ClientGone)
    def client_gone(request: Any, err: ClientGone) -> JSONResponse:
        log.info("%s", err)
        return JSONResponse({"detail": str(err)}, status_code=499)  # nginx's "client closed request": nobody reads it

    # the routes below are async: they run on the event loop and never wait for the model
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return page

    @app.get("/health", response_model=HealthOut)
    async def health() -> HealthOut:
        """Answers at once, however busy the model is; with the current queue."""
        return HealthOut(status="ok", running=work.running, queued=work.waiting)

    @app.get("/api/model", response_model=ModelInfo)
    async def model_info() -> ModelInfo:
        """The classes (names, colours) and input the served model expects."""
        return ModelInfo(
            name=name,
            in_channels=getattr(card, "in_channels", 0),
            num_classes=classes.num_classes,
            size=list(card.size) if card is not None and card.size is not None else None,
            classes=[ClassInfo(index=i, name=n, colour=list(c))
                     for i, (n, c) in enumerate(zip(classes.names, classes.colours))],
        )

    @app.post("/predict", response_model=PredictResponse, responses=_ERRORS)
    async def predict(
        request: Request, file: UploadFile = File(description="PNG, JPEG, WebP, TIFF or BMP image")
    ) -> Response:
        """Segment one uploaded image (multipart form field `file`)."""
        # admitted to the queue by QueueGate; cheap checks here on the loop (bytes, header,
        # budget), so that a refused upload never takes a worker
        data = await file.read(limits.max_bytes + 1)
        info = probe_upload(data, file.filename, limits)
        check_budget(app.state.cost, budget, info.height, info.width, file.filename or "upload")
        return await work.run(request, lambda: _segment(data, file.filename))

    def _segment(data: bytes, filename: str | None) -> Response:
        """Decode, predict, render and encode one upload (on a worker thread: the event loop only sends it)."""
        image = decode_upload(data, filename, limits, predictor.reads_alpha, predictor.no_data)
        started = time.perf_counter()
        try:
            prediction = predictor.predict(image)
        except (ValueError, DataError) as err:
            raise UploadError(422, f"'{filename}' cannot be segmented by this model: {err}") from None
        if app.state.cost is not None:  # a faster real prediction lowers a startup timing caught on a busy machine
            app.state.cost = app.state.cost.observed(time.perf_counter() - started, *image.shape[:2])
        rendered = render_prediction(image, prediction, classes, predictor.task.name == "multilabel")
        height, width = prediction.mask.shape
        del image, prediction  # the big arrays go before the response is encoded
        body = PredictResponse(
            width=width,
            height=height,
            classes=[ClassShareOut(index=s.index, name=s.name, colour=list(s.colour), pixels=s.pixels, share=s.share)
                     for s in rendered.shares],
            mask_png=_b64(rendered.mask_png),
            overlay_png=_b64(rendered.overlay_png),
            image_png=_b64(rendered.image_png),
            class_masks={k: _b64(v) for k, v in rendered.class_pngs.items()} if rendered.class_pngs else None,
        )
        return Response(body.model_dump_json(), media_type="application/json")

    return app


def busy_response(err: ServerBusy) -> JSONResponse:
    return JSONResponse({"detail": str(err)}, status_code=503, headers={"Retry-After": str(err.retry_after)})


class QueueGate:
    """ASGI middleware: a `POST` (an upload) takes a place in the queue from its headers until its
    answer is sent; while the queue is full it is answered 503 before its body is read, so a
    burst costs the server almost nothing beyond its queue."""

    def __init__(self, app: ASGIApp, queue: WorkQueue) -> None:
        self.app = app
        self.queue = queue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            self.queue.admit()
        except ServerBusy as err:
            await busy_response(err)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.queue.leave()


class BodyLimit:
    """ASGI middleware: refuse request bodies too large or too slow for `limits` before anything reads them.

    A declared Content-Length over the limit (plus room for the multipart framing) gets 413 at
    once; a body without one (chunked) gets 411, so no upload is read without a bounded size;
    a body that is not a multipart form (a raw image, JSON) gets 415 saying how to send it;
    a body still incomplete `limits.max_seconds` after the headers gets 408, so a client that
    stalls or sends a byte at a time gives its place in the queue back.
    """

    def __init__(self, app: ASGIApp, limits: UploadLimits) -> None:
        self.app = app
        self.limits = limits
        self.max_body = limits.max_bytes + _MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            refusal = None
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if length is None and headers.get(b"transfer-encoding"):
                refusal = 411, "send the upload with a Content-Length header"
            elif length is not None and (not length.isdigit() or int(length) > self.max_body):
                refusal = 413, (f"request body is {length.decode(errors='replace')} bytes; this server "
                                f"accepts uploads up to {self.limits.max_bytes / 2**20:.1f} MiB")
            elif not content_type.lower().startswith("multipart/form-data"):
                refusal = 415, (f"the request body is {content_type or 'without a Content-Type'}; send the image "
                                "as a multipart/form-data upload in the field 'file' (curl -F file=@image.png)")
            if refusal is not None:
                response = JSONResponse({"detail": refusal[1]}, status_code=refusal[0],
                                        headers={"Connection": "close"})
                await response(scope, receive, send)
                return
            receive = self._timed(receive)
        await self.app(scope, receive, send)

    def _timed(self, receive: Receive) -> Receive:
        """`receive` that raises 408 once the body has taken longer than the limit; after the body's
        last part it waits unbounded again (a queued request listens for its client's disconnect)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.max_seconds
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                raise HTTPException(408, f"the upload did not arrive within {self.limits.max_seconds:g} s; send "
                                         "it over a faster connection, or start `seglab serve` with a larger "
                                         "--upload-timeout", headers={"Connection": "close"}) from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        return receive_in_time


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
