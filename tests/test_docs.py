"""The docs as a reader meets them: every command block closed, so that prose does not render as
code and the commands below it as prose (an unclosed ``` in docs/data.md swapped the two for
half the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_code_fence_is_closed_before_the_next_opens(page):
    opened = None
    for number, line in enumerate(page.read_text().splitlines(), 1):
        fence = line.strip()
        if not fence.startswith("```"):
            continue
        if opened is None:
            opened = number
        else:
            assert fence == "```", f"{page.name}:{opened}: block not closed before the block at line {number}"
            opened = None
    assert opened is None, f"{page.name}:{opened}: block never closed"
