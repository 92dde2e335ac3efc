"""OnnxPredictor: run an exported ONNX model with onnxruntime and NumPy, the way `Predictor` runs a run folder.

It reads `model.onnx` and the `model.json` beside it (classes, in_channels, size, mean/std, the
run's input naming) and applies the same preprocessing rules through
`seglab.inference.numpy_preprocess`. Torch does no work here (importing seglab still loads it,
as the package's `__init__` does).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seglab.data import ClassSpec
from seglab.errors import CheckpointError, SeglabError
from seglab.inference.numpy_preprocess import prepare_image, probabilities, sigmoid_probabilities
from seglab.inference.predictor import CardModel, Prediction
from seglab.runs.card import ModelCard
from seglab.runs.exported import ExportMetadata, read_metadata
from seglab.tasks import task_from_extra

if TYPE_CHECKING:
    import onnxruntime


class OnnxPredictor(CardModel):
    """Predict masks with an exported ONNX model; same interface as `Predictor`.

    Example:
        >>> predictor = OnnxPredictor.from_file("runs/demo/export/model.onnx")  # doctest: +SKIP
        >>> predictor.predict(image_array).mask.shape == image_array.shape[:2]  # doctest: +SKIP
        True
    """

    def __init__(self, session: onnxruntime.InferenceSession, metadata: ExportMetadata) -> None:
        self.card: ModelCard = metadata.card
        self.naming = metadata.naming  # the run's, as `seglab export` recorded it
        self.classes: ClassSpec = metadata.card.class_spec
        # softmax, or a sigmoid per class with the card's thresholds
        self.task = task_from_extra(metadata.card.extra, metadata.card.num_classes)
        self.min_size = metadata.min_size
        self._session = session
        self._input = metadata.input_name
        self._output = metadata.output_name

    @classmethod
    def from_file(cls, path: str | Path) -> OnnxPredictor:
        """Load `model.onnx`; the `model.json` written with it must lie beside it.

        Raises:
            CheckpointError: either file missing or unreadable, or not an ONNX export.
            SeglabError: onnxruntime is not installed.
        """
        metadata = read_metadata(path)
        if metadata.format != "onnx":
            raise CheckpointError(f"'{path}' was exported as {metadata.format}, not onnx")
        return cls(onnx_session(Path(path)), metadata)

    def predict(self, image: np.ndarray) -> Prediction:
        """Class mask and probabilities at the input's original size.

        Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W).

        Raises:
            ValueError: the image is smaller than the network accepts (native-size models).
            DataError: the channel count cannot be matched to the model's.
        """
        image = np.asarray(image)
        height, width = image.shape[:2]
        batch = prepare_image(image, self.card.in_channels, self.card.size, self.card.mean, self.card.std)
        if min(batch.shape[-2:]) < self.min_size:
            raise ValueError(
                f"input {batch.shape[-2]}x{batch.shape[-1]} is too small: this model needs H and W of "
                f"at least {self.min_size}; pad or resize the image"
            )
        logits = self._session.run([self._output], {self._input: batch})[0][0]
        if self.task.name == "multilabel":
            probs = sigmoid_probabilities(logits, (height, width))
        else:
            probs = probabilities(logits, (height, width))
        return Prediction(mask=self.task.labels_numpy(probs), probs=probs)


def onnx_session(path: Path) -> onnxruntime.InferenceSession:
    """Open an ONNX file with onnxruntime on the CPU.

    Raises:
        SeglabError: onnxruntime is not installed.
        CheckpointError: the file is not a loadable ONNX model.
    """
    try:
        import onnxruntime
    except ImportError:
        raise SeglabError("running ONNX models needs onnxruntime: pip install 'seglab[export]'") from None
    state = onnxruntime.capi.onnxruntime_pybind11_state  # where onnxruntime keeps its error types
    load_errors = tuple(
        getattr(state, name) for name in ("Fail", "InvalidArgument", "InvalidGraph", "InvalidProtobuf", "NoSuchFile")
        if hasattr(state, name)
    )
    try:
        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except load_errors as err:
        raise CheckpointError(f"'{path}' is not a loadable ONNX model: {err}") from None
