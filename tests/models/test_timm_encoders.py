"""timm encoders in the U-Net: five families end to end, weight sources, listing, errors.

The models are real timm networks (3-28M parameters), so the data is tiny (48x48 images, batch
2, one epoch) and the decoder narrow; the ONNX export dominates the cost (about 10-50 s each, the
rest 3-10 s), so two of the five families are exported (`EXPORTED`).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from seglab import config
from seglab.cli import build_config, build_parser, main
from seglab.data.layouts.synthetic import generate_synthetic
from seglab.engine.builders import build_optimizer
from seglab.runs.checkpoint import load_checkpoint
from seglab.engine.experiment import train
from seglab.errors import CheckpointError, ConfigError, SeglabError
from seglab.inference.predictor import Predictor
from seglab.models import create_model
from seglab.models.encoders import IMAGENET_MEAN
from seglab.models.timm_encoder import TESTED_ENCODERS, import_timm, pyramid_problem

timm = pytest.importorskip("timm", reason="timm encoders need the 'timm' extra")

NARROW = "decoder_widths=[16,16,8,8,8]"
# Export runs the same code for every encoder (export/ knows no family); what differs is the graph
# torch.export traces. These two cover both decoder branches, ConvNeXt's floor halving (the
# upsampled map padded, a pyramid starting at 1/4 with no half-scale skip) and EfficientNet's ceil
# halving (cropped, as RegNetY, MobileNetV3 and ResNet halve), both stems (3 channels, 1) and most
# blocks the others are made of: depthwise convolutions, squeeze-excitation, BatchNorm (ResNet's
# plain convolutions and max-pooling are in every U-Net export of tests/export; MobileNetV3's
# hard-swish is the one op no export here traces). Every family still trains, predicts and
# runs at an odd size.
EXPORTED = ("convnext_tiny", "efficientnet_b0")
TINY = ["--model-option", NARROW, "--batch-size", "2", "--epochs", "1", "--precision", "fp32", "--no-progress"]


def tiny_data(root, channels: int):
    """8 synthetic 48x48 pairs (4 classes), greyscale when `channels` is 1."""
    data = generate_synthetic(root, num_samples=8, size=(48, 48), num_classes=4)
    if channels == 1:
        for path in (data / "images").iterdir():
            Image.open(path).convert("L").save(path)
    return data


@pytest.mark.slow
@pytest.mark.parametrize(("encoder", "channels"), [
    ("convnext_tiny", 3), ("efficientnet_b0", 1), ("regnety_008", 3), ("mobilenetv3_large_100", 1), ("resnet34", 3),
])
def test_encoder_trains_evaluates_exports_and_predicts(encoder, channels, tmp_path, one_thread):
    data, run = tiny_data(tmp_path / "data", channels), tmp_path / "run"
    assert main(["train", "--no-plan", str(data), "--out", str(run), "--encoder", encoder, *TINY]) == 0
    card = load_checkpoint(run / "checkpoints" / "best.safetensors").card
    assert (card.model, card.options["encoder"], card.in_channels) == ("unet_timm", encoder, channels)

    assert main(["evaluate", str(run)]) == 0
    assert 0.0 <= json.loads((run / "eval" / "test" / "metrics.json").read_text())["mean_iou"] <= 1.0

    sources = [run]
    if encoder in EXPORTED:
        assert main(["export", str(run)]) == 0  # fails (exit 2) above a 1e-4 difference
        parity = json.loads((run / "export" / "model.json").read_text())["parity"]
        assert len(parity) == 3 and max(p["max_abs_diff"] for p in parity) < 1e-4
        sources.append(run / "export" / "model.onnx")

    image = sorted((data / "images").iterdir())[0]
    for source in sources:
        out = tmp_path / f"pred_{source.name}"
        assert main(["predict", str(source), str(image), "--out", str(out)]) == 0
        mask = np.array(Image.open(out / f"{image.stem}_mask.png"))
        assert mask.shape == (48, 48) and mask.max() < 4

    model = Predictor.from_run(run, device="cpu").model
    with torch.no_grad():  # odd sizes: every level pads or crops to its skip
        assert model(torch.randn(1, channels, 33, 47)).shape == (1, 4, 33, 47)


@pytest.fixture(scope="module")
def efficientnet_state():
    torch.manual_seed(0)
    return timm.create_model("efficientnet_b0").state_dict()


def test_local_weights_arrive_with_the_stem_adapted_to_one_channel(tmp_path, efficientnet_state):
    path = tmp_path / "efficientnet_b0.safetensors"
    save_file({k: v.contiguous() for k, v in efficientnet_state.items()}, path)  # classifier included
    model = create_model("unet_timm", 1, 2, encoder="efficientnet_b0", encoder_weights=str(path))
    body = model.encoder.body.state_dict()
    assert torch.equal(body["conv_stem.weight"], efficientnet_state["conv_stem.weight"].sum(dim=1, keepdim=True))
    assert body["conv_stem.weight"].shape[1] == 1
    for key in ("blocks.6.0.conv_pwl.weight", "blocks.3.1.bn1.running_var", "bn1.weight"):
        assert torch.equal(body[key], efficientnet_state[key]), key
    assert model.normalisation is None  # a local file does not imply ImageNet statistics


def test_local_weights_of_another_network_are_refused(tmp_path, efficientnet_state):
    broken = {k: v for k, v in efficientnet_state.items() if k != "blocks.0.0.conv_dw.weight"}
    path = tmp_path / "broken.pth"
    torch.save(broken, path)
    with pytest.raises(CheckpointError, match=r"do not fit timm efficientnet_b0: missing \['blocks.0.0.conv_dw"):
        create_model("unet_timm", 3, 2, encoder="efficientnet_b0", encoder_weights=str(path))
    torch.save(efficientnet_state, path)
    with pytest.raises(CheckpointError, match="do not fit timm mobilenetv3_large_100: missing"):
        create_model("unet_timm", 3, 2, encoder="mobilenetv3_large_100", encoder_weights=str(path))


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache in offline mode, so nothing from the real one leaks in."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    return tmp_path / "hub"


def test_imagenet_weights_load_offline_from_the_hugging_face_cache(hf_cache, efficientnet_state):
    repo = timm.get_pretrained_cfg("efficientnet_b0").hf_hub_id  # the layout `hf download` writes
    snapshot = hf_cache / f"models--{repo.replace('/', '--')}" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in efficientnet_state.items()}, snapshot / "model.safetensors")
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0123abcd")
    model = create_model("unet_timm", 1, 3, encoder="efficientnet_b0", encoder_weights="imagenet")
    stem = model.encoder.body.conv_stem.weight
    assert torch.equal(stem, efficientnet_state["conv_stem.weight"].sum(dim=1, keepdim=True))
    assert model.normalisation == ((pytest.approx(sum(IMAGENET_MEAN) / 3),), (pytest.approx(0.226, abs=1e-3),))


def test_offline_without_cache_says_where_to_get_the_weights(hf_cache):
    with pytest.raises(CheckpointError) as err:
        create_model("unet_timm", 3, 2, encoder="mobilenetv3_large_100", encoder_weights="imagenet")
    message = str(err.value)
    assert "not in the Hugging Face cache" in message and str(hf_cache) in message
    assert "hf download timm/mobilenetv3_large_100" in message and "--encoder-weights PATH" in message


def test_frozen_encoder_learning_rate_and_offline_rebuild_from_the_run(tmp_path, efficientnet_state, one_thread):
    weights = tmp_path / "b0.pth"
    torch.save(efficientnet_state, weights)
    cfg = config.load(overrides={
        "data.path": str(tiny_data(tmp_path / "data", 3)), "model.name": "unet_timm",
        "model.options": {"encoder": "efficientnet_b0", "encoder_weights": str(weights),
                          "decoder_widths": [16, 16, 8, 8, 8]},
        "train.epochs": 1, "train.batch_size": 2, "train.precision": "fp32", "train.progress": False,
        "train.freeze_encoder_epochs": 1,
    })
    result = train(cfg, tmp_path / "run")
    trained = load_checkpoint(result.run.best)
    for key in ("conv_stem.weight", "bn1.running_mean", "blocks.6.0.conv_pwl.weight"):
        assert torch.equal(trained.state_dict[f"encoder.body.{key}"], efficientnet_state[key]), key  # frozen
    assert trained.card.extra == {"encoder_weights": str(weights)} and "encoder_weights" not in trained.card.options
    weights.unlink()  # the run folder alone rebuilds the network: no file, no download
    assert Predictor.from_run(result.run.root, device="cpu").predict(np.random.rand(48, 48, 3)).mask.shape == (48, 48)

    model = create_model("unet_timm", 3, 2, encoder="efficientnet_b0")
    groups = build_optimizer(model, config.TrainConfig(lr=1e-3, encoder_lr_scale=0.1)).param_groups
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(1e-4)]
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.encoder.parameters()}


def test_convnext_decoder_climbs_from_stride_four_without_a_half_scale_skip():
    with torch.device("meta"):
        model = create_model("unet_timm", 3, 2, encoder="convnext_tiny")
    assert model.encoder.strides == (1, 4, 8, 16, 32)
    assert model.skips == (3, 2, 1, None, 0)  # 1/16, 1/8, 1/4, no 1/2 map, the image
    assert model.decoder[3].conv[0][0].in_channels == 64  # the 1/4 step's 64 channels, nothing concatenated


def test_channels_last_maps_of_swin_are_turned_channels_first():
    model = create_model("unet_timm", 3, 2, encoder="swin_tiny_patch4_window7_224", decoder_widths=[8, 8, 8, 8, 8])
    assert model.encoder.channels_last_maps  # timm's Swin returns (B, H, W, C) maps
    with torch.no_grad():  # Swin is built for one input size: 224 here
        assert model.eval()(torch.randn(1, 3, 224, 224)).shape == (1, 2, 224, 224)


def test_pyramid_rule():
    assert pyramid_problem((2, 4, 8, 16, 32)) is None and pyramid_problem((4, 8, 16, 32)) is None
    assert pyramid_problem((16, 16, 16)) == "a single scale (a plain transformer)"
    assert pyramid_problem((7, 14, 28)) == "strides that are not powers of two"
    assert pyramid_problem((4, 16, 32)) == "scales that skip a halving"


def test_unusable_encoders_are_config_errors_naming_the_way_out():
    with pytest.raises(ConfigError, match="strides 16, 16, 16: a single scale.*seglab models --encoders"):
        with torch.device("meta"):
            create_model("unet_timm", 3, 2, encoder="vit_tiny_patch16_224")
    with pytest.raises(ConfigError, match="timm has no model 'convnxt_tiny'. Did you mean convnext_tiny"):
        create_model("unet_timm", 3, 2, encoder="convnxt_tiny")
    with pytest.raises(ConfigError, match="decoder_widths needs 5 entries"):
        with torch.device("meta"):
            create_model("unet_timm", 3, 2, encoder="resnet34", decoder_widths=[8, 8])


def test_missing_timm_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm now raises ImportError
    with pytest.raises(SeglabError, match=r"pip install 'seglab\[timm\]'"):
        import_timm()


def test_encoder_flag_selects_the_timm_unet():
    parser = build_parser()
    for flags in ([], ["--model", "unet"], ["--model", "unet_timm"]):
        cfg = build_config(parser.parse_args(["train", "--no-plan", "data", *flags, "--encoder", "convnext_tiny"]))
        assert (cfg.model.name, cfg.model.options["encoder"]) == ("unet_timm", "convnext_tiny")


def test_models_lists_pyramid_encoders(capsys):
    assert main(["models", "--encoders", "mobilenetv3_large*"]) == 0
    out = capsys.readouterr().out
    assert "mobilenetv3_large_100" in out and "strides 2, 4, 8, 16, 32" in out and "--encoder NAME" in out
    assert main(["models", "--encoders"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[:-1]]
    assert listed == list(TESTED_ENCODERS)
    assert main(["models", "--encoders", "vit_tiny_patch16_224"]) == 0
    assert capsys.readouterr().out.startswith("0 timm")
