"""Pretrained ResNet encoders: weight sources, first-conv adaptation, freezing, run folders."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from safetensors.torch import save_file
from torchvision.models import resnet18

from seglab import config
from seglab.engine.experiment import train
from seglab.engine.trainer import Callback
from seglab.errors import CheckpointError
from seglab.inference.predictor import Predictor
from seglab.models import create_model
from seglab.models.encoders import ENCODERS, IMAGENET_MEAN, adapt_first_conv, fetch_imagenet, read_state_dict
from seglab.runs.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def resnet18_state():
    torch.manual_seed(0)
    return resnet18().state_dict()


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty torch cache, so nothing from the real one leaks into a test."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    return tmp_path / "torch_home" / "hub" / "checkpoints"


def encoder_matches(model, state) -> bool:
    body = model.encoder.body.state_dict()
    return all(torch.equal(body[k], v) for k, v in state.items() if not k.startswith("fc."))


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_local_state_dict_loads_strictly(tmp_path, resnet18_state, suffix):
    path = tmp_path / f"weights{suffix}"
    if suffix == ".pth":
        torch.save(resnet18_state, path)
    else:
        save_file({k: v.contiguous() for k, v in resnet18_state.items()}, path)
    model = create_model("unet_resnet18", 3, 2, encoder_weights=str(path))
    assert encoder_matches(model, resnet18_state)
    assert model.normalisation is None  # a local file does not imply ImageNet statistics


def test_mismatched_state_dict_is_refused(tmp_path, resnet18_state):
    broken = dict(resnet18_state)
    del broken["layer1.0.conv1.weight"]
    broken["extra.weight"] = torch.zeros(1)
    path = tmp_path / "broken.pth"
    torch.save(broken, path)
    with pytest.raises(CheckpointError, match="missing.*layer1.0.conv1.weight.*unexpected.*extra.weight"):
        create_model("unet_resnet18", 3, 2, encoder_weights=str(path))
    resized = dict(resnet18_state, **{"layer1.0.conv1.weight": torch.zeros(64, 64, 1, 1)})
    torch.save(resized, path)
    with pytest.raises(CheckpointError, match="do not fit a torchvision resnet18.*size mismatch"):
        create_model("unet_resnet18", 3, 2, encoder_weights=str(path))
    torch.save(resnet18_state, path)
    with pytest.raises(CheckpointError, match="do not fit a torchvision resnet34"):
        create_model("unet_resnet34", 3, 2, encoder_weights=str(path))


def test_imagenet_weights_download_into_the_torch_cache_then_load_offline(tmp_path, torch_home, resnet18_state):
    source = tmp_path / "mirror" / "resnet18-f37072fd.pth"
    source.parent.mkdir()
    torch.save(resnet18_state, source)
    state = fetch_imagenet("resnet18", url=source.as_uri())  # a file:// URL stands in for the host
    cached = torch_home / source.name
    assert cached.is_file()
    source.unlink()  # "offline": only the cache is left
    again = fetch_imagenet("resnet18", url=source.as_uri())
    assert all(torch.equal(state[k], again[k]) for k in state)


def test_imagenet_option_uses_the_cached_file_and_imagenet_normalisation(torch_home, resnet18_state):
    url = ENCODERS.get("resnet18").imagenet.url
    torch_home.mkdir(parents=True)
    torch.save(resnet18_state, torch_home / url.rsplit("/", 1)[-1])
    model = create_model("unet_resnet18", 1, 3, encoder_weights="imagenet")
    assert model.normalisation == ((sum(IMAGENET_MEAN) / 3,), (pytest.approx(0.226, abs=1e-3),))
    expected = resnet18_state["conv1.weight"].sum(dim=1, keepdim=True)
    assert torch.equal(model.encoder.body.conv1.weight, expected)


def test_offline_without_cache_says_where_to_put_the_file(tmp_path, torch_home):
    missing = (tmp_path / "nowhere" / "resnet18-f37072fd.pth").as_uri()
    with pytest.raises(CheckpointError) as err:
        fetch_imagenet("resnet18", url=missing)
    message = str(err.value)
    assert "could not be downloaded" in message
    assert str(torch_home / "resnet18-f37072fd.pth") in message


def test_first_conv_adaptation_rules():
    weight = torch.randn(8, 3, 7, 7)
    assert torch.equal(adapt_first_conv(weight, 1), weight[:, 0:1] + weight[:, 1:2] + weight[:, 2:3])
    four = adapt_first_conv(weight, 4)
    assert four.shape == (8, 4, 7, 7)
    torch.testing.assert_close(four[:, 3], weight[:, 0] * 0.75)  # cycled R, scaled by 3/4
    torch.testing.assert_close(four[:, 1], weight[:, 1] * 0.75)
    assert adapt_first_conv(weight, 3) is weight


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps({"conv1.weight": Payload()}))
    with pytest.raises(CheckpointError, match="refused"):
        read_state_dict(path)
    assert not marker.exists()


@pytest.mark.parametrize("encoder", ENCODERS.names())
@pytest.mark.parametrize("shape", [(1, 1, 394, 394), (2, 1, 192, 224), (1, 1, 33, 47)])
def test_odd_sizes_round_trip(encoder, shape):
    model = create_model(f"unet_{encoder}", 1, 3).eval()
    with torch.no_grad():
        assert model(torch.randn(*shape)).shape == (shape[0], 3, *shape[2:])


class Snapshots(Callback):
    def __init__(self):
        self.states = []

    def on_epoch_end(self, trainer, row, val):
        encoder = trainer.model.encoder.body
        self.states.append({k: v.detach().clone() for k, v in encoder.state_dict().items()})


def test_frozen_encoder_does_not_change_then_does(tiny_dataset, tmp_path, resnet18_state):
    weights = tmp_path / "r18.pth"
    torch.save(resnet18_state, weights)
    cfg = config.load(
        overrides={
            "data.path": str(tiny_dataset),
            "model.name": "unet_resnet18",
            "model.options": {"encoder_weights": str(weights), "decoder_widths": [32, 16, 16, 8, 8]},
            "train.epochs": 2,
            "train.batch_size": 4,
            "train.precision": "fp32",
            "train.progress": False,
            "train.freeze_encoder_epochs": 1,
            "train.encoder_lr_scale": 0.1,
        }
    )
    snapshots = Snapshots()
    result = train(cfg, tmp_path / "run", callbacks=[snapshots])
    after_frozen, after_unfrozen = snapshots.states
    for key, value in resnet18_state.items():
        if key.startswith("fc."):
            continue
        assert torch.equal(after_frozen[key], value), key  # weights and BN statistics untouched
    changed = [k for k in after_frozen if not torch.equal(after_frozen[k], after_unfrozen[k])]
    assert "conv1.weight" in changed and "bn1.running_mean" in changed

    # the run records the weight source, and reloading it needs neither the file nor a network
    card = load_checkpoint(result.run.best).card
    assert card.extra == {"encoder_weights": str(weights)}
    assert "encoder_weights" not in card.options
    weights.unlink()
    image = torch.rand(32, 32, 3).numpy()
    assert Predictor.from_run(result.run.root, device="cpu").predict(image).mask.shape == (32, 32)


def test_encoder_learning_rate_scale():
    from seglab.engine.builders import build_optimizer

    model = create_model("unet_resnet18", 3, 2)
    cfg = config.TrainConfig(lr=1e-3, encoder_lr_scale=0.1)
    groups = build_optimizer(model, cfg).param_groups
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(1e-4)]
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.encoder.parameters()}


def test_decoder_uses_he_init_and_nearest_upsampling_by_default():
    import math

    model = create_model("unet_resnet18", 3, 4)
    conv = model.decoder[0].conv[0][0]
    fan_in = conv.weight[0].numel()
    assert conv.in_channels == 512 + 256  # nearest upsampling keeps all 512 deep channels beside the skip
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)
    assert torch.count_nonzero(model.head.bias) == 0
