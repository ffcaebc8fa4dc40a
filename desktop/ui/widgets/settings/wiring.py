"""Connects the Settings page's catalogue, server and drafting cards to their controllers.

Kept out of ``main_window`` (which wires the pages) so the model-related wiring reads as one
piece: a downloaded model shows up in the models table, and any change of what drafts are
written with (a local model or a server) reloads the drafting session, as the page promises.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Slot

from desktop.core.paths import Paths
from desktop.ui.controllers.catalogue_controller import CatalogueController
from desktop.ui.controllers.drafting_settings_controller import DraftingSettingsController
from desktop.ui.controllers.servers_controller import ServersController


class SettingsCards(QObject):
    """Owns the three controllers (GUI thread); the cards read their data when the page is first shown."""

    def __init__(
        self, page: Any, paths: Paths, profile: str, models: Any, drafting: Any, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.page = page
        self.models = models  # the ModelsController (the models folder)
        self.drafting = drafting  # the DraftingController (the model thread)
        self.catalogue = CatalogueController(paths, self)
        self.servers = ServersController(paths, self)
        self.drafting_settings = DraftingSettingsController(paths, profile, self)
        page.catalogue_card.attach(self.catalogue)
        page.server_card.attach(self.servers)
        page.drafting_card.attach(self.drafting_settings)
        # All in the GUI thread: a finished download lists the new file in the models table.
        self.catalogue.download_finished.connect(self._on_downloaded)
        # What drafts are written with changed: from the server card, or "Use for drafting".
        self.servers.choice_changed.connect(drafting.reload)
        self.servers.choice_changed.connect(self._on_server_choice)
        models.active_changed.connect(self._on_local_model_chosen)
        self._loaded = False
        page.installEventFilter(self)  # the first Show reads the catalogue (and probes bandwidth once)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.page and event.type() == QEvent.Type.Show and not self._loaded:
            self.load()
        return False

    def load(self) -> None:
        """Read the catalogue, the servers and the drafting settings (each on a worker)."""
        self._loaded = True
        self.catalogue.refresh()
        self.servers.refresh()
        self.drafting_settings.load()

    @Slot(object)
    def _on_downloaded(self, _facts: object) -> None:
        self.models.refresh()

    @Slot(str)
    def _on_local_model_chosen(self, _file_name: str) -> None:
        self.drafting.reload()
        self.servers.refresh()  # choosing a local model ends drafting with a server

    @Slot(object)
    def _on_server_choice(self, _choice: object) -> None:
        self.models.refresh()  # the models table marks no local model "in use" while a server drafts

    def is_busy(self) -> bool:
        return self.catalogue.is_busy() or self.servers.is_busy() or self.drafting_settings.is_busy()

    def shutdown(self) -> None:
        """Join the cards' workers (window closing); a download keeps its part for next time."""
        self.page.drafting_card.save_now()
        self.catalogue.shutdown()
        self.servers.shutdown()
        self.drafting_settings.shutdown()
