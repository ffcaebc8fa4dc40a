"""Every platform importer, and ``detect``: which one an archive belongs to.

Each module in ``platforms/`` defines ``IMPORTER``; adding a platform is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from desktop.core.errors import KnownError
from desktop.core.importers import platforms
from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, Importer


class UnknownFormatError(KnownError):
    """No importer recognised the archive."""


@cache
def importers() -> dict[str, Importer]:
    """Every registered importer by platform id, in a stable order."""
    found: dict[str, Importer] = {}
    for module_info in sorted(pkgutil.iter_modules(platforms.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{platforms.__name__}.{module_info.name}")
        importer = getattr(module, "IMPORTER", None)
        if importer is not None:
            found[importer.platform] = importer
    return found


def supported_labels() -> list[str]:
    return sorted(importer.label for importer in importers().values())


def detect(archive: Archive, platform: str | None = None) -> tuple[Importer, Detection]:
    """The importer for ``archive``: the forced ``platform`` if given, else the most confident claim."""
    registered = importers()
    if platform is not None:
        if platform not in registered:
            raise UnknownFormatError(
                f"'{platform}' is not a platform Understudy knows.",
                hint=f"Known platforms: {', '.join(sorted(registered))}.",
            )
        importer = registered[platform]
        return importer, importer.detect(archive) or Detection(platform, "forced", 0.0)
    claims = [(d, i) for i in registered.values() if (d := i.detect(archive)) is not None]
    if not claims:
        archive.raise_if_damaged()  # a damaged zip hides its format: say so rather than "unknown"
        raise UnknownFormatError(
            f"Understudy does not recognise '{archive.source.name}' as a data export it can read.",
            hint=f"Supported: {', '.join(supported_labels())}. For anything else, use a CSV or JSONL file "
            "with the generic columns (text, author, timestamp, thread, in_reply_to, is_owner).",
        )
    detection, importer = max(claims, key=lambda claim: claim[0].confidence)
    return importer, detection
