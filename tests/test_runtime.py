"""Process-level choices: precision, threads, allocator."""

from __future__ import annotations

import logging
import platform
import re
from pathlib import Path

import pytest
import torch

from seglab import config, runtime
from seglab.cli import build_config, build_parser
from seglab.engine.experiment import train
from seglab.engine.session import build_session
from seglab.errors import ConfigError
from seglab.allocator import tune_allocator
from seglab.runtime import resolve_precision, resolve_threads

CPU = torch.device("cpu")


def test_auto_precision_on_cpu_follows_native_bf16() -> None:
    expected = torch.bfloat16 if runtime.cpu_has_fast_bf16() else None
    assert resolve_precision("auto", CPU).dtype is expected


@pytest.mark.parametrize("capability, expected", [((7, 5), "fp16"), ((7, 0), "fp16"), ((8, 0), "bf16"), ((9, 0), "bf16")])
def test_auto_precision_on_cuda_wants_bf16_units(monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int],
                                                 expected: str) -> None:
    """A T4 or V100 emulates bf16 slowly (torch's is_bf16_supported says yes to it): fp16 there."""
    asked = []
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    precision = resolve_precision("auto", torch.device("cuda", 1))
    assert precision.name == expected and precision.needs_grad_scaler == (expected == "fp16")
    assert asked == [torch.device("cuda", 1)]  # the run's card, not the current one


@pytest.mark.parametrize("name, dtype", [("fp32", None), ("bf16", torch.bfloat16)])
def test_explicit_precision(name: str, dtype: torch.dtype | None) -> None:
    precision = resolve_precision(name, CPU)
    assert precision.dtype is dtype and not precision.needs_grad_scaler


@pytest.mark.parametrize("name, message", [("fp16", "needs a CUDA device"), ("fp64", "unknown precision")])
def test_bad_precision_is_refused(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_precision(name, CPU)


def test_threads_leave_a_core_per_worker_on_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_STARTUP_THREADS", 8)
    assert resolve_threads(None, 2, CPU) == 6
    assert resolve_threads(None, 12, CPU) == 1  # never below one
    assert resolve_threads(None, 0, CPU) is None  # no workers: torch's choice stays
    assert resolve_threads(None, 2, torch.device("cuda")) is None  # threads only feed the GPU there


def test_explicit_threads_win_and_must_be_positive() -> None:
    assert resolve_threads(3, 2, CPU) == 3
    with pytest.raises(ConfigError, match="threads must be >= 1"):
        resolve_threads(0, 0, CPU)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_allocator_tuning_applies_on_glibc() -> None:
    assert tune_allocator() is True


def test_train_threads_reach_the_session(tiny_dataset: Path) -> None:
    args = build_parser().parse_args(["train", "--no-plan", str(tiny_dataset), "--threads", "1", "--precision", "fp32"])
    cfg = build_config(args)
    assert cfg.train.threads == 1
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        build_session(cfg)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("deterministic", [False, True])
def test_a_real_training_logs_its_thread_choice(tiny_dataset: Path, tmp_path: Path, deterministic: bool,
                                                caplog: pytest.LogCaptureFixture) -> None:
    cfg = config.load(overrides={"data.path": str(tiny_dataset), "model.name": "unet_small",
                                 "model.options": {"widths": [8, 16]}, "train.batch_size": 2, "train.epochs": 1,
                                 "train.precision": "fp32", "train.progress": False,
                                 "train.deterministic": deterministic})
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with caplog.at_level(logging.INFO, logger="seglab.runtime_threads"):
            train(cfg, tmp_path / "run")
        assert torch.get_num_threads() == 2  # the count it started from, whatever it chose meanwhile
    finally:
        torch.set_num_threads(before)
    expected = r"2, fixed" if deterministic else r"[12] of 2 to start, adapting"  # 1 where a core was busy
    assert re.search(f"training threads: {expected}", caplog.text)


@pytest.mark.parametrize("flags, expected", [("fpu avx2 fma", "AVX2"), ("avx2 avx512f avx512bw", "AVX-512"),
                                             ("avx2 avx512f avx512_bf16", "AVX-512 BF16"),
                                             ("avx512f avx512_bf16 amx_bf16 amx_tile", "AMX")])
def test_cpu_description_names_the_model_and_widest_units(monkeypatch: pytest.MonkeyPatch, flags: str,
                                                          expected: str) -> None:
    import io

    cpuinfo = f"processor\t: 0\nmodel name\t: Some CPU 9000\nflags\t\t: {flags}\n"
    monkeypatch.setattr(runtime, "open", lambda path: io.StringIO(cpuinfo), raising=False)
    assert runtime.cpu_description() == f"Some CPU 9000, {expected}"
