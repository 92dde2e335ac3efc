"""The tutorial notebooks run top to bottom, headless; their cells assert the numbers they print.

Each notebook runs in its own folder (so relative paths work) with TMPDIR under pytest's
tmp_path, so the data it writes and its temporary runs are cleaned up with it. The kernel gets
one OpenMP thread unless OMP_NUM_THREADS is set: on a 2-core machine shared with other jobs,
two spinning threads made the notebooks 15 to 20 times slower (500-600 s instead of 30-40 s),
while on an idle machine one thread costs little.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

import seglab

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds for one cell; a whole notebook takes a few minutes on 2 CPU cores
WIDGETS = "application/vnd.jupyter.widget-view+json"


def execute(path: Path, **env: str) -> nbformat.NotebookNode:
    """Run every cell of a notebook in a fresh kernel, in the notebook's folder.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised (a failed assert included).
    """
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    # the kernel imports the seglab under test, whatever the kernel's folder and the installed one
    path = os.pathsep.join(filter(None, [str(Path(seglab.__file__).parents[1]), os.environ.get("PYTHONPATH")]))
    client.execute(env={**os.environ, "OMP_NUM_THREADS": threads, "PYTHONPATH": path, **env})
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def saved_bars(notebook: nbformat.NotebookNode) -> list[str]:
    """The plain text saved beside each progress-bar widget: what a viewer without the widget's
    state (GitHub, nbviewer) shows."""
    return [output["data"]["text/plain"] for output in outputs(notebook) if WIDGETS in output.get("data", {})]


def check_bars_finished(notebook: nbformat.NotebookNode) -> None:
    """Every saved bar shows its final count ('25/25'), none the '0/25 0%' it started with."""
    bars = saved_bars(notebook)
    assert bars
    for text in bars:
        done, total = map(int, re.search(r"(\d+)/(\d+) \[", text).groups())  # '14/14 [00:08<00:00, ...]'
        assert done == total > 0 and "100%" in text, text


def check_rendering(notebook: nbformat.NotebookNode) -> None:
    """Figures came out as images, progress bars as finished widgets, one line per epoch with
    its ETA reached the page, and the setup chatter did not."""
    shown = outputs(notebook)
    assert any("image/png" in output.get("data", {}) for output in shown)
    if importlib.util.find_spec("ipywidgets") is not None:  # tqdm.auto draws widgets only with it
        check_bars_finished(notebook)
    streams = "".join(output.get("text", "") for output in shown if output.output_type == "stream")
    assert "parameters, device" not in streams  # experiment.train's setup lines stay in the logger
    assert "epoch 1  train_loss" in streams and " eta " in streams  # progress a saved notebook keeps


def test_notebooks_are_stored_without_outputs():
    assert [path.name for path in NOTEBOOKS] == ["brain_mri.ipynb", "oxford_pet.ipynb"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


def test_saved_progress_bars_show_their_final_count(tmp_path):
    pytest.importorskip("ipywidgets")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from seglab.progress import progress_bar\n"
        "for _ in progress_bar(range(25), desc='kept', leave=True): pass\n"
        "for _ in progress_bar(range(25), desc='cleared'): pass\n"
        "bar = progress_bar(total=25, desc='by hand')\n"
        "bar.update(25)\n"
        "bar.close()"
    )])
    path = tmp_path / "bars.ipynb"
    nbformat.write(notebook, path)
    executed = execute(path)
    assert [text.split(":")[0] for text in saved_bars(executed)] == ["kept", "cleared", "by hand"]
    check_bars_finished(executed)


@pytest.mark.slow
def test_pet_notebook_runs(tmp_path):
    check_rendering(execute(TUTORIALS / "oxford_pet.ipynb", TMPDIR=str(tmp_path)))


@pytest.mark.slow
def test_brain_mri_notebook_runs(tmp_path, shared_data):
    data = shared_data("brain-mri")
    notebook = execute(TUTORIALS / "brain_mri.ipynb", TMPDIR=str(tmp_path), SEGLAB_SHARED_DATA=str(data.parent))
    check_rendering(notebook)


def test_brain_mri_notebook_stops_with_a_clear_message_without_data(tmp_path):
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="brain-MRI slices not found") as error:
        execute(TUTORIALS / "brain_mri.ipynb", TMPDIR=str(tmp_path), SEGLAB_SHARED_DATA=str(tmp_path))
    assert "SEGLAB_SHARED_DATA" in str(error.value)
