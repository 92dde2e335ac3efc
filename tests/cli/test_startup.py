"""The command starts without torch where it needs none (`seglab --help`, `seglab inspect`), and
without torchvision where only torch's choices are listed (`seglab train --help`).

Importing torch and torchvision takes seconds on a laptop (about 4 s of the 5 s `seglab --help`
took here); the library imports them when a command trains, evaluates or predicts. Each case runs
in a fresh interpreter, since a test process has torch loaded already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

_RUN = """
import sys
from seglab.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:", *(name for name in ("torch", "torchvision") if name in sys.modules))
"""


def loaded(*argv: str) -> set[str]:
    """Which of torch and torchvision the command imported."""
    done = subprocess.run([sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, check=True)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), done.stdout + done.stderr
    return set(last.split()[1:])


def loads_torch(*argv: str) -> bool:
    return "torch" in loaded(*argv)


def tiny_dataset(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for folder in ("images", "masks"):
        (root / folder).mkdir(parents=True)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(root / "images" / f"{i}.png")
        Image.fromarray((rng.random((16, 16)) > 0.5).astype(np.uint8)).save(root / "masks" / f"{i}.png")
    return root


@pytest.mark.parametrize("argv", [["--help"], ["inspect", "--help"], ["--version"]])
def test_help_does_not_load_torch(argv: list[str]) -> None:
    assert not loads_torch(*argv)


def test_inspect_does_not_load_torch(tmp_path: Path) -> None:
    assert not loads_torch("inspect", str(tiny_dataset(tmp_path / "data")))


def test_train_help_loads_torch_for_its_choices_but_not_torchvision() -> None:
    # torchvision (with torch._dynamo, which its ops import) cost 1 of the 3.9 s `train --help` took
    assert loaded("train", "--help") == {"torch"}


def test_commands_that_train_still_list_their_choices(capsys: pytest.CaptureFixture[str]) -> None:
    from seglab.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = capsys.readouterr().out
    assert "--loss {" in help_text and "dice" in help_text and "--precision {" in help_text
    for listed in ("--augment {light,none,strong}", "--optimizer {adam,adamw}", "tensorboard (event files"):
        assert listed in help_text, listed


def test_import_seglab_is_light_and_its_api_is_there() -> None:
    code = ("import sys, seglab; before = 'torch' in sys.modules; train = seglab.train; "
            "print(before, 'torch' in sys.modules, callable(train), 'load_run' in dir(seglab))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "True", "True"]
