"""Progress bars with one look for every loop seglab shows: training and validation batches,
and the files `evaluate` and `predict` go through.

In a terminal the bar is tqdm's text bar, off when output is not a terminal (CI logs, pipes).
In a notebook it is tqdm's widget, whose saved text is refreshed when the bar closes (see
`SavedNotebookBar`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from tqdm import std

with warnings.catch_warnings():  # tqdm's own note that the notebook bar was chosen, as tqdm.auto hides it
    warnings.simplefilter("ignore", std.TqdmExperimentalWarning)
    from tqdm.autonotebook import tqdm as chosen_bar  # the widget in a notebook kernel, else the text bar


def progress_bar(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
                 enabled: bool = True, leave: bool = False, unit: str = "it", interval: float = 0.5) -> std.tqdm:
    """A tqdm bar over `iterable` (or updated by hand up to `total`), redrawn at most every
    `interval` seconds; `enabled=False` always hides it, and in a terminal it also hides itself
    when output is not a terminal. `leave=False` clears it when done, leaving the line a
    command prints after it."""
    bar_class = std.tqdm if chosen_bar is std.tqdm else SavedNotebookBar
    return bar_class(iterable, total=total, desc=desc, disable=None if enabled else True, leave=leave, unit=unit,
                     dynamic_ncols=True, mininterval=interval)


if chosen_bar is not std.tqdm:  # in a notebook kernel with ipywidgets
    from IPython.display import display as show

    class SavedNotebookBar(chosen_bar):  # type: ignore[misc, valid-type]
        """tqdm's notebook widget, with the text kept beside it brought up to date at the end.

        A notebook saves a widget with a plain-text copy, what GitHub, nbviewer and any viewer
        without the widget's state show. tqdm writes that text once, when the bar appears, so an
        executed notebook showed every bar stuck at '0/25 0%'. This bar is shown under a display
        id and, when it closes, shown again under that id, which rewrites the saved copy with the
        final count (the live widget is redrawn from the same model, so nothing changes on screen).
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._handle: Any = None
            super().__init__(*args, display=False, **kwargs)
            if not self.disable:
                self._handle = show(self.container, display_id=True)

        def display(self, *args: Any, close: bool = False, **kwargs: Any) -> None:
            if close:  # a closed widget has no view left to show: refresh the text first
                self._refresh_saved_text()
            super().display(*args, close=close, **kwargs)

        def close(self) -> None:
            super().close()
            self._refresh_saved_text()  # a bar that stays (leave=True) or stopped short

        def _refresh_saved_text(self) -> None:
            if self._handle is not None:
                self._handle.update(self.container)
                self._handle = None
