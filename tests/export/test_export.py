"""`seglab export` end to end: ONNX and TorchScript parity at three sizes, ONNX prediction, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from seglab.cli import main
from seglab.errors import CheckpointError, ConfigError
from seglab.export import exporter
from seglab.export.parity import PARITY_TOLERANCE, ParityError, ParityResult
from seglab.inference.onnx_predictor import OnnxPredictor
from seglab.inference.predictor import Predictor
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.input_naming import InputNaming

from ..inference.test_collect_inputs import _rendered_view  # type: ignore[import-not-found]

pytest.importorskip("onnxruntime", reason="ONNX tests need the 'export' extra")
pytest.importorskip("onnxscript", reason="ONNX export needs the 'export' extra")

SIZES = [(32, 32), (37, 53), (64, 48)]  # 37x53: odd at every level, so the decoder pads
SIZE_FLAGS = [flag for h, w in SIZES for flag in ("--check-size", f"{h}x{w}")]
FILES = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}


@pytest.fixture(scope="module")
def exported(trained_run: Path) -> Path:
    """Both formats exported through the CLI into one folder."""
    out = trained_run.parent / "exported"
    for fmt in FILES:
        assert main(["export", str(trained_run), "--format", fmt, "--out", str(out), *SIZE_FLAGS]) == 0
    return out


@pytest.mark.parametrize("fmt", list(FILES))
def test_export_parity_at_three_sizes(exported, fmt, capsys):
    model_file = exported / FILES[fmt]
    metadata = json.loads(model_file.with_suffix(".json").read_text())
    assert metadata["format"] == fmt and metadata["model_file"] == model_file.name
    card = metadata["card"]
    assert card["in_channels"] == 3 and card["num_classes"] == 4
    assert card["classes"]["names"] == ["background", "circle", "square", "triangle"]
    assert len(card["mean"]) == len(card["std"]) == 3
    parity = metadata["parity"]
    assert [tuple(p["size"]) for p in parity] == SIZES
    assert {p["batch"] for p in parity} == {1, 2, 3}  # the batch axis is dynamic too
    with capsys.disabled():
        print(f"\n{fmt} parity: " + ", ".join(f"{h}x{w} batch {p['batch']} {p['max_abs_diff']:.2e}"
                                              for p in parity for h, w in [p["size"]]))
    assert max(p["max_abs_diff"] for p in parity) < PARITY_TOLERANCE


def test_onnx_graph_has_named_dynamic_axes(exported):
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(exported / "model.onnx")).graph
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in [*graph.input, *graph.output]}
    assert dims == {"image": ["batch", 3, "height", "width"], "logits": ["batch", 4, "height", "width"]}


def test_predict_with_onnx_gives_the_run_folders_masks(trained_run, exported, run_images, tmp_path, capsys):
    images = [str(p) for p in run_images]
    assert main(["predict", str(trained_run), *images, "--out", str(tmp_path / "torch"), "--probs"]) == 0
    assert main(["predict", str(exported / "model.onnx"), *images, "--out", str(tmp_path / "onnx"), "--probs"]) == 0
    assert "4 image(s)" in capsys.readouterr().out
    for image in run_images:
        name = f"{image.stem}_mask.png"
        assert (tmp_path / "onnx" / name).read_bytes() == (tmp_path / "torch" / name).read_bytes()
        probs = [np.load(tmp_path / d / f"{image.stem}_probs.npy").astype(np.float32) for d in ("onnx", "torch")]
        np.testing.assert_allclose(*probs, atol=1e-3)  # stored as float16


def test_predict_with_onnx_reads_a_folder_by_the_naming_its_run_recorded(trained_run, tmp_path):
    """A run trained with `--images rgb_rawlight.png --mask-pattern semantic.png` (Structured3D):
    its exported model.json carries that naming, so `seglab predict model.onnx VIEW` predicts the
    image training read, as `seglab predict RUN VIEW` does. Before, an exported model listed the
    folder by the default rules: every lighting and rendering, and the mask, was predicted."""
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"].update(images="rgb_rawlight.png", mask_pattern="semantic.png", slice_axis="coronal")
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    assert main(["export", str(run), "--out", str(tmp_path / "export"), "--check-size", "32x32"]) == 0
    naming = json.loads((tmp_path / "export" / "model.json").read_text())["naming"]
    assert naming == {"images": "rgb_rawlight.png", "mask_pattern": "semantic.png", "slice_axis": "coronal",
                      "volumes": False, "masks": None, "bands": None}
    _rendered_view(tmp_path / "view")
    assert main(["predict", str(tmp_path / "export" / "model.onnx"), str(tmp_path / "view"),
                 "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*_mask.png")) == ["rgb_rawlight_mask.png"]


@pytest.mark.parametrize("naming", [{"mask_pattern": ["semantic.png"]}, {"slice_axis": "__import__('os')"},
                                    {"volumes": "yes"}, {"images": "x" * 300}, {"shell": "rm -rf /"}, ["images"],
                                    {"bands": "pre_fire"}, {"bands": ["pre_fire", 2]}],
                         ids=["a list", "an unknown axis", "a word for a flag", "too long", "an unknown key", "no mapping",
                              "bands a word", "a band a number"])
def test_a_damaged_naming_in_model_json_is_refused_naming_the_file(exported, tmp_path, naming):
    shutil.copy(exported / "model.onnx", tmp_path / "model.onnx")
    metadata = json.loads((exported / "model.json").read_text())
    (tmp_path / "model.json").write_text(json.dumps({**metadata, "naming": naming}))
    with pytest.raises(CheckpointError, match="model.json' is not seglab export metadata: TypeError.*input naming"):
        OnnxPredictor.from_file(tmp_path / "model.onnx")


def test_model_json_exported_before_the_naming_reads_with_the_defaults(exported, tmp_path):
    shutil.copy(exported / "model.onnx", tmp_path / "model.onnx")
    metadata = json.loads((exported / "model.json").read_text())
    del metadata["naming"]
    (tmp_path / "model.json").write_text(json.dumps(metadata))
    assert OnnxPredictor.from_file(tmp_path / "model.onnx").naming == InputNaming()


def test_onnx_predictor_resizes_like_predictor(trained_run, exported, tmp_path):
    """A model trained at a fixed size: both predictors resize in and out the same way."""
    for name in ("model.onnx", "model.json"):
        shutil.copy(exported / name, tmp_path / name)
    metadata = json.loads((tmp_path / "model.json").read_text())
    metadata["card"]["size"] = [24, 40]
    (tmp_path / "model.json").write_text(json.dumps(metadata))
    onnx_predictor = OnnxPredictor.from_file(tmp_path / "model.onnx")
    checkpoint = load_checkpoint(trained_run / "checkpoints" / "best.safetensors")
    torch_predictor = Predictor(checkpoint.load_model(), onnx_predictor.card)
    rng = np.random.default_rng(0)
    for image in (rng.integers(0, 256, (45, 70, 3), dtype=np.uint8), rng.random((19, 33)).astype(np.float32)):
        ours, theirs = onnx_predictor.predict(image), torch_predictor.predict(image)
        assert ours.mask.shape == image.shape[:2]
        np.testing.assert_allclose(ours.probs, theirs.probs, atol=1e-4)
        assert (ours.mask == theirs.mask).mean() > 0.999  # ties within 1e-4 may break either way


def test_onnx_predictor_errors(exported, tmp_path, capsys):
    shutil.copy(exported / "model.onnx", tmp_path / "model.onnx")
    with pytest.raises(CheckpointError, match="model.json' is missing"):
        OnnxPredictor.from_file(tmp_path / "model.onnx")
    assert main(["predict", str(tmp_path / "model.onnx"), str(tmp_path)]) == 2
    assert "model.json' is missing" in capsys.readouterr().err
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    shutil.copy(exported / "model.json", tmp_path / "broken.json")
    with pytest.raises(CheckpointError, match="not a loadable ONNX model"):
        OnnxPredictor.from_file(tmp_path / "broken.onnx")
    with pytest.raises(ValueError, match="too small"):
        OnnxPredictor.from_file(exported / "model.onnx").predict(np.zeros((2, 30, 3), dtype=np.uint8))


def test_parity_failure_is_an_error(trained_run, tmp_path, monkeypatch, capsys):
    def drifted(*args, **kwargs):
        return [ParityResult((32, 32), 1, 0.5)]

    monkeypatch.setattr(exporter, "check_parity", drifted)
    with pytest.raises(ParityError, match="differs from the PyTorch model by up to 0.5"):
        exporter.export_run(trained_run, "torchscript", tmp_path)
    assert main(["export", str(trained_run), "--format", "torchscript", "--out", str(tmp_path)]) == 2
    assert "do not deploy it" in capsys.readouterr().err


def test_export_refuses_bad_input(trained_run, tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", str(trained_run), "--out", str(tmp_path), "--check-size", "2x2"]) == 2
    assert "too small" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")  # starlette's TestClient
def test_onnx_model_can_be_served(exported, run_images):
    pytest.importorskip("fastapi", reason="the web app needs the 'serve' extra")
    from fastapi.testclient import TestClient

    from seglab.inference.loading import load_segmenter
    from seglab.web.app import create_app

    segmenter = load_segmenter(exported / "model.onnx")
    assert isinstance(segmenter, OnnxPredictor)
    with pytest.raises(ConfigError, match="--precision bf16 needs a run folder"):
        load_segmenter(exported / "model.onnx", precision="bf16")
    with TestClient(create_app(segmenter)) as client:
        response = client.post("/predict", files={"file": ("x.png", run_images[0].read_bytes(), "image/png")})
    assert response.status_code == 200, response.text
    assert [c["name"] for c in response.json()["classes"]] == list(segmenter.classes.names)


def test_failed_torch_export_is_a_clear_error(trained_run, tmp_path, monkeypatch, capsys):
    import torch

    def constraint_violation(*args, **kwargs):
        raise RuntimeError("Constraints violated (height, width)!\nlong torch.export report")

    monkeypatch.setattr(torch.onnx, "export", constraint_violation)
    assert main(["export", str(trained_run), "--format", "onnx", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"ONNX export failed under torch {torch.__version__}: Constraints violated (height, width)!" in err
    assert "--format torchscript" in err and "long torch.export report" not in err


def test_one_loader_refuses_run_folder_options_for_an_exported_model(exported, trained_run):
    from seglab.inference.loading import load_segmenter
    from seglab.inference.predictor import InferenceOptions

    with pytest.raises(ConfigError, match=r"--checkpoint, --tta need a run folder; '.*model.onnx' is an exported"):
        load_segmenter(exported / "model.onnx", options=InferenceOptions(tta=True), checkpoint="last")
    with pytest.raises(ConfigError, match="--ensemble needs a run folder"):
        load_segmenter([exported / "model.onnx", trained_run])
    tiled = load_segmenter(exported / "model.onnx", options=InferenceOptions(tile=64))  # serve's default: said, not refused
    assert isinstance(tiled, OnnxPredictor)
