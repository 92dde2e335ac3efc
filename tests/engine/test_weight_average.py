"""--ema: an exponential moving average of the weights, scored, saved and resumed."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seglab import config
from seglab.cli import build_config, build_parser
from seglab.data import generate_synthetic
from seglab.engine.averaging import effective_decay, weight_average
from seglab.engine.experiment import train
from seglab.engine.session import build_session
from seglab.engine.trainer import Callback, evaluate
from seglab.errors import ConfigError
from seglab.runs.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate_synthetic(tmp_path_factory.mktemp("ema") / "data", num_samples=16, size=(32, 32), seed=5)


def ema_config(data, **train_options) -> config.ExperimentConfig:
    return config.load(overrides={
        "data.path": str(data), "model.name": "unet_small", "model.options": {"widths": [8, 16, 32]},
        "train.epochs": 2, "train.batch_size": 4, "train.precision": "fp32", "train.progress": False,
        "train.lr": 0.01, **{f"train.{k}": v for k, v in train_options.items()},
    })


def test_average_matches_the_hand_computed_ema() -> None:
    model = nn.Sequential(nn.Linear(1, 1, bias=False), nn.BatchNorm1d(1))
    average = weight_average(model, decay=0.5)
    expected = None
    for step, value in enumerate([2.0, 4.0, 8.0, 16.0]):
        with torch.no_grad():
            model[0].weight.fill_(value)
        model[1].num_batches_tracked.fill_(step + 7)
        average.update_parameters(model)
        # the first update copies; after n updates d = min(0.5, (1 + n) / (10 + n)): 2/11, 3/12, 4/13
        decay = effective_decay(0.5, step)
        expected = value if expected is None else decay * expected + (1 - decay) * value
        assert float(average.module[0].weight.detach()) == pytest.approx(expected)
        assert int(average.module[1].num_batches_tracked) == step + 7  # integer buffers take the current value
    assert [effective_decay(0.5, n) for n in (1, 2, 3, 100)] == pytest.approx([2 / 11, 3 / 12, 4 / 13, 0.5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        weight_average(model, decay=1.0)


class Keep(Callback):
    """Keeps the trainer, to look at its models after the run."""

    def on_fit_end(self, trainer) -> None:
        self.trainer = trainer


def test_validation_and_checkpoints_use_the_average(data, tmp_path) -> None:
    keep = Keep()
    result = train(ema_config(data, ema_decay=0.9), tmp_path / "run", callbacks=[keep])
    trainer = keep.trainer
    averaged, trained = trainer.average.module.state_dict(), trainer.model.state_dict()
    session = build_session(config.load(tmp_path / "run" / "config.yaml"))
    assert trainer.average.updates == 2 * len(session.train_loader)  # one update per step
    last = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert all(torch.equal(last.state_dict[k], averaged[k].contiguous()) for k in averaged)
    assert not all(torch.equal(last.state_dict[k], trained[k].contiguous()) for k in trained)
    assert all(torch.equal(last.training_state.trained_weights[k], trained[k].contiguous()) for k in trained)
    assert last.training_state.averaged_steps == trainer.average.updates
    rescored = evaluate(trainer.average.module, session.val_loader, trainer.num_classes, feed=session.feed)
    assert result.history[-1]["val_miou"] == pytest.approx(rescored.scores.mean_iou)


def test_resume_with_the_average_matches_uninterrupted(data, tmp_path) -> None:
    class StopAfterFirstEpoch(Callback):
        def on_epoch_end(self, trainer, row, val) -> None:
            raise KeyboardInterrupt

    cfg = ema_config(data, ema_decay=0.9, epochs=3, threads=1)  # bit for bit needs a fixed thread count
    train(cfg, tmp_path / "full")
    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "cut", callbacks=[StopAfterFirstEpoch()])
    train(cfg, tmp_path / "cut", resume=True)
    full, cut = (load_checkpoint(tmp_path / name / "checkpoints" / "last.safetensors") for name in ("full", "cut"))
    for saved_full, saved_cut in [(full.state_dict, cut.state_dict),
                                  (full.training_state.trained_weights, cut.training_state.trained_weights)]:
        assert saved_full.keys() == saved_cut.keys()
        assert all(torch.equal(saved_full[k], saved_cut[k]) for k in saved_full)


def test_ema_flag_reaches_the_config_and_bad_decays_are_refused(data, tmp_path) -> None:
    assert build_config(build_parser().parse_args(["train", "--no-plan", "data", "--ema", "0.999"])).train.ema_decay == 0.999
    assert config.TrainConfig().ema_decay is None  # off unless asked
    with pytest.raises(ConfigError, match="ema_decay must lie between 0 and 1"):
        train(ema_config(data, ema_decay=1.5), tmp_path / "bad")
