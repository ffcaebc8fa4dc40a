"""The model catalogue and its downloads, as seen by the GUI: everything blocking on workers.

Reading the catalogue, the memory-bandwidth probe (a few hundred megabytes copied, once per
machine) and a download (minutes of network and hashing) all block, so each runs on a ``Worker``;
this controller lives in the GUI thread and re-emits their outcomes as signals that say what
happened. A cancelled download keeps its part file: the next Download resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import Failure, Worker


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


class CatalogueController(QObject):
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
        self._read_worker: Worker | None = None
        self._download_worker: Worker | None = None
        self._downloading: str | None = None
        self._read_again = False
        self._closed = False
        #: Failures that were bugs (for the smoke test to report).
        self.bugs: list[Failure] = []

    # --- the catalogue ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the catalogue (again); a request during a read runs once it ends."""
        if self._closed:
            return
        if self._read_worker is not None:
            self._read_again = True
            return
        paths = self.paths
        worker = Worker(lambda cancel: read_catalogue(paths, cancel), name="read-catalogue")
        worker.finished.connect(self._on_read_finished)
        worker.failed.connect(self._on_read_failed)
        worker.stopped.connect(self._on_read_stopped)
        self._read_worker = worker
        self.catalogue_loading.emit()
        worker.start()

    def is_reading(self) -> bool:
        return self._read_worker is not None

    @Slot(object)
    def _on_read_finished(self, view: CatalogueView) -> None:
        self.view = view
        self.catalogue_loaded.emit(view)

    @Slot(object)
    def _on_read_failed(self, failure: Failure) -> None:
        self._note_bug(failure)
        self.catalogue_failed.emit(failure)

    @Slot()
    def _on_read_stopped(self) -> None:
        self._read_worker = None
        if self._read_again:
            self._read_again = False
            self.refresh()

    # --- downloads ---------------------------------------------------------------------------------
    def download(self, model_id: str) -> bool:
        """Download (or resume) the catalogue model ``model_id``; False while another one runs."""
        if self._closed or self._download_worker is not None:
            return False
        worker = Worker(_download_job(self.paths, model_id, self.probe), name=f"download:{model_id}")
        worker.progress.connect(self._on_download_progress)
        worker.finished.connect(self._on_download_finished)
        worker.failed.connect(self._on_download_failed)
        worker.cancelled.connect(self._on_download_cancelled)
        worker.stopped.connect(self._on_download_stopped)
        self._download_worker = worker
        self._downloading = model_id
        self.download_started.emit(model_id)
        worker.start()
        return True

    def cancel_download(self) -> None:
        """Stop the download at its next block; the part stays for a resume."""
        if self._download_worker is not None:
            self._download_worker.cancel()

    def downloading(self) -> str | None:
        """The id of the model being downloaded, or None."""
        return self._downloading

    @Slot(object)
    def _on_download_progress(self, progress: Progress) -> None:
        self.download_progress.emit(progress)

    @Slot(object)
    def _on_download_finished(self, facts: object) -> None:
        self.download_finished.emit(facts)

    @Slot(object)
    def _on_download_failed(self, failure: Failure) -> None:
        self._note_bug(failure)
        self.download_failed.emit(failure)

    @Slot()
    def _on_download_cancelled(self) -> None:
        self.download_cancelled.emit(self._downloading or "")

    @Slot()
    def _on_download_stopped(self) -> None:
        self._download_worker = None
        self._downloading = None
        self.refresh()  # whatever happened, show what is downloaded (or partly) now

    # --- shutdown --------------------------------------------------------------------------------
    def _note_bug(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)

    def is_busy(self) -> bool:
        return self._read_worker is not None or self._download_worker is not None

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel the workers and join them (window closing); a download keeps its part."""
        self._closed = True
        self._read_again = False
        workers = [w for w in (self._read_worker, self._download_worker) if w is not None]
        for worker in workers:
            worker.cancel()
        return all(worker.wait(timeout_ms) for worker in workers)
