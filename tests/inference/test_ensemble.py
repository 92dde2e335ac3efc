"""EnsemblePredictor and the --ensemble, --checkpoint and --precision flags: the mean of the members' probabilities decides the mask."""

from __future__ import annotations

import json
import math
import re
import shutil

import numpy as np
import pytest
import torch
import yaml
from torch import nn

from seglab.cli import main
from seglab.errors import ConfigError
from seglab.evaluation.scoring import evaluate_run
from seglab.inference.ensemble import EnsemblePredictor
from seglab.inference.loading import load_segmenter
from seglab.inference.postprocess import PostProcess
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.runs.card import ModelCard
from seglab.runs.input_naming import InputNaming


def constant_predictor(probs: tuple[float, float], names: tuple[str, str] = ("cell", "membrane"),
                       naming: InputNaming = InputNaming(), no_data: float | None = None,
                       in_channels: int = 1) -> Predictor:
    """A Predictor whose every pixel gets the class probabilities `probs`, whatever the image."""
    model = nn.Conv2d(in_channels, 2, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor(probs).log())
    card = ModelCard(model="unet_small", options={}, in_channels=in_channels, num_classes=2,
                     classes={"names": list(names)}, mapping={}, size=None, mean=(0.0,) * in_channels,
                     std=(1.0,) * in_channels, no_data=no_data)
    return Predictor(model, card, naming=naming)


def test_the_mean_probability_decides_not_a_vote_or_the_last_member():
    image = np.zeros((5, 7), dtype=np.float32)
    sure, unsure = constant_predictor((0.9, 0.1)), constant_predictor((0.2, 0.8))
    prediction = EnsemblePredictor([sure, unsure]).predict(image)
    # (0.9 + 0.2) / 2 = 0.55 for class 0 against (0.1 + 0.8) / 2 = 0.45: class 0, though the
    # second member alone says class 1
    assert np.allclose(prediction.probs[:, 0, 0], [0.55, 0.45], atol=1e-6)
    assert prediction.probs.shape == (2, 5, 7) and prediction.probs.dtype == np.float32
    assert (prediction.mask == 0).all() and (unsure.predict(image).mask == 1).all()


def test_members_must_segment_the_same_classes():
    with pytest.raises(ConfigError, match="different classes"):
        EnsemblePredictor([constant_predictor((0.5, 0.5)), constant_predictor((0.5, 0.5), ("sky", "road"))])
    with pytest.raises(ConfigError, match="at least one"):
        EnsemblePredictor([])


def _named_run(trained_run, folder, **data):
    """A copy of the shared run whose config.yaml records the data options `data`."""
    shutil.copytree(trained_run, folder)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["data"].update(data)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def test_runs_trained_with_other_namings_are_refused_naming_both_and_the_setting(trained_run, tmp_path, capsys):
    """An ensemble lists a folder's inputs once for all its runs. It took the first run's naming,
    so a run trained with `--mask-pattern semantic.png` beside one trained without would have
    predicted the other's masks; now such runs are refused, each named with the setting that
    differs, and runs named alike share their naming."""
    plain = _named_run(trained_run, tmp_path / "plain")
    rendered = _named_run(trained_run, tmp_path / "rendered", mask_pattern="semantic.png")
    message = re.escape(f"cannot ensemble '{plain}' and '{rendered}': their runs named or read their inputs "
                        f"differently (mask_pattern None in '{plain}', 'semantic.png' in '{rendered}')")
    with pytest.raises(ConfigError, match=message):
        load_segmenter([plain, rendered], device="cpu")
    image = sorted((trained_run.parent / "data" / "images").iterdir())[0]
    assert main(["predict", str(plain), str(image), "--out", str(tmp_path / "out"), "--ensemble", str(rendered)]) == 2
    assert "mask_pattern None in" in capsys.readouterr().err
    again = _named_run(trained_run, tmp_path / "again", mask_pattern="semantic.png")
    assert load_segmenter([rendered, again], device="cpu").naming == load_segmenter(rendered, device="cpu").naming
    with pytest.raises(ConfigError, match=r"'model 1' and 'model 2'.*slice_axis 'axial' in 'model 1', 'coronal'"):
        EnsemblePredictor([constant_predictor((0.5, 0.5)),
                           constant_predictor((0.5, 0.5), naming=InputNaming(slice_axis="coronal"))])


def test_runs_reading_another_no_data_value_are_refused_and_nan_agrees_with_nan():
    """Each member reads an image as the ensemble does, once: a run trained with --nodata -32768
    beside one without would have fed the fill as an intensity to one of them."""
    with pytest.raises(ConfigError, match=r"no_data None in 'model 1', -32768.0 in 'model 2'"):
        EnsemblePredictor([constant_predictor((0.5, 0.5)), constant_predictor((0.5, 0.5), no_data=-32768.0)])
    nan = float("nan")
    assert math.isnan(EnsemblePredictor([constant_predictor((0.5, 0.5), no_data=nan),
                                         constant_predictor((0.5, 0.5), no_data=nan)]).no_data)


def test_runs_of_other_input_channels_are_refused_naming_the_channels_alone():
    """Whether a run reads an image's alpha follows from its input channels (`alpha.reads_alpha`):
    a refusal named both, as two settings that differ, for one difference."""
    with pytest.raises(ConfigError, match=r"differently \(in_channels 3 in 'model 1', 4 in 'model 2'\), and"):
        EnsemblePredictor([constant_predictor((0.5, 0.5), in_channels=3),
                           constant_predictor((0.5, 0.5), in_channels=4)])


def test_runs_load_without_post_processing_which_applies_once_to_the_ensemble(trained_run):
    options = InferenceOptions(tta=True, postprocess=PostProcess(min_component=5))
    ensemble = EnsemblePredictor.from_runs([trained_run, trained_run], device="cpu", options=options)
    assert len(ensemble.members) == 2 and ensemble.card is ensemble.members[0].card  # its raw values' label map
    assert all(member.options.tta and not member.options.postprocess.active for member in ensemble.members)
    assert ensemble.postprocess == PostProcess(min_component=5)


def test_one_run_loads_as_a_plain_predictor_and_several_as_an_ensemble(trained_run):
    assert type(load_segmenter([trained_run], device="cpu")) is Predictor
    assert isinstance(load_segmenter([trained_run, trained_run], device="cpu"), EnsemblePredictor)


def test_evaluate_with_a_run_ensembled_with_itself_scores_as_the_run_alone(trained_run, tmp_path):
    alone = evaluate_run(trained_run, split="val", out=tmp_path / "alone", device="cpu")
    twice = evaluate_run(trained_run, split="val", out=tmp_path / "twice", device="cpu", ensemble=[trained_run])
    for a, b in zip(alone.scores.iou, twice.scores.iou):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)
    metrics = json.loads((tmp_path / "twice" / "metrics.json").read_text())
    assert metrics["models"] == [str(trained_run), str(trained_run)]
    assert "mean probabilities of 2 runs" in (tmp_path / "twice" / "metrics.md").read_text()


def test_predict_cli_writes_the_ensemble_masks(trained_run, tmp_path):
    images = sorted((trained_run.parent / "data" / "images").iterdir())[:2]
    out = tmp_path / "predicted"
    assert main(["predict", str(trained_run), *map(str, images), "--out", str(out), "--device", "cpu",
                 "--ensemble", str(trained_run)]) == 0
    assert sorted(path.name for path in out.glob("*_mask.png")) == sorted(f"{path.stem}_mask.png" for path in images)


def test_evaluate_cli_scores_the_checkpoint_asked_for(trained_run, tmp_path):
    assert main(["evaluate", str(trained_run), "--split", "val", "--checkpoint", "last", "--device", "cpu",
                 "--out", str(tmp_path / "last")]) == 0
    assert json.loads((tmp_path / "last" / "metrics.json").read_text())["checkpoint"] == "last"
    with pytest.raises(SystemExit):
        main(["evaluate", str(trained_run), "--checkpoint", "epoch3"])


def test_precision_reaches_every_member_and_is_recorded(trained_run, tmp_path, capsys):
    assert load_segmenter([trained_run], device="cpu").precision.dtype is None  # fp32, exact, unless asked
    ensemble = load_segmenter([trained_run, trained_run], device="cpu", precision="bf16")
    assert [member.precision.dtype for member in ensemble.members] == [torch.bfloat16] * 2
    assert main(["evaluate", str(trained_run), "--split", "val", "--precision", "bf16", "--device", "cpu",
                 "--out", str(tmp_path / "bf16")]) == 0
    bf16 = json.loads((tmp_path / "bf16" / "metrics.json").read_text())
    fp32 = evaluate_run(trained_run, split="val", out=tmp_path / "fp32", device="cpu")
    assert bf16["precision"] == "bf16" and (tmp_path / "bf16" / "metrics.md").read_text().count(", bf16.") == 1
    assert bf16["mean_iou"] == pytest.approx(fp32.scores.mean_iou, abs=0.02)  # the same model, rounded
    assert main(["evaluate", str(trained_run), "--precision", "fp16", "--device", "cpu"]) == 2
    assert "fp16 needs a CUDA device" in capsys.readouterr().err
