"""The main window: sidebar + pages, the first-run welcome, model set-up, status bar.

Start-up is two steps. The constructor builds the shell: sidebar, status bar, welcome if unseen,
the heading of the page to be shown (``PendingPage``) and blank stand-ins for the other pages,
importing nothing of the core. Right after the first paint, ``_build`` imports the page and
controller modules (sqlite-utils and NumPy among them, most of a start's time), builds the real
pages into the stand-ins' places and wires the controllers. Code that reaches for a page or
controller before then builds them at once (``__getattr__``), so nothing outside this class
needs to know.

Window geometry, the last page and whether the welcome was seen are kept in the base folder's
``settings.ini`` (``Paths.settings_file``, INI format): never in the real home's settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QWidget

from desktop import APP_NAME
from desktop.core.paths import Paths
from desktop.ui import theme
from desktop.ui.page_infos import PAGE_INFOS
from desktop.ui.widgets.first_run import FirstRunPage
from desktop.ui.widgets.model_setup import ModelSetupBanner
from desktop.ui.widgets.page import Page, PendingPage
from desktop.ui.window_parts import FirstPaintWatch, page_column, shell, sidebar_list, sidebar_panel

if TYPE_CHECKING:  # the pages and controllers are imported by MainWindow._build, after the first paint
    from desktop.core.tasks import Progress
    from desktop.ui.controllers.models_controller import ModelSurvey
    from desktop.ui.workers import Failure

KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_PAGE = "window/page"
KEY_FIRST_RUN_SEEN = "welcome/seen"

MINIMUM_SIZE = QSize(760, 540)
DEFAULT_SIZE = QSize(1120, 740)


def open_settings(paths: Paths) -> QSettings:
    """The app's settings file, in INI format, under the base folder."""
    return QSettings(str(paths.settings_file), QSettings.Format.IniFormat)


_BUILT_LATER = frozenset(
    {
        "import_page",
        "persona_page",
        "preview_page",
        "inbox_page",
        "packs_page",
        "settings_page",
        "pages",
        "models",
        "imports",
        "drafting",
        "inbox",
        "persona_controller",
        "packs",
        "connections",
    }
)


class MainWindow(QMainWindow):
    """The shell. ``check_models=False`` skips the start-up survey (for tests that need no workers)."""

    page_changed = Signal(int)
    pages_built = Signal()

    def __init__(
        self,
        paths: Paths,
        profile: str,
        *,
        settings: QSettings | None = None,
        check_models: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.check_models = check_models
        self.settings = settings if settings is not None else open_settings(paths)
        self._built = False
        self._setup_note = ""
        self.setWindowTitle(f"{APP_NAME} — {profile}")
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(MINIMUM_SIZE)

        # Pages: stand-ins until _build, the page to be shown with its heading --------------------
        start_page = self.settings.value(KEY_PAGE, 0, type=int)
        start_page = start_page if 0 <= start_page < len(PAGE_INFOS) else 0
        self.stack = QStackedWidget()
        for index, info in enumerate(PAGE_INFOS):
            self.stack.addWidget(PendingPage(info) if index == start_page else QWidget())

        # Sidebar, and the model set-up banner above the pages ---------------------------------------
        self.sidebar = sidebar_list(PAGE_INFOS)
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row_changed)
        self.setup_banner = ModelSetupBanner()
        self.shell = shell(sidebar_panel(self.sidebar), page_column(self.setup_banner, self.stack))

        # First run over everything (built only for a creator who has not seen it) -------------------
        self.first_run: FirstRunPage | None = None
        self.root = QStackedWidget()
        self.root.addWidget(self.shell)
        self.setCentralWidget(self.root)

        # Status bar --------------------------------------------------------------------------------
        self.model_status = QLabel("Model: checking…" if check_models else "Model: not checked")
        self.model_status.setObjectName("modelStatus")
        self.profile_status = QLabel(f"Profile: {profile}")
        self.profile_status.setObjectName("profileStatus")
        self.statusBar().setSizeGripEnabled(False)
        self.statusBar().addPermanentWidget(self.model_status)
        self.statusBar().addPermanentWidget(self.profile_status)

        # Shortcuts: Ctrl+1..6 pick a page ------------------------------------------------------------
        self.page_shortcuts: list[QShortcut] = []
        for index in range(len(PAGE_INFOS)):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            # GUI thread only (a shortcut never fires from another thread), so a lambda is safe here.
            shortcut.activated.connect(lambda index=index: self.show_page(index))
            self.page_shortcuts.append(shortcut)

        self._restore(start_page)
        # The pages are built right after the first paint (or when first reached for, see __getattr__).
        self._first_paint_watch = FirstPaintWatch(self, self._build_soon)

    def __getattr__(self, name: str) -> Any:
        """A page or controller asked for before ``_build`` has run: build them all now."""
        if name in _BUILT_LATER and not self.__dict__.get("_built", True):
            self._build()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def is_built(self) -> bool:
        """Whether the pages and controllers exist yet (the first paint comes before them)."""
        return self._built

    @Slot()
    def _build_soon(self) -> None:
        QTimer.singleShot(0, self._build)

    @Slot()
    def _build(self) -> None:
        """Import and build the real pages and their controllers, and wire them together."""
        if self._built:
            return
        self._built = True
        from desktop.ui.controllers.connections_controller import ConnectionsController
        from desktop.ui.controllers.drafting_controller import DraftingController
        from desktop.ui.controllers.import_controller import ImportController
        from desktop.ui.controllers.inbox_controller import InboxController
        from desktop.ui.controllers.models_controller import ModelsController
        from desktop.ui.controllers.packs_controller import PacksController
        from desktop.ui.controllers.persona_controller import PersonaController
        from desktop.ui.widgets.import_page import ImportPage
        from desktop.ui.widgets.inbox.send_action import SendAction
        from desktop.ui.widgets.inbox_page import InboxPage
        from desktop.ui.widgets.packs_page import PacksPage
        from desktop.ui.widgets.persona_page import PersonaPage
        from desktop.ui.widgets.preview_page import PreviewPage
        from desktop.ui.widgets.settings.wiring import SettingsCards
        from desktop.ui.widgets.settings_page import SettingsPage

        paths, profile = self.paths, self.profile
        self.import_page = ImportPage()
        self.persona_page = PersonaPage()
        self.preview_page = PreviewPage()
        self.inbox_page = InboxPage()
        self.packs_page = PacksPage()
        self.settings_page = SettingsPage(paths, profile)
        self.pages: list[Page] = [
            self.import_page,
            self.persona_page,
            self.preview_page,
            self.inbox_page,
            self.packs_page,
            self.settings_page,
        ]
        # Models and keychain, through workers -----------------------------------------------------
        self.models = ModelsController(paths.models, self, secrets_file=paths.secrets_file)
        self.models.survey_started.connect(self._on_survey_started)
        self.models.models_surveyed.connect(self._on_models_surveyed)
        self.models.survey_failed.connect(self._on_survey_failed)
        self.models.setup_started.connect(self.setup_banner.show_running)
        self.models.setup_progress.connect(self._on_setup_progress)
        self.models.setup_finished.connect(self._on_setup_finished)
        self.models.setup_failed.connect(self._on_setup_failed)
        self.models.setup_cancelled.connect(self._on_setup_cancelled)
        self.models.keychain_checked.connect(self.settings_page.show_keychain)
        self.models.keychain_failed.connect(self._on_keychain_failed)
        self.setup_banner.setup_requested.connect(self.models.start_setup)
        self.setup_banner.cancel_requested.connect(self.models.cancel_setup)
        self.settings_page.refresh_requested.connect(self.models.refresh)
        self.settings_page.attach(self.models)  # add / choose / remove models, on its workers
        self.models.active_changed.connect(self._on_active_model_changed)

        # Imports: the controller runs them on workers; the page loads its cards when first shown.
        self.imports = ImportController(paths, profile, self)
        self.import_page.attach(self.imports)
        # Drafting: one model thread, started the first time the Preview page is shown.
        self.drafting = DraftingController(paths, profile, self)
        self.preview_page.attach(self.drafting)
        # Settings' catalogue, model server and drafting cards: their own controllers, on workers.
        self.settings_cards = SettingsCards(
            self.settings_page, paths, profile, self.models, self.drafting, self
        )
        self.settings_cards.servers.choice_changed.connect(self._on_choice_changed)
        # Both live in the GUI thread: a finished import lets the loaded model's search catch up.
        self.imports.import_finished.connect(self.drafting.refresh_search)
        # Inbox: store work on its own thread, drafts on the model thread; imports add what awaits you.
        self.inbox = InboxController(paths, profile, self.drafting, self)
        self.inbox_page.attach(self.inbox)
        self.imports.import_finished.connect(self.inbox.refresh_after_import)
        # Connections: fetched and sent on workers; new messages list in the Inbox (drafted if asked).
        self.connections = ConnectionsController(paths, profile, self)
        self.settings_page.connections_card.attach(self.connections)
        self.connections.inbox_changed.connect(self.inbox.refresh_after_import)
        self.connections.draft_wanted.connect(self.inbox.draft_all)
        self.inbox_send = SendAction(self.inbox_page, self.inbox, self.connections, self)  # "Send to …"
        # Persona: store reads and writes on workers; the live preview drafts on the model thread.
        self.persona_controller = PersonaController(paths, profile, self)
        self.persona_page.attach(self.persona_controller, self.drafting)
        # All in the GUI thread: an import or a removed archive changes the style profile.
        self.imports.import_finished.connect(self.persona_controller.refresh_profile)
        self.imports.source_removed.connect(self.persona_controller.refresh_profile)
        self.persona_page.import_requested.connect(lambda: self.show_page(self.pages.index(self.import_page)))
        # Packs: exports, checks and the webhook on their own threads; the page refreshes when shown.
        self.packs = PacksController(paths, profile, self)
        self.packs_page.attach(self.packs)
        self.packs_page.inbox_requested.connect(lambda: self.show_page(self.pages.index(self.inbox_page)))

        # Into the stand-ins' places, once attached: the current page loads what it shows as it appears.
        for index, page in enumerate(self.pages):
            stand_in = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            if stand_in is self.stack.currentWidget():
                self.stack.setCurrentWidget(page)
            self.stack.removeWidget(stand_in)
            stand_in.deleteLater()
        self.pages_built.emit()
        if self.check_models:
            self.models.refresh()
            self.models.check_keychain()
            self.connections.load()  # arms "check every N minutes" when the creator chose it

    # --- pages ---------------------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        """Switch to page ``index`` (0-based), as the sidebar and Ctrl+1..6 do."""
        if not 0 <= index < len(PAGE_INFOS) or self.is_first_run_visible():
            return
        self.sidebar.setCurrentRow(index)

    def current_page(self) -> Page:
        return self.pages[self.stack.currentIndex()]

    @Slot(int)
    def _on_sidebar_row_changed(self, row: int) -> None:
        if 0 <= row < len(PAGE_INFOS):
            self.stack.setCurrentIndex(row)
            self.page_changed.emit(row)

    # --- first run --------------------------------------------------------------------------------------
    def is_first_run_visible(self) -> bool:
        return self.first_run is not None and self.root.currentWidget() is self.first_run

    def show_first_run(self) -> None:
        if self.first_run is None:
            self.first_run = FirstRunPage()
            self.first_run.get_started.connect(self._on_get_started)
            self.root.addWidget(self.first_run)
        self.root.setCurrentWidget(self.first_run)
        self.first_run.start_button.setFocus()

    @Slot()
    def _on_get_started(self) -> None:
        self.settings.setValue(KEY_FIRST_RUN_SEEN, True)
        self.settings.sync()
        self.root.setCurrentWidget(self.shell)
        self.sidebar.setFocus()

    # --- settings ------------------------------------------------------------------------------------------
    def _restore(self, start_page: int) -> None:
        geometry = self.settings.value(KEY_GEOMETRY)
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(DEFAULT_SIZE)
        state = self.settings.value(KEY_STATE)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.sidebar.setCurrentRow(start_page)
        # INI stores bools as the strings 'true'/'false': read with type=bool (DESIGN.md section 4).
        if self.settings.value(KEY_FIRST_RUN_SEEN, False, type=bool):
            self.root.setCurrentWidget(self.shell)
        else:
            self.show_first_run()

    def save_settings(self) -> None:
        self.settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        self.settings.setValue(KEY_STATE, self.saveState())
        self.settings.setValue(KEY_PAGE, self.stack.currentIndex())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self.save_settings()
        if self._built:
            self.shutdown_workers()
        super().closeEvent(event)

    def shutdown_workers(self) -> None:
        """Join the workers' threads before the window goes (no "QThread destroyed while running")."""
        self.settings_cards.shutdown()  # a download keeps what arrived, for the next Download
        self.models.shutdown()  # a cancelled set-up removes its temporary file on the way out
        self.imports.shutdown()  # a running import is cancelled and rolled back
        self.packs.shutdown()  # an export past its point of no return finishes: no half-written pack
        self.persona_page.shutdown()  # unsaved persona edits are kept for next time
        self.connections.shutdown()  # a check is cancelled (nothing half-saved); a send stops between replies
        self.inbox.shutdown()  # a batch stops within a token; finished drafts are already saved
        self.drafting.shutdown()  # a draft is cancelled; the model is unloaded on its own thread

    # --- models
    @Slot()
    def _on_survey_started(self) -> None:
        self.settings_page.show_models_loading()

    @Slot(object)
    def _on_models_surveyed(self, survey: ModelSurvey) -> None:
        # With a server chosen, no local model is "in use" (and "Use for drafting" switches back).
        self.settings_page.show_models(survey.models, None if survey.server else survey.active_model)
        active = f"{survey.server} (server)" if survey.server else survey.active_model
        self.model_status.setText(f"Model: {active}" if active else "No model set up")
        self.model_status.setToolTip(
            "The model that drafts replies" if active else "Set up the built-in models to draft replies"
        )
        if self.models.is_setting_up():
            return
        if survey.missing_defaults:
            if self.setup_banner.state != "failed":
                self.setup_banner.show_offer(survey.missing_defaults, self._setup_note)
        else:
            self.setup_banner.hide_banner()
        self._setup_note = ""

    @Slot(str)
    def _on_active_model_changed(self, file_name: str) -> None:
        self.model_status.setText(f"Model: {file_name}")
        self.model_status.setToolTip("The model that drafts replies")

    @Slot(object)
    def _on_choice_changed(self, choice: Any) -> None:
        self._on_active_model_changed(f"{choice.name} (server)" if choice.is_server else choice.name)

    @Slot(object)
    def _on_survey_failed(self, failure: Failure) -> None:
        self.settings_page.show_models_error(failure.text)
        self.model_status.setText("No model set up")

    @Slot(object)
    def _on_setup_progress(self, progress: Progress) -> None:
        self.setup_banner.show_progress(progress)

    @Slot()
    def _on_setup_finished(self) -> None:
        self._setup_note = ""
        self.statusBar().showMessage("The built-in models are ready.", 8000)

    @Slot(object)
    def _on_setup_failed(self, failure: Failure) -> None:
        self.setup_banner.show_failed(failure.text)

    @Slot()
    def _on_setup_cancelled(self) -> None:
        self._setup_note = "Set-up was cancelled; nothing half-written was kept."
        self.setup_banner.show_offer([], self._setup_note)

    @Slot(object)
    def _on_keychain_failed(self, failure: Failure) -> None:
        self.settings_page.show_keychain_error(failure.text)
