"""The default models shipped inside the packaged app, linked into the models folder.

A frozen build (PyInstaller) carries both default models, assembled at build time, in the
read-only folder ``models/`` beside its code (``sys._MEIPASS``), so the app works offline from
its first start without the model packages. Copying those 300 MB into the creator's models
folder would double the disk use and keep the first start waiting, so each default is *linked*
there: a symbolic link, else a hard link (Windows without the symlink right), else, only where
neither works, a copy. Everything else (listing, choosing, loading) still looks in one folder,
``Paths.models``. A link left pointing at an older or moved app is replaced at the next start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Generator
from pathlib import Path

from desktop.core.errors import ModelError
from desktop.core.models.defaults import DEFAULT_MODELS, has_gguf_magic
from desktop.core.tasks import CancelToken, Progress

BUNDLED_MODELS_FOLDER = "models"


def bundled_models_dir() -> Path | None:
    """The packaged app's folder of default models; None in a source checkout or an incomplete bundle."""
    root = getattr(sys, "_MEIPASS", None)
    if not root:
        return None
    folder = Path(root) / BUNDLED_MODELS_FOLDER
    return folder if all((folder / name).is_file() for name in DEFAULT_MODELS) else None


def _in_place(target: Path, source: Path) -> bool:
    """True when ``target`` already serves as ``source``: a live link to it, or a same-size GGUF."""
    try:
        return target.stat().st_size == source.stat().st_size and has_gguf_magic(target)
    except OSError:  # missing, or a link whose app is gone
        return False


def _place(source: Path, target: Path, allow_copy: bool) -> str:
    """Link (or copy) ``source`` to ``target`` through a hidden temp name; returns how, "" if it could not."""
    tmp = target.with_name(f".{target.name}.{os.urandom(16).hex()}.partial")
    try:
        try:
            tmp.symlink_to(source.resolve())
            how = "linked"
        except OSError:
            try:
                os.link(source, tmp)
                how = "hard-linked"
            except OSError:
                if not allow_copy:
                    return ""
                shutil.copyfile(source, tmp)
                how = "copied"
        os.replace(tmp, target)
        return how
    except OSError as exc:
        raise ModelError(
            f"The bundled model {target.name} could not be put into {target.parent} ({exc.strerror or exc}).",
            hint="Check that the folder is writable and the disk has free space.",
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def link_bundled_models(
    models_dir: Path, bundled: Path, *, allow_copy: bool = True, cancel: CancelToken | None = None
) -> Generator[Progress, None, dict[str, str]]:
    """Make every default model in ``bundled`` available in ``models_dir``; yield progress.

    Returns how each one got there: "present" (left alone), "linked", "hard-linked", "copied",
    or "" where, with ``allow_copy`` False, it could be neither symlinked nor hard-linked (the
    start-up pass must stay instant).
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    steps = len(DEFAULT_MODELS)
    outcome: dict[str, str] = {}
    for done, name in enumerate(DEFAULT_MODELS, start=1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        source, target = bundled / name, models_dir / name
        if _in_place(target, source):
            outcome[name] = "present"
            yield Progress(f"Model already present: {name}", done, steps)
            continue
        outcome[name] = _place(source, target, allow_copy)
        yield Progress(f"Bundled model {outcome[name] or 'not linked'}: {name}", done, steps)
    yield Progress("The default models are ready", steps, steps)
    return outcome


def link_bundled_models_at_start(models_dir: Path) -> list[str]:
    """The composition root's quick pass: link the bundled defaults, never copy, never raise.

    Returns the problems in words (none when all is in place or nothing is bundled); the model
    set-up screen then offers the full set-up, which copies where linking cannot work.
    """
    bundled = bundled_models_dir()
    if bundled is None:
        return []
    steps = link_bundled_models(Path(models_dir), bundled, allow_copy=False)
    try:
        while True:
            next(steps)
    except StopIteration as stop:
        outcome: dict[str, str] = stop.value
    except (ModelError, OSError) as exc:
        return [str(exc)]
    return [f"{name} could not be linked from the app's folder." for name, how in outcome.items() if not how]
