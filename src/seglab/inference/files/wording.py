"""How the messages of predicting files count what they name."""

from __future__ import annotations


def count(n: int, kind: str) -> str:
    """'1 image', '3 images'."""
    return f"{n} {kind}{'s' if n != 1 else ''}"
