"""The platforms Understudy can connect to live, each imported only when it is used.

Why lazy: each module stands on its platform's client library (``atproto`` alone loads hundreds
of pydantic models), and the app must start without paying for connections nobody configured.
"""

from __future__ import annotations

from importlib import import_module
from typing import cast

from desktop.core.connectors.base import Connector
from desktop.core.errors import KnownError

_MODULES: dict[str, tuple[str, str, str]] = {
    "bluesky": ("Bluesky", "desktop.core.connectors.bluesky", "BlueskyConnector"),
    "mastodon": ("Mastodon", "desktop.core.connectors.mastodon", "MastodonConnector"),
    "youtube": ("YouTube", "desktop.core.connectors.youtube", "YouTubeConnector"),
}


def connector_platforms() -> tuple[str, ...]:
    """The platforms there is a connector for, in the order Settings shows them."""
    return tuple(_MODULES)


def connector_label(platform: str) -> str:
    """The platform's name as the creator knows it, without importing its module."""
    return _MODULES[platform][0] if platform in _MODULES else platform


def connector_class(platform: str) -> type[Connector]:
    """The connector class for ``platform``; ``KnownError`` for a platform with none."""
    try:
        _, module_name, class_name = _MODULES[platform]
    except KeyError:
        names = ", ".join(_MODULES)
        raise KnownError(
            f"There is no live connection for '{platform}'.", hint=f"Choose one of: {names}."
        ) from None
    return cast("type[Connector]", getattr(import_module(module_name), class_name))
