"""Experiment tracking: what `--log tensorboard` and `--log mlflow` write, read back with each
tool's own reader (TensorBoard's EventAccumulator, MLflow's client)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seglab.cli import main
from seglab.data import generate_synthetic
from seglab.engine.tracking import logger_specs, with_logger_option
from seglab.engine.tracking.callback import best_scores, flatten_params
from seglab.errors import ConfigError, UnknownNameError

mlflow_tracking = pytest.importorskip("mlflow.tracking")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
plugin_data_pb2 = pytest.importorskip("tensorboard.plugins.hparams.plugin_data_pb2")

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--precision", "fp32",
        "--no-progress"]
SIZE = 32
CLASSES = ("background", "circle", "square", "triangle")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_synthetic(tmp_path_factory.mktemp("tracking") / "data", num_samples=12, size=(SIZE, SIZE), seed=2)


@pytest.fixture(scope="module")
def tracked_run(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 epochs logged to both trackers, images every 3 epochs: at epochs 1, 3 and 4 (the last)."""
    run = tmp_path_factory.mktemp("tracked") / "run"
    assert main(["train", "--no-plan", str(data), "--out", str(run), "--epochs", "4", *TINY, "--log", "tensorboard",
                 "--log", "mlflow", "--log-images-every", "3"]) == 0
    return run


@pytest.fixture(autouse=True)
def allow_file_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow 3 opens its file store only when allowed (the logger allows it for itself)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


def history(run: Path) -> list[dict[str, str]]:
    with (run / "history.csv").open() as handle:
        return list(csv.DictReader(handle))


def events(run: Path):
    everything = {"images": 0, "scalars": 0, "tensors": 0}  # 0: keep all (the default samples 4 images per tag)
    return event_accumulator.EventAccumulator(str(run / "tensorboard"), size_guidance=everything).Reload()


def mlflow_run(run: Path):
    recorded = json.loads((run / "mlflow_run.json").read_text())
    client = mlflow_tracking.MlflowClient(tracking_uri=recorded["tracking_uri"])
    return client, client.get_run(recorded["run_id"])


def image_steps(client, run_id: str, tag: str) -> list[int]:
    """Steps of MLflow's logged images of `tag` (its images/ artifacts: KEY+step+N+timestamp+...png)."""
    key = tag.replace("/", "~")
    names = [Path(f.path).name for f in client.list_artifacts(run_id, "images")]
    pattern = re.escape(key) + r"\+step\+(\d+)\+timestamp\+\d+\+[0-9a-f-]+\.png"
    return sorted(int(m.group(1)) for n in names if (m := re.fullmatch(pattern, n)))


def test_tensorboard_holds_every_history_column_per_epoch_params_card_and_images(tracked_run: Path) -> None:
    rows = history(tracked_run)
    acc = events(tracked_run)
    tags = acc.Tags()
    for column in rows[0]:
        if column == "epoch":
            continue
        logged = acc.Scalars(column)
        assert [e.step for e in logged] == [1, 2, 3, 4], column
        assert [e.value for e in logged] == pytest.approx([float(r[column]) for r in rows], rel=1e-5), column
    assert "lr" in rows[0]

    hparams = plugin_data_pb2.HParamsPluginData.FromString(
        acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]).session_start_info.hparams
    assert hparams["train.epochs"].number_value == 4
    assert hparams["model.name"].string_value == "unet_small"
    assert json.loads(hparams["model.options"].string_value)["widths"] == [8, 16]

    card = acc.Tensors("model_card.json/text_summary")[0].tensor_proto.string_val[0].decode()
    assert '"model": "unet_small"' in card and '"circle"' in card
    assert {"config.yaml/text_summary", "metrics.md/text_summary"} <= set(tags["tensors"])

    shown = [t for t in tags["images"] if t.startswith("val_predictions/")]
    val_names = json.loads((tracked_run / "splits.json").read_text())["val"]
    assert shown and len(shown) == min(4, len(val_names))
    assert {t.split("/", 1)[1] for t in shown} <= set(val_names)
    for tag in shown:
        pictures = acc.Images(tag)
        assert [p.step for p in pictures] == [1, 3, 4]
        assert (pictures[0].width, pictures[0].height) == (3 * SIZE + 4, SIZE)  # image | truth | prediction
    assert [p.step for p in acc.Images("curves")] == [4]

    metrics = json.loads((tracked_run / "metrics.json").read_text())
    for name in CLASSES:
        logged = acc.Scalars(f"best_val/iou/{name}")
        best = metrics["classes"][name]["iou"]
        assert [(e.step, e.value) for e in logged] == [(metrics["epoch"], pytest.approx(best))]


def test_mlflow_holds_every_history_column_per_epoch_params_artifacts_and_images(tracked_run: Path) -> None:
    client, run = mlflow_run(tracked_run)
    assert run.info.status == "FINISHED"
    assert Path(run.info.artifact_uri.removeprefix("file://")).is_relative_to(tracked_run / "mlruns")
    rows = history(tracked_run)
    for column in rows[0]:
        if column == "epoch":
            continue
        logged = client.get_metric_history(run.info.run_id, column)
        assert sorted(m.step for m in logged) == [1, 2, 3, 4], column
        by_step = {m.step: m.value for m in logged}
        assert [by_step[s] for s in (1, 2, 3, 4)] == pytest.approx([float(r[column]) for r in rows], rel=1e-6)

    params = run.data.params
    assert params["train.epochs"] == "4" and params["model.name"] == "unet_small"
    assert params["train.loggers"] == '["tensorboard", "mlflow"]'

    artifacts = {f.path for f in client.list_artifacts(run.info.run_id)}
    assert {"model_card.json", "config.yaml", "curves.png", "metrics.json", "metrics.md"} <= artifacts
    card = json.loads(Path(client.download_artifacts(run.info.run_id, "model_card.json")).read_text())
    assert card["model"] == "unet_small" and card["classes"]["names"] == list(CLASSES)

    metrics = json.loads((tracked_run / "metrics.json").read_text())
    for name in CLASSES:
        assert run.data.metrics[f"best_val/dice/{name}"] == pytest.approx(metrics["classes"][name]["dice"])
    assert run.data.metrics["best_val/mean_iou"] == pytest.approx(metrics["mean_iou"])

    val_names = json.loads((tracked_run / "splits.json").read_text())["val"]
    for name in val_names[:4]:
        assert image_steps(client, run.info.run_id, f"val_predictions/{name}") == [1, 3, 4]


def test_resumed_runs_continue_the_same_mlflow_run_and_tensorboard_steps(data: Path, tmp_path: Path) -> None:
    """Also the case of a run killed after it logged an epoch whose checkpoint never landed:
    the retrained epoch replaces the logged one in TensorBoard (purge_step) instead of doubling it."""
    run, store = tmp_path / "run", tmp_path / "shared-mlruns"
    logging = ["--log", "tensorboard", "--mlflow-uri", store.as_uri(), "--log-images-every", "0"]
    assert main(["train", "--no-plan", str(data), "--out", str(run), "--epochs", "1", *TINY, *logging]) == 0
    run_id = json.loads((run / "mlflow_run.json").read_text())["run_id"]
    after_one = tmp_path / "epoch1.safetensors"
    shutil.copy(run / "checkpoints" / "last.safetensors", after_one)

    assert main(["train", "--no-plan", "--resume", str(run), "--epochs", "2"]) == 0
    shutil.copy(after_one, run / "checkpoints" / "last.safetensors")  # as if epoch 2's checkpoint was lost
    assert main(["train", "--no-plan", "--resume", str(run), "--epochs", "2"]) == 0

    assert json.loads((run / "mlflow_run.json").read_text())["run_id"] == run_id
    assert not (run / "mlruns").exists()  # --mlflow-uri: the store is the shared one
    client, mlrun = mlflow_run(run)
    assert mlrun.info.run_id == run_id and mlrun.info.status == "FINISHED"
    experiment = client.get_experiment_by_name("seglab")
    assert [r.info.run_id for r in client.search_runs([experiment.experiment_id])] == [run_id]
    final = history(run)
    assert [r["epoch"] for r in final] == ["1", "2"]
    assert {m.step for m in client.get_metric_history(run_id, "train_loss")} == {1, 2}
    assert mlrun.data.metrics["train_loss"] == pytest.approx(float(final[1]["train_loss"]))

    acc = events(run)
    for tag in ("train_loss", "val_miou", "lr"):
        assert [e.step for e in acc.Scalars(tag)] == [1, 2], tag
    assert acc.Scalars("train_loss")[1].value == pytest.approx(float(final[1]["train_loss"]), rel=1e-5)
    assert len(list((run / "tensorboard").glob("events.out.tfevents.*"))) == 3  # one per training, one folder


def test_trackers_added_at_a_resume_start_a_complete_record(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(data), "--out", str(run), "--epochs", "1", *TINY]) == 0
    assert main(["train", "--no-plan", "--resume", str(run), "--epochs", "2", "--log", "mlflow", "--log", "tensorboard"]) == 0
    client, mlrun = mlflow_run(run)
    assert mlrun.data.params["train.epochs"] == "2"
    assert "model_card.json" in {f.path for f in client.list_artifacts(mlrun.info.run_id)}
    assert [m.step for m in client.get_metric_history(mlrun.info.run_id, "val_miou")] == [2]
    acc = events(run)
    assert "_hparams_/session_start_info" in acc.PluginTagToContent("hparams")
    assert [e.step for e in acc.Scalars("val_miou")] == [2]


@pytest.mark.parametrize(("tracker", "module"), [("mlflow", "mlflow"), ("tensorboard", "torch.utils.tensorboard")])
def test_a_missing_tracker_library_names_its_extra_before_training(tracker: str, module: str, data: Path,
                                                                   tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(data), "--out", str(run), "--epochs", "1", *TINY, "--log", tracker]) == 2
    err = capsys.readouterr().err
    assert f"pip install 'seglab[{tracker}]'" in err and "Traceback" not in err
    assert not (run / "config.yaml").exists()  # refused before anything was trained or written


def test_large_validation_images_are_shown_subsampled_with_labels_intact() -> None:
    import torch

    from seglab.data import ClassSpec
    from seglab.engine.feeding import DeviceFeed
    from seglab.engine.tracking.callback import prediction_picture
    from seglab.runs.card import ModelCard
    from seglab.runtime import resolve_precision

    classes = ClassSpec(names=("background", "thing"), colours=((0, 0, 0), (255, 0, 0)))
    card = ModelCard(model="x", options={}, in_channels=1, num_classes=2, classes=classes.to_dict(), mapping={},
                     size=None, mean=(0.5,), std=(0.25,))
    model = torch.nn.Conv2d(1, 2, 1)
    mask = torch.zeros(1030, 20, dtype=torch.int64)
    mask[:, 10:] = 1
    sample = {"image": torch.zeros(1, 1030, 20), "mask": mask, "name": "tall"}
    cpu = torch.device("cpu")
    picture = prediction_picture(model, sample, classes, card, DeviceFeed(cpu), resolve_precision("fp32", cpu))
    assert picture.shape == (344, 3 * 7 + 4, 3)  # every 3rd pixel: ceil(1030 / 512) = 3
    truth = picture[:, 7 + 2:2 * 7 + 2]
    assert (truth[:, 4:, 0] > truth[:, 4:, 1]).all() and (truth[:, :4] == truth[0, 0]).all()  # 'thing' red


def test_logger_entries_are_checked() -> None:
    specs = logger_specs(["tensorboard", {"name": "mlflow", "options": {"experiment": "mine"}}])
    assert [(s.name, s.options) for s in specs] == [("tensorboard", {}), ("mlflow", {"experiment": "mine"})]
    with pytest.raises(UnknownNameError, match="Did you mean tensorboard"):
        logger_specs(["tensorbord"])
    with pytest.raises(ConfigError, match="has no option 'uri'; its options: tracking_uri, experiment"):
        logger_specs([{"name": "mlflow", "options": {"uri": "x"}}])
    with pytest.raises(ConfigError, match="names 'mlflow' twice"):
        logger_specs(["mlflow", "mlflow"])
    with pytest.raises(ConfigError, match="entries are names"):
        logger_specs([{"mlflow": {"tracking_uri": "x"}}])


def test_mlflow_uri_sets_the_option_and_implies_the_logger() -> None:
    assert with_logger_option(("tensorboard",), "mlflow", "tracking_uri", "http://h:5000") == (
        "tensorboard", {"name": "mlflow", "options": {"tracking_uri": "http://h:5000"}})
    assert with_logger_option(({"name": "mlflow", "options": {"experiment": "e"}},), "mlflow", "tracking_uri", "u") \
        == ({"name": "mlflow", "options": {"experiment": "e", "tracking_uri": "u"}},)


def test_the_model_card_and_config_sent_keep_names_as_written(tmp_path: Path) -> None:
    """The model card sent to MLflow and TensorBoard held class names as \\uXXXX escapes
    (json.dumps' default), and config.yaml's text was read in the locale's encoding."""
    from seglab import config
    from seglab.engine.tracking.base import ExperimentLogger, LoggerSpec
    from seglab.engine.tracking.callback import ExperimentTracking
    from seglab.runs.run_folder import RunFolder

    sent: dict[str, str] = {}

    class Recording(ExperimentLogger):
        def __init__(self, run_root: Path, resumed_after: int, **options) -> None:
            self.continues = False
        log_params = log_scalars = log_image = close = lambda self, *args: None  # type: ignore[assignment]

        def log_text(self, name: str, text: str, step: int) -> None:
            sent[name] = text

        def log_file(self, path: Path, step: int) -> None:
            sent[path.name] = path.read_text(encoding="utf-8")

    run = RunFolder(tmp_path)
    config.save(config.load(overrides={"data.path": "/data/участок"}), run.config)
    card = type("Card", (), {"to_dict": lambda self: {"classes": {"names": ["背景", "道路"]}}})()
    tracking = ExperimentTracking([LoggerSpec("recording", Recording)], run, card, None, epochs=1)  # type: ignore[arg-type]
    tracking.on_fit_start(type("Trainer", (), {"epoch": 0})())  # type: ignore[arg-type]
    assert '"背景"' in sent["model_card.json"] and "/data/участок" in sent["config.yaml"]


def test_a_plain_folder_as_tracking_uri_becomes_an_absolute_file_uri(tmp_path: Path, monkeypatch) -> None:
    from seglab.engine.tracking.mlflow_logger import store_uri

    monkeypatch.chdir(tmp_path)
    assert store_uri("runs/mlruns", tmp_path / "run") == (tmp_path / "runs" / "mlruns").as_uri()
    assert store_uri(None, tmp_path / "run") == (tmp_path / "run" / "mlruns").as_uri()
    assert store_uri("http://host:5000", tmp_path / "run") == "http://host:5000"


def test_params_are_flat_dotted_keys_with_structured_values_as_json() -> None:
    assert flatten_params({"train": {"lr": 0.001, "grad_clip": None, "loggers": ["mlflow"]},
                           "model": {"name": "unet", "options": {"widths": [8, 16]}}}) == {
        "train.lr": 0.001, "train.grad_clip": "null", "train.loggers": '["mlflow"]',
        "model.name": "unet", "model.options": '{"widths": [8, 16]}'}


def test_best_scores_are_logged_overall_and_per_class_without_undefined_ones() -> None:
    metrics = {"split": "val", "epoch": 3, "mean_iou": 0.5, "accuracy": 0.9,
               "classes": {"bg": {"iou": 0.8, "dice": 0.9, "precision": None, "recall": 1.0, "support": 10}}}
    assert best_scores(metrics) == {"best_val/mean_iou": 0.5, "best_val/accuracy": 0.9, "best_val/iou/bg": 0.8,
                                    "best_val/dice/bg": 0.9, "best_val/recall/bg": 1.0}


def test_overwrite_removes_what_the_trackers_wrote_into_the_run_folder(tmp_path: Path) -> None:
    from seglab.runs.run_folder import RunFolder

    run = tmp_path / "run"
    (run / "tensorboard").mkdir(parents=True)
    (run / "tensorboard" / "events.out.tfevents.1").write_bytes(b"old")
    (run / "mlruns" / "0").mkdir(parents=True)
    (run / "mlflow_run.json").write_text('{"run_id": "old"}')
    (run / "config.yaml").write_text("{}")
    with RunFolder(run).claim(overwrite=True):
        pass
    assert not any((run / name).exists() for name in ("tensorboard", "mlruns", "mlflow_run.json"))


def test_tensorboard_logs_a_run_file_of_non_ascii_class_names_whatever_the_locale(tmp_path: Path) -> None:
    """metrics.md and metrics.json are written as UTF-8 (背景, not \\u80cc\\u666f): TensorBoard's
    text of them is read as UTF-8 too, where the locale's encoding (Windows' cp1252, a C locale's
    ASCII) raised UnicodeDecodeError at the end of training. Run where the locale reads ASCII."""
    (tmp_path / "metrics.md").write_text("| 背景 | 0.5 |\n", encoding="utf-8")
    script = ("import sys; from pathlib import Path\n"
              "from seglab.engine.tracking.tensorboard_logger import TensorBoardLogger\n"
              "class Writer:\n"
              "    def add_text(self, name, text, step): print(ascii(text))\n"
              "logger = TensorBoardLogger.__new__(TensorBoardLogger); logger._writer = Writer()\n"
              "logger.log_file(Path(sys.argv[1]), 1)\n")
    env = {**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    done = subprocess.run([sys.executable, "-X", "utf8=0", "-c", script, str(tmp_path / "metrics.md")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "\\u80cc\\u666f" in done.stdout
