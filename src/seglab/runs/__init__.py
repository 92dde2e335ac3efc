"""The contract between stages: model cards, checkpoint files, run folders, atomic writes and
the training state a resumed run continues from. Training writes these; prediction, export and
evaluation read them without importing the training engine."""
