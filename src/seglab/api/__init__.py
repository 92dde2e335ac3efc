"""The Python API: the CLI's steps as a few calls, with figures for notebooks.

    ds = seglab.load_dataset(path)          # Dataset: .summary(), .show_batch(n), .sample(i)
    seglab.sanity_check(ds, model=...)      # SanityResult: can the model overfit one batch?
    run = seglab.train(ds, model=..., epochs=...)   # Run: .history, .plot_history(), .evaluate(),
                                            #      .show_results(n), .predict(image), .save(path)
    run = seglab.load_run(path)

See docs/python-api.md.
"""

from __future__ import annotations

from seglab.api.dataset import Dataset, load_dataset
from seglab.api.run import Evaluation, Run, load_run, sanity_check, train

__all__ = ["Dataset", "Evaluation", "Run", "load_dataset", "load_run", "sanity_check", "train"]
