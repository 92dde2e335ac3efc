"""--compile: the model is compiled before DDP wraps it, validation and prediction call the
compiled model with eager's numbers, and the time-budget plan pays the compile time once.

Inductor builds CPU kernels with a C++ compiler; without one these tests skip (and --compile is
refused with a clear error, tested below either way). The first run compiles for a minute or
two; inductor's on-disk cache makes later runs take seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch._dynamo.eval_frame import OptimizedModule

from seglab.cli import build_parser, inference_options
from seglab.compilation import compile_model, cpu_compiler
from seglab.engine.estimate import Estimate, estimate_epoch
from seglab.engine.trainer import Trainer
from seglab.errors import ConfigError
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.losses import build_loss
from seglab.models import create_model
from seglab.runs.card import ModelCard

needs_compiler = pytest.mark.skipif(cpu_compiler() is None, reason="inductor on CPU needs a C++ compiler (g++)")
BATCHES = [{"image": torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(i)),
            "mask": torch.randint(0, 4, (2, 32, 32), generator=torch.Generator().manual_seed(i))} for i in range(3)]


def tiny_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return create_model("unet_small", 3, 4, widths=[8, 16])


def tiny_card() -> ModelCard:
    return ModelCard(model="unet_small", options={"widths": [8, 16]}, in_channels=3, num_classes=4,
                     classes={"names": ["a", "b", "c", "d"]}, mapping={}, size=None, mean=(0.5,) * 3, std=(0.25,) * 3)


def train_and_validate(compile_mode: str | None, ema: float | None = None) -> tuple[list[float], float, float, list]:
    wrapped: list[torch.nn.Module] = []

    def wrap(module: torch.nn.Module) -> torch.nn.Module:  # where DDP would wrap
        wrapped.append(module)
        return module

    model = tiny_model()
    trainer = Trainer(model, build_loss("ce_dice", 4), torch.optim.AdamW(model.parameters(), lr=1e-2), num_classes=4,
                      channels_last=True, wrap=wrap, compile_mode=compile_mode, ema_decay=ema)
    losses = [trainer.train_one_epoch(BATCHES) for trainer.epoch in (1, 2)]  # type: ignore[arg-type]
    val = trainer.validate(BATCHES)  # type: ignore[arg-type]
    assert val.loss is not None
    return losses, val.loss, val.scores.mean_iou, wrapped + [trainer.scored_network]


@needs_compiler
@pytest.mark.parametrize("ema", [None, 0.9], ids=["plain", "ema"])
def test_compiled_training_and_validation_match_eager(ema: float | None, one_thread: None) -> None:
    eager_losses, eager_val, eager_miou, _ = train_and_validate(None, ema)
    losses, val, miou, (wrapped, scored) = train_and_validate("default", ema)
    assert isinstance(wrapped, OptimizedModule)  # compiled before DDP would wrap it
    assert isinstance(scored, OptimizedModule)  # validation calls a compiled model (the average's with --ema)
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-4)
    assert val == pytest.approx(eager_val, rel=1e-4) and miou == pytest.approx(eager_miou, abs=1e-3)


@needs_compiler
def test_compiled_prediction_equals_eager(one_thread: None) -> None:
    card = tiny_card()
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    eager = Predictor(tiny_model(), card).predict(image)
    compiled = Predictor(tiny_model(), card, options=InferenceOptions(compile_mode="default"))
    assert isinstance(compiled.network, OptimizedModule)
    prediction = compiled.predict(image)
    np.testing.assert_allclose(prediction.probs, eager.probs, atol=1e-5)
    assert (prediction.mask == eager.mask).mean() > 0.999


@needs_compiler
def test_the_estimate_counts_compilation_once(one_thread: None) -> None:
    from torch._dynamo.utils import counters

    torch._dynamo.reset()  # forget the graphs of the tests before (a new module of the same class reuses them)
    before = counters["stats"]["unique_graphs"]
    estimate = estimate_epoch(tiny_model(), build_loss("ce_dice", 4), BATCHES, BATCHES, torch.device("cpu"),  # type: ignore[arg-type]
                              _fp32(), compile_mode="default")
    assert counters["stats"]["unique_graphs"] > before  # the probe was compiled (training and eval graphs)
    assert estimate.one_time_seconds > 0 and estimate.step_seconds > 0


def test_the_plan_pays_the_one_time_cost_before_fitting_epochs() -> None:
    estimate = Estimate(step_seconds=1.0, train_steps=10, val_seconds=2.0, peak_memory_mb=0.0, one_time_seconds=30.0)
    assert estimate.epochs_within(100.0) == 5  # (100 - 30) // 12, not 100 // 12 = 8
    assert estimate.epochs_within(20.0) == 0


def test_cli_compile_flags() -> None:
    parse = build_parser().parse_args
    assert inference_options(parse(["predict", "run", "x.png", "--compile"])).compile_mode == "default"
    options = inference_options(parse(["evaluate", "run", "--compile", "--compile-mode", "max-autotune"]))
    assert options.compile_mode == "max-autotune"
    assert inference_options(parse(["predict", "run", "x.png"])).compile_mode is None
    with pytest.raises(ConfigError, match="--compile-mode chooses the mode of --compile"):
        inference_options(parse(["predict", "run", "x.png", "--compile-mode", "default"]))
    from seglab.cli import build_config

    cfg = build_config(parse(["train", "--no-plan", "data", "--compile", "--compile-mode", "reduce-overhead"]))
    assert (cfg.train.compile, cfg.train.compile_mode) == (True, "reduce-overhead")


def test_compile_without_a_cpu_compiler_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import seglab.compilation

    monkeypatch.setattr(seglab.compilation.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="needs a C\\+\\+ compiler"):
        compile_model(tiny_model(), "default", torch.device("cpu"))
    with pytest.raises(ConfigError, match="unknown compile mode 'fast'"):
        compile_model(tiny_model(), "fast", torch.device("cpu"))


def _fp32():  # type: ignore[no-untyped-def]
    from seglab.runtime import resolve_precision

    return resolve_precision("fp32", torch.device("cpu"))


def test_saved_run_config_keeps_the_compile_mode(tmp_path: Path) -> None:
    from seglab import config

    cfg = config.load(None, {"train.compile": True, "train.compile_mode": "max-autotune"})
    config.save(cfg, tmp_path / "config.yaml")
    assert config.load(tmp_path / "config.yaml").train.compile_mode == "max-autotune"


@needs_compiler
@pytest.mark.parametrize("compiled", [False, True])
def test_compiling_on_the_cpu_keeps_the_thread_count(tiny_dataset: Path, compiled: bool) -> None:
    """Inductor's CPU kernels are built for the thread count (a guard on it): a tuner trying
    other counts would recompile the network at each try, so a compiled run keeps its count."""
    from seglab import config
    from seglab.engine.session import build_session
    from seglab.inference.predictor import adapt_threads

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        cfg = config.load(overrides={"data.path": str(tiny_dataset), "model.name": "unet_small",
                                     "model.options": {"widths": [8, 16]}, "train.precision": "fp32",
                                     "train.compile": compiled, "train.device": "cpu"})
        session = build_session(cfg)
        assert session.threads is not None and session.threads.adaptive is not compiled
        assert torch.get_num_threads() == 2 or not compiled  # an adapting tuner may start lower on a busy host
        predictor = Predictor(tiny_model(), tiny_card(), options=InferenceOptions(compile_mode="default" if compiled else None))
        threads = adapt_threads(predictor).threads
        assert threads is not None and threads.adaptive is not compiled
    finally:
        torch.set_num_threads(before)


def test_compile_on_cuda_without_triton_or_a_c_compiler_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inductor's GPU kernels need triton and the C compiler triton builds launchers with."""
    import importlib.util

    import seglab.compilation

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "triton" else find_spec(name, *a))
    monkeypatch.setattr(seglab.compilation.shutil, "which", lambda name: None)
    monkeypatch.delenv("CC", raising=False)
    with pytest.raises(ConfigError, match="needs the triton package and a C compiler"):
        compile_model(tiny_model(), "reduce-overhead", torch.device("cuda"))
    monkeypatch.setenv("CC", "/opt/cc")
    with pytest.raises(ConfigError, match="needs the triton package for"):
        compile_model(tiny_model(), "reduce-overhead", torch.device("cuda"))


@pytest.mark.parametrize("mode, marks", [("reduce-overhead", True), ("max-autotune", True), ("default", False),
                                         (None, False)])
def test_every_call_of_a_graphed_network_starts_a_step(monkeypatch: pytest.MonkeyPatch, mode: str | None,
                                                       marks: bool) -> None:
    """Once a training step has marked a CUDA-graph step, torch counts steps only by marks: a
    validation batch, an estimate's call or a prediction that did not mark would never replay."""
    from seglab.engine import estimate as estimate_module
    from seglab.engine.trainer import evaluate

    calls: list[str] = []
    monkeypatch.setattr(torch.compiler, "cudagraph_mark_step_begin", lambda: calls.append("mark"))
    model = tiny_model()
    forward = model.forward
    model.forward = lambda x: calls.append("forward") or forward(x)  # type: ignore[method-assign]
    evaluate(model, BATCHES, 4, compile_mode=mode)  # type: ignore[arg-type]
    monkeypatch.setattr(estimate_module, "compile_model", lambda module, *args: module)
    estimate_epoch(model, build_loss("ce_dice", 4), BATCHES, BATCHES, torch.device("cpu"), _fp32(),  # type: ignore[arg-type]
                   compile_mode=mode, steps=2)
    predictor = Predictor(model, tiny_card())
    predictor.options = InferenceOptions(compile_mode=mode)  # its network stays eager: only the marks are counted
    predictor.predict(np.zeros((32, 32, 3), np.uint8))
    forwards = calls.count("forward")
    assert forwards == len(BATCHES) + 3 + 2 + 1  # validation, estimate's steps and forwards, prediction
    assert calls == (["mark", "forward"] * forwards if marks else ["forward"] * forwards)


def test_the_estimate_leaves_every_random_state_as_it_found_it() -> None:
    """A --time-budget run trains like one without: the estimate draws a batch from the loader
    (advancing its shuffling) and runs dropout on the probe."""
    from torch.utils.data import TensorDataset

    from seglab.data.loading.prepare import make_loader

    class Pairs(TensorDataset):
        def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
            image, mask = super().__getitem__(index)
            return {"image": image, "mask": mask}

    dataset = Pairs(torch.randn(8, 3, 32, 32), torch.randint(0, 4, (8, 32, 32)))
    loader = make_loader(dataset, 2, shuffle=True, seed=5)
    model = create_model("unet_small", 3, 4, widths=[8, 16], dropout=0.5)
    shuffling, host = loader.generator.get_state(), torch.get_rng_state()
    estimate_epoch(model, build_loss("ce_dice", 4), loader, None, torch.device("cpu"), _fp32(), steps=1)
    assert torch.equal(loader.generator.get_state(), shuffling)
    assert torch.equal(torch.get_rng_state(), host)
