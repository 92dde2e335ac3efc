"""An exported model's model.json: what `seglab predict model.onnx` reads back."""

from __future__ import annotations

from seglab.runs.card import ModelCard
from seglab.runs.exported import ExportMetadata, read_metadata, write_metadata

NAMES = ["背景", "建筑", "道路"]


def test_model_json_keeps_class_names_as_written_and_reads_them_back(tmp_path):
    """model.json stored 背景 as \\u80cc\\u666f, unreadable to whoever opens it beside the model."""
    card = ModelCard(model="unet", options={}, in_channels=3, num_classes=3,
                     classes={"names": NAMES, "colours": [[0, 0, 0], [255, 0, 0], [0, 255, 0]], "ignore_index": None},
                     mapping={"kind": "identity"}, size=(32, 32), mean=(0.5,) * 3, std=(0.25,) * 3)
    (tmp_path / "model.onnx").write_bytes(b"onnx")
    path = write_metadata(tmp_path / "model.onnx", ExportMetadata(card=card, format="onnx", model_file="model.onnx"))
    text = path.read_text(encoding="utf-8")
    assert '"背景"' in text and "\\u" not in text
    assert read_metadata(tmp_path / "model.onnx").card.classes["names"] == NAMES
