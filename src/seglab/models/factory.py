"""The model registry and its front door, `create_model`.

Model files register factory functions `f(in_channels, num_classes, *, option=default, ...)`;
the keyword-only parameters are the options a config may set, so a typo can be reported
with the list of valid options before any layer is built.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from seglab.errors import ConfigError
from seglab.registry import Registry

MODELS: Registry[Callable[..., nn.Module]] = Registry("model")


def list_models() -> list[str]:
    """Names of all registered models, sorted."""
    return MODELS.names()


def describe_model(name: str) -> str:
    """The one-line summary of a model, taken from its factory's docstring.

    Raises:
        UnknownNameError: `name` is not registered; the message lists the models.
    """
    doc = inspect.getdoc(MODELS.get(name)) or ""
    return doc.splitlines()[0] if doc else ""


def model_options(name: str) -> dict[str, Any]:
    """The options a model accepts, with the preset's default for each.

    Raises:
        UnknownNameError: `name` is not registered; the message lists the models.
    """
    parameters = inspect.signature(MODELS.get(name)).parameters.values()
    return {p.name: p.default for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def create_model(name: str, in_channels: int, num_classes: int, **options: Any) -> nn.Module:
    """Build a registered model, overriding its preset options.

    Args:
        name: a key of `list_models()`.
        in_channels: image channels (1 for grey, 3 for RGB).
        num_classes: number of output logits per pixel, background included.
        **options: overrides of the model's options (see `model_options(name)`).

    Returns:
        The model, in training mode. Shape: image (B, in_channels, H, W) -> logits
        (B, num_classes, H, W).

    Raises:
        KeyError: unknown `name`; the message lists the registered models.
        ConfigError: an unknown option or an invalid option value.

    Example:
        >>> model = create_model("unet_small", in_channels=1, num_classes=3, dropout=0.1)
    """
    factory = MODELS.get(name)
    accepted = model_options(name)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        close = difflib.get_close_matches(unknown[0], accepted, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"model '{name}' has no option {', '.join(map(repr, unknown))}.{hint} "
            f"Accepted options: {', '.join(accepted)}"
        )
    try:
        return factory(in_channels, num_classes, **options)
    except ValueError as err:
        raise ConfigError(f"model '{name}': {err}") from err
