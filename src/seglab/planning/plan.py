"""A training plan: each config choice with the reason for it and the facts it came from.

The plan is what `seglab plan` prints and what a planned run keeps as `RUN/plan.json`, so any
choice can be traced to a rule (docs/auto.md) and to the fingerprint values that fired it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seglab.data.checking.fingerprint import ClassPrint, Fingerprint
from seglab.errors import DataError
from seglab.runs.atomic import write_json
from seglab.runs.run_folder import read_run_json

FROM_PLAN, FROM_USER = "plan", "user"


@dataclass(frozen=True)
class Choice:
    """One config value (`key` as in `--set`, e.g. "data.patch_size") and why."""

    key: str
    value: Any
    reason: str
    basis: dict[str, Any] = field(default_factory=dict)  # the measured values the rule read
    source: str = FROM_PLAN  # "user" when a flag overrode the plan's value


@dataclass(frozen=True)
class Plan:
    """The recipe for one dataset, machine and time budget.

    Args:
        choices: in the order they were made.
        fingerprint: the training split's facts.
        budget_seconds: the training time the plan is sized to.
        budget_reason: where the budget came from (the user, or the default for this device).
        machine: device, precision and the measured training speeds (pixels per second).
        planned_passes: passes over the training pixels the budget is expected to fit.
    """

    choices: tuple[Choice, ...]
    fingerprint: Fingerprint
    budget_seconds: float
    budget_reason: str
    machine: dict[str, Any]
    planned_passes: float

    def overrides(self) -> dict[str, Any]:
        """The plan's values as dotted config overrides (user-sourced ones included: they agree)."""
        return {choice.key: choice.value for choice in self.choices}

    def value(self, key: str) -> Any:
        return next(choice.value for choice in self.choices if choice.key == key)

    def with_user_values(self, given: dict[str, Any]) -> Plan:
        """The plan with the keys the user set marked as theirs and holding their values."""
        choices = tuple(
            Choice(c.key, given[c.key], "set by you (the plan's value was "
                   f"{_shown(c.key, c.value)}: {c.reason})", c.basis, FROM_USER) if c.key in given else c
            for c in self.choices
        )
        return Plan(choices, self.fingerprint, self.budget_seconds, self.budget_reason, self.machine,
                    self.planned_passes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_seconds": round(self.budget_seconds, 1),
            "budget_reason": self.budget_reason,
            "planned_passes": round(self.planned_passes, 1),
            "machine": self.machine,
            "choices": [{"key": c.key, "value": c.value, "source": c.source, "reason": c.reason, "basis": c.basis}
                        for c in self.choices],
            "fingerprint": self.fingerprint.to_dict(),
        }

    def save(self, path: str | Path) -> None:
        """Write plan.json atomically."""
        write_json(path, self.to_dict(), default=_plain)

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """A plan that `save` wrote (JSON lists come back as the tuples the config holds)."""
        values = read_run_json(Path(path))
        try:
            facts = values["fingerprint"]
            classes = tuple(ClassPrint(**{k: v for k, v in c.items() if k != "thin"}) for c in facts["classes"])
            fingerprint = Fingerprint(**{k: _tupled(v) for k, v in facts.items() if k != "classes"}, classes=classes)
            choices = tuple(Choice(**{**c, "value": _tupled(c["value"])}) for c in values["choices"])
            return cls(choices, fingerprint, values["budget_seconds"], values["budget_reason"], values["machine"],
                       values["planned_passes"])
        except (KeyError, TypeError, AttributeError) as err:
            raise DataError(f"'{path}' is no plan seglab wrote ({err!r}); run `seglab plan` or train again") from None

    def explain(self) -> list[str]:
        """The plan in a screenful: the facts, then one line per choice."""
        fp = self.fingerprint
        thinnest = fp.thinnest
        lines = [
            f"dataset: {fp.num_images} training images, median {fp.median_size[0]}x{fp.median_size[1]} "
            f"({fp.sizes} size{'s' if fp.sizes != 1 else ''}), {fp.channels} channel(s), {len(fp.classes)} classes"
            f"{', multi-label' if fp.multilabel else ''}",
            "  thinnest class: " + (f"'{thinnest.name}', {thinnest.width:.1f} px wide" if thinnest else "none")
            + f"; alignment {fp.alignment:.2f} (0 = structures anywhere, 1 = every scan in register)",
            "  rarest class: " + ", ".join(f"'{c.name}' {c.pixel_share:.2%} of pixels"
                                           for c in sorted(fp.classes, key=lambda c: c.pixel_share)[:1]),
            f"machine: {self.machine['device']} ({self.machine['precision']}), "
            + ", ".join(f"{name} {speed / 1e3:.0f} kpx/s" for name, speed in self.machine["speeds"].items()),
            f"budget: {_duration(self.budget_seconds)} ({self.budget_reason}); about "
            f"{self.planned_passes:.0f} passes over the training pixels",
            "plan:",
        ]
        width = max(len(c.key) for c in self.choices)
        for choice in self.choices:
            mark = "*" if choice.source == FROM_USER else " "
            lines.append(f" {mark}{choice.key:<{width}}  {_shown(choice.key, choice.value):<12} {choice.reason}")
        if any(c.source == FROM_USER for c in self.choices):
            lines.append(" (* set by your flags)")
        return lines


NONE_SHOWN = {"data.size": "native", "data.patch_size": "whole", "train.time_budget": "none"}


def _shown(key: str, value: Any) -> str:
    if value is None:
        return NONE_SHOWN.get(key, "none")
    if key == "train.time_budget":
        return _duration(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}x{value[1]}"
    return str(value)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return float(value) if hasattr(value, "__float__") else str(value)
