"""The model catalogue and its downloads, as seen by the GUI: everything blocking on workers.

Reading the catalogue, the memory-bandwidth probe (a few hundred megabytes copied, once per
machine) and a download (minutes of network and hashing) all block, so each runs on a ``Worker``;
this controller lives in the GUI thread and re-emits their outcomes as signals that say what
happened. A cancelled download (also at shutdown) keeps its part file: the next Download resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.workers_tasks import TaskController

DOWNLOAD = "download"


@dataclass(frozen=True)
class CatalogueView:
    """What the catalogue card shows: the rows, the catalogue's note, the parts kept for a resume."""

    rows: list[Any]  # desktop.core.models.catalogue.CatalogueRow
    note: str = ""
    #: model id -> bytes already downloaded (a cancelled or interrupted download).
    partial: dict[str, int] = field(default_factory=dict)


def read_catalogue(paths: Paths, cancel: CancelToken) -> CatalogueView:
    """Runs on a worker: read the catalogue and judge each model (measures bandwidth once)."""
    from desktop.core.models.catalogue import catalogue_rows, load_catalogue
    from desktop.core.models.download import partial_file

    catalogue = load_catalogue()
    rows = catalogue_rows(paths, catalogue)
    partial = {}
    for row in rows:
        part = partial_file(paths.models, row.entry.file)
        if not row.downloaded and part.is_file() and part.stat().st_size > 0:
            partial[row.entry.id] = part.stat().st_size
    return CatalogueView(rows, catalogue.note, partial)


def _download_job(paths: Paths, model_id: str, probe: bool):
    def job(cancel: CancelToken):
        from desktop.core.models.catalogue import load_catalogue
        from desktop.core.models.download import download_model
        from desktop.core.models.hub import source_for

        source = source_for(model_id, load_catalogue())
        return download_model(paths, source, cancel=cancel, probe=probe)  # a generator: driven by the worker

    return job


class CatalogueController(TaskController):
    """Reads the catalogue and runs one download at a time."""

    catalogue_loading = Signal()
    catalogue_loaded = Signal(object)  # CatalogueView
    catalogue_failed = Signal(object)  # Failure
    download_started = Signal(str)  # model id
    download_progress = Signal(object)  # Progress (DownloadProgress while bytes arrive)
    download_finished = Signal(object)  # ModelFacts of the new model
    download_failed = Signal(object)  # Failure
    download_cancelled = Signal(str)  # model id; its part is kept for a resume

    def __init__(self, paths: Paths, parent: QObject | None = None, *, probe: bool = True) -> None:
        super().__init__(parent)
        self.paths = paths
        #: Whether a finished download is test-loaded by a child process (``download_model``'s probe).
        self.probe = probe
        self.view: CatalogueView | None = None
        self._downloading: str | None = None

    # --- the catalogue ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the catalogue (again); a request during a read runs once it ends."""
        job = partial(read_catalogue, self.paths)
        self._reread(
            job, "read-catalogue", self.catalogue_loading, self._on_read_finished, self.catalogue_failed
        )

    def _on_read_finished(self, view: CatalogueView) -> None:
        self.view = view
        self.catalogue_loaded.emit(view)

    # --- downloads ---------------------------------------------------------------------------------
    def download(self, model_id: str) -> bool:
        """Download (or resume) the catalogue model ``model_id``; False while another one runs."""

        def started() -> None:
            self._downloading = model_id
            self.download_started.emit(model_id)

        def ended() -> None:
            self._downloading = None
            self.refresh()  # whatever happened, show what is downloaded (or partly) now

        return self._tasks.run(
            DOWNLOAD,
            _download_job(self.paths, model_id, self.probe),
            name=f"download:{model_id}",
            on_started=started,
            on_progress=self.download_progress.emit,
            on_done=self.download_finished.emit,
            on_failed=self.download_failed.emit,
            on_cancelled=lambda: self.download_cancelled.emit(model_id),
            on_ended=ended,
        )

    def cancel_download(self) -> None:
        """Stop the download at its next block; the part stays for a resume."""
        self._tasks.cancel(DOWNLOAD)

    def downloading(self) -> str | None:
        """The id of the model being downloaded, or None."""
        return self._downloading
