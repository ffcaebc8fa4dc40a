"""Persona: how the creator's understudy sounds and what it must never say.

The page edits a *working* copy of the persona; every edit is one step on a ``QUndoStack``
(a slider drag is one step, however long). Save (Ctrl+S) writes the working copy as a new
persona version whose note is the diff. A live preview re-drafts three sample messages with
the working copy a moment after it stops changing, so the creator sees the voice move before
saving. Unsaved edits survive leaving the page, closing the app and crashes (see
``persona_controller``: they come back as unsaved edits, never as a silently saved version).

Store and model work runs off the GUI thread: ``PersonaController`` (store) and ``LivePreview``
(on the ``DraftingController``'s model thread). Connect them with ``PersonaPage.attach``.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.persona.model import SLIDER_NAMES, Persona
from desktop.core.persona.versions import diff_personas
from desktop.core.tasks import Progress
from desktop.ui import page_infos
from desktop.ui.controllers.drafting_controller import DRAFTING, FAILED, LOADING, READY, DraftingController
from desktop.ui.controllers.live_preview import LivePreview
from desktop.ui.controllers.persona_controller import PersonaController
from desktop.ui.controllers.persona_jobs import PersonaState, ProfileData, Saved
from desktop.ui.widgets.page import Page, card
from desktop.ui.widgets.persona_parts import (
    BoundariesEditor,
    IdentityEditor,
    PreviewPane,
    SliderPanel,
    VersionsList,
    apply_field,
    slider_title,
)
from desktop.ui.widgets.style_charts import StyleCharts
from desktop.ui.widgets.voice_check import VoiceCheck
from desktop.ui.workers import Failure

#: The preview's messages until the creator's own inbox offers some.
SAMPLE_MESSAGES = [
    "Love your videos! What protein do you use?",
    "When is your next tour date?",
    "Can I get a discount code?",
]
PRESET_PROMPT = "Start from a preset…"
VOICE_TAB, BOUNDARIES_TAB, IDENTITY_TAB, VERSIONS_TAB, CHECK_TAB = range(5)


class PersonaEdit(QUndoCommand):
    """One undoable change of the working persona: the whole persona before and after.

    Steps with the same ``merge_id`` (not -1) in a row merge into one: arrow-key nudges of
    one slider are one step, as a drag is.
    """

    def __init__(self, page: "PersonaPage", before: dict, after: dict, text: str, merge_id: int = -1) -> None:
        super().__init__(text)
        self.page = page
        self.before = before
        self.after = after
        self.merge_id = merge_id

    def redo(self) -> None:
        self.page.set_working(self.after)

    def undo(self) -> None:
        self.page.set_working(self.before)

    def id(self) -> int:  # noqa: A003 (Qt API)
        return self.merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        if not isinstance(other, PersonaEdit) or other.merge_id != self.merge_id or self.merge_id == -1:
            return False
        self.after = other.after
        return True


class PersonaPage(Page):
    info = page_infos.PERSONA

    #: The creator asked to import an archive (from the style charts' empty state).
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: PersonaController | None = None
        self.drafting: DraftingController | None = None
        self.live: LivePreview | None = None
        self.persona = Persona()  # the working copy: what the editors show
        self.baseline = Persona()  # the active version (before the first save: where the editor started)
        self.version_id: int | None = None
        self.calibrated: dict[str, float] | None = None
        self.presets: list[Any] = []
        self.loaded = False
        self._drag_before: dict | None = None
        self._writes: list[tuple[str, int]] = []  # ("save" | "restore", version) in the order asked
        self._candidates_known = False
        self.undo_stack = QUndoStack(self)

        # Status and actions ---------------------------------------------------------------------------
        status_row = QHBoxLayout()
        status_row.setSpacing(10)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(110)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName("Working")
        self.status_label = QLabel("Opening your persona…")
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Persona status")
        status_row.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        status_row.addWidget(self.status_label, 1)
        self.body.addLayout(status_row)

        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Start from a preset")
        self.preset_combo.setToolTip(
            "A starting point for your voice: its sliders replace yours and its boundaries are added to "
            "yours; your name, facts and products stay. Undo (Ctrl+Z) takes it back."
        )
        self.preset_combo.addItem(PRESET_PROMPT, None)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.reset_button = QPushButton("Reset to my style")
        self.reset_button.setToolTip("Put every slider back where your own messages are (the orange marks)")
        self.reset_button.setAccessibleName("Reset the sliders to your own style")
        self.reset_button.clicked.connect(self.reset_to_my_style)
        self.unsaved_label = QLabel("Unsaved changes")
        self.unsaved_label.setStyleSheet(
            "QLabel { color: #92400e; background: #fef3c7; border: 1px solid #fcd34d; border-radius: 9px;"
            " padding: 2px 9px; font-weight: 600; }"
        )
        self.unsaved_label.setAccessibleName("There are unsaved changes")
        self.unsaved_label.hide()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setAccessibleName("Undo")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.setAccessibleName("Redo")
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.revert_button = QPushButton("Discard changes")
        self.revert_button.setToolTip("Go back to the version in use (Undo brings the changes back)")
        self.revert_button.setAccessibleName("Discard unsaved changes")
        self.revert_button.clicked.connect(self.discard_changes)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.setToolTip("Save as a new version, with what changed as its note (Ctrl+S)")
        self.save_button.setAccessibleName("Save the persona as a new version")
        self.save_button.clicked.connect(self.save)
        toolbar.addWidget(self.preset_combo)
        toolbar.addWidget(self.reset_button)
        toolbar.addStretch(1)
        toolbar.addWidget(self.unsaved_label)
        toolbar.addWidget(self.undo_button)
        toolbar.addWidget(self.redo_button)
        toolbar.addWidget(self.revert_button)
        toolbar.addWidget(self.save_button)
        self.body.addLayout(toolbar)

        # The editors (left) and the live preview (right) ---------------------------------------------------
        columns = QHBoxLayout()
        columns.setSpacing(14)
        editor_card, editor_layout = card()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Persona settings")
        voice = QWidget()
        voice_layout = QVBoxLayout(voice)
        voice_layout.setContentsMargins(0, 10, 0, 0)
        voice_layout.setSpacing(8)
        self.voice_note = QLabel("")
        self.voice_note.setObjectName("muted")
        self.voice_note.setWordWrap(True)
        self.sliders = SliderPanel()
        self.sliders.slider_moved.connect(self._on_slider_moved)
        self.sliders.slider_released.connect(self._on_slider_released)
        voice_layout.addWidget(self.voice_note)
        voice_layout.addWidget(self.sliders)
        voice_layout.addStretch(1)
        self.boundaries = BoundariesEditor()
        self.boundaries.edited.connect(self._on_field_edited)
        self.identity = IdentityEditor()
        self.identity.edited.connect(self._on_field_edited)
        self.versions = VersionsList()
        self.versions.restore_requested.connect(self.restore)
        self.tabs.addTab(voice, "Voice")
        self.tabs.addTab(self.boundaries, "Boundaries")
        self.tabs.addTab(self.identity, "About you")
        self.tabs.addTab(self.versions, "Versions")
        self.voice_check = VoiceCheck()
        self.tabs.addTab(self.voice_check, "Voice check")
        for index, tip in enumerate(
            (
                "Sliders for how replies sound (Alt+1)",
                "What your understudy must never do (Alt+2)",
                "Who you are: values, products, links, facts (Alt+3)",
                "Saved versions, and Restore (Alt+4)",
                "Does it still sound like you? Drafts held-out messages and compares (Alt+5)",
            )
        ):
            self.tabs.setTabToolTip(index, tip)
        self.tabs.currentChanged.connect(self._fit_tab)
        self._fit_tab(0)
        editor_layout.addWidget(self.tabs)
        columns.addWidget(editor_card, 3)

        preview_card, preview_layout = card()
        header = QHBoxLayout()
        header.setSpacing(8)
        preview_title = QLabel("Live preview")
        preview_title.setObjectName("cardTitle")
        self.live_check = QCheckBox("Redraft as I edit")
        self.live_check.setChecked(True)
        self.live_check.setToolTip("Draft the samples again a moment after you stop changing something")
        self.live_check.toggled.connect(self._on_live_toggled)
        self.redraft_button = QPushButton("Redraft")
        self.redraft_button.setToolTip("Draft the samples again now (F5)")
        self.redraft_button.setAccessibleName("Draft the sample replies again")
        self.redraft_button.clicked.connect(self.redraft_now)
        header.addWidget(preview_title)
        header.addStretch(1)
        header.addWidget(self.live_check)
        header.addWidget(self.redraft_button)
        preview_layout.addLayout(header)
        self.preview_status = QLabel("The model loads when you first open this page.")
        self.preview_status.setObjectName("muted")
        self.preview_status.setWordWrap(True)
        self.preview_status.setAccessibleName("Live preview status")
        self.retry_button = QPushButton("Retry")
        self.retry_button.setAccessibleName("Try loading the model again")
        self.retry_button.clicked.connect(self._on_retry)
        self.retry_button.hide()
        status = QHBoxLayout()
        status.addWidget(self.preview_status, 1)
        status.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        preview_layout.addLayout(status)
        note = QLabel("Drafted with the settings on screen, saved or not; nothing here is sent.")
        note.setObjectName("muted")
        note.setStyleSheet("font-size: 8.5pt;")
        note.setWordWrap(True)
        preview_layout.addWidget(note)
        self.panes: list[PreviewPane] = []
        for number, text in enumerate(SAMPLE_MESSAGES, start=1):
            if number > 1:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color: #eef0f4;")
                preview_layout.addWidget(line)
            pane = PreviewPane(number)
            pane.set_message(text)
            pane.message_edited.connect(self._on_sample_edited)
            preview_layout.addWidget(pane)
            self.panes.append(pane)
        preview_layout.addStretch(1)
        columns.addWidget(preview_card, 2)
        self.body.addLayout(columns)

        # The style profile, learned from the archive ------------------------------------------------------
        style_card, style_layout = card("Your style, as your own messages show it")
        self.style_charts = StyleCharts()
        self.style_charts.import_requested.connect(self.import_requested)
        style_layout.addWidget(self.style_charts)
        self.body.addWidget(style_card)

        # Shortcuts: only while this page is shown (a hidden widget's shortcuts do not fire) ----------------
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.Undo, self.undo_stack.undo),
            ("Ctrl+Shift+Z", self.undo_stack.redo),
            ("Ctrl+Y", self.undo_stack.redo),
            ("F5", self.redraft_now),
            ("Alt+1", lambda: self.tabs.setCurrentIndex(VOICE_TAB)),
            ("Alt+2", lambda: self.tabs.setCurrentIndex(BOUNDARIES_TAB)),
            ("Alt+3", lambda: self.tabs.setCurrentIndex(IDENTITY_TAB)),
            ("Alt+4", lambda: self.tabs.setCurrentIndex(VERSIONS_TAB)),
            ("Alt+5", lambda: self.tabs.setCurrentIndex(CHECK_TAB)),
            ("F6", self.voice_check.run_full),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            # GUI thread only (a shortcut never fires from another thread), so lambdas are safe here.
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
        self.undo_stack.indexChanged.connect(self._update_actions)
        self._set_editable(False)
        self._update_actions()

    # --- wiring ---------------------------------------------------------------------------------------------
    def attach(self, controller: PersonaController, drafting: DraftingController | None = None) -> None:
        """Read and write through ``controller``; preview drafts on ``drafting``'s model thread."""
        self.controller = controller
        controller.loading.connect(self._on_loading)
        controller.busy_changed.connect(self._on_busy_changed)
        controller.loaded.connect(self._on_loaded)
        controller.profile_loaded.connect(self._on_profile_loaded)
        controller.saved.connect(self._on_saved)
        controller.failed.connect(self._on_failed)
        if drafting is not None:
            self.drafting = drafting
            self.live = LivePreview(drafting, self)
            self.live.outdated.connect(self._on_preview_outdated)
            self.live.round_started.connect(self._on_round_started)
            self.live.draft_started.connect(self._on_preview_started)
            self.live.text_streamed.connect(self._on_text_streamed)
            self.live.attempt_restarted.connect(self._on_attempt_restarted)
            self.live.draft_finished.connect(self._on_preview_finished)
            self.live.draft_failed.connect(self._on_preview_failed)
            self.live.status_changed.connect(self.preview_status.setText)
            self.voice_check.attach(drafting)
            drafting.state_changed.connect(self._on_drafting_state)
            drafting.loading_progress.connect(self._on_model_loading)
            drafting.load_failed.connect(self._on_model_failed)
            drafting.candidates_loaded.connect(self._on_candidates_loaded)
            if drafting.is_ready():
                self._on_drafting_state(drafting.state)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.controller is not None and not self.loaded and not self.controller.is_reading():
            self.controller.load()
            self._update_actions()
        if self.live is not None:
            self.live.set_active(True)
        # The model loads the first time a page that drafts is shown, not at start-up.
        if self.drafting is not None and self.drafting.state not in (LOADING, READY, FAILED, DRAFTING):
            self.drafting.start()
        elif self.drafting is not None and self.drafting.is_ready() and not self._candidates_known:
            self.drafting.load_candidates()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        if self.live is not None:
            self.live.set_active(False)  # no drafts for a page nobody looks at

    def shutdown(self) -> None:
        """The window is closing: keep unsaved edits (recovery file) and join the store threads."""
        if self.live is not None:
            self.live.set_active(False)
        if self.controller is not None:
            self.controller.shutdown()

    # --- the working persona --------------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        """True when the working copy differs from the version in use (or none was ever saved)."""
        return self.loaded and (self.version_id is None or self.persona.to_dict() != self.baseline.to_dict())

    def changes(self) -> list[str]:
        """What Save would record, one line per change."""
        return diff_personas(self.baseline, self.persona)

    def set_working(self, data: dict) -> None:
        """Show ``data`` (a persona dict) as the working copy; the undo commands call this."""
        self.persona = Persona.from_dict(data)
        self._show_persona()
        self._persona_changed()

    def edit(self, text: str, after: Persona, merge_id: int = -1) -> None:
        """Make ``after`` the working copy as one undoable step called ``text``."""
        before = self.persona.to_dict()
        data = after.to_dict()
        if data != before:
            self.undo_stack.push(PersonaEdit(self, before, data, text, merge_id))

    def _show_persona(self) -> None:
        self.sliders.set_values(self.persona.sliders)
        self.boundaries.show_persona(self.persona)
        self.identity.show_persona(self.persona)

    def _persona_changed(self) -> None:
        """After every change: the unsaved state, the recovery file and the preview follow."""
        dirty = self.is_dirty()
        if self.controller is not None and self.loaded:
            differs = self.persona.to_dict() != self.baseline.to_dict()
            self.controller.keep_unsaved(self.persona if differs else None)
        if self.live is not None and self.loaded:
            self.live.persona_changed(self.persona)
        edited = bool(self.changes()) or self.version_id is not None
        self.unsaved_label.setText("Unsaved changes" if edited else "Not saved yet")
        self.unsaved_label.setVisible(dirty)
        self._update_actions()
        self._show_status()

    @Slot(str, float, bool)
    def _on_slider_moved(self, name: str, value: float, dragging: bool) -> None:
        if not self.loaded:
            return
        if dragging:
            # The drag becomes one step when it ends; meanwhile the working copy follows the handle.
            if self._drag_before is None:
                self._drag_before = self.persona.to_dict()
            self.persona.sliders[name] = value
            self._persona_changed()
            return
        after = apply_field(self.persona, f"sliders.{name}", value)
        text = f"Set {slider_title(name).lower()} to {value:g}"
        self.edit(text, after, merge_id=1 + SLIDER_NAMES.index(name))

    @Slot(str)
    def _on_slider_released(self, name: str) -> None:
        before, self._drag_before = self._drag_before, None
        if before is None:
            return
        after = self.persona.to_dict()
        if after != before:
            value = self.persona.sliders.get(name, 0.0)
            text = f"Set {slider_title(name).lower()} to {value:g}"
            self.undo_stack.push(PersonaEdit(self, before, after, text))

    @Slot(str, object, str)
    def _on_field_edited(self, key: str, value: object, text: str) -> None:
        if self.loaded:
            self.edit(text, apply_field(self.persona, key, value))

    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        preset = self.preset_combo.itemData(index)
        self.preset_combo.setCurrentIndex(0)
        if preset is None or not self.loaded:
            return
        from desktop.core.persona.presets import apply_preset

        self.edit(f"Start from preset {preset.name}", apply_preset(self.persona, preset.persona))
        self._show_status(
            f"Started from “{preset.name}”: sliders and notes replaced, its boundaries added. "
            "Ctrl+Z undoes it."
        )

    @Slot()
    def reset_to_my_style(self) -> None:
        """Every slider back where the creator's own messages put it (one undoable step)."""
        if not self.loaded or not self.calibrated:
            return
        after = copy.deepcopy(self.persona)
        after.sliders = dict(self.calibrated)
        self.edit("Reset the sliders to your style", after)

    @Slot()
    def discard_changes(self) -> None:
        """Back to the version in use, as one undoable step (so nothing is really lost)."""
        if self.loaded and self.persona.to_dict() != self.baseline.to_dict():
            self.edit("Discard unsaved changes", self.baseline)

    # --- save, restore --------------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        """Save the working copy as a new version (Ctrl+S); the note is what changed."""
        if self.controller is None or not self.is_dirty() or self._writes:
            return
        self._writes.append(("save", 0))
        self.controller.save(self.persona)
        self._update_actions()
        self._show_status("Saving…")

    @Slot(int)
    def restore(self, version_id: int) -> None:
        """Make an old version the one in use; what was on screen stays one Undo away."""
        if self.controller is None or self._writes:
            return
        self._writes.append(("restore", version_id))
        self.controller.restore(version_id)
        self._update_actions()
        self._show_status(f"Restoring version {version_id}…")

    @Slot(object)
    def _on_saved(self, saved: Saved) -> None:
        kind, restored = self._writes.pop(0) if self._writes else ("save", 0)
        self.version_id = saved.version_id
        self.baseline = Persona.from_dict(saved.persona.to_dict())
        self.versions.set_versions(saved.versions, saved.version_id)
        if kind == "restore":
            self.edit(f"Restore version {restored}", saved.persona)
            message = f"Version {restored} is in use again (saved as version {saved.version_id})."
        else:
            message = f"Saved as version {saved.version_id}: {saved.note}"
        self._persona_changed()
        self._show_status(message)
        self.voice_check.run_after_save()  # after every saved change: better, or only different?

    # --- the controller's reads -----------------------------------------------------------------------------
    @Slot(object)
    def _on_loading(self, progress: Progress) -> None:
        if progress.total:
            done, total = progress.done, progress.total
            self._show_status(f"Reading your messages to learn your style… {done:,} of {total:,}")

    @Slot(bool)
    def _on_busy_changed(self, _busy: bool) -> None:
        self._update_actions()

    @Slot(object)
    def _on_loaded(self, state: PersonaState) -> None:
        self.loaded = True
        self.version_id = state.version_id
        self.baseline = state.persona
        self.persona = Persona.from_dict((state.unsaved or state.persona).to_dict())
        self.presets = list(state.presets)
        self.preset_combo.clear()
        self.preset_combo.addItem(PRESET_PROMPT, None)
        for preset in self.presets:
            self.preset_combo.addItem(preset.name, preset)
            last = self.preset_combo.count() - 1
            self.preset_combo.setItemData(last, preset.description, Qt.ItemDataRole.ToolTipRole)
        self.versions.set_versions(state.versions, state.version_id)
        self.undo_stack.clear()
        self._set_editable(True)
        self._apply_profile(state.profile)
        self._show_persona()
        self._persona_changed()
        if state.unsaved is not None:
            self._show_status(
                "Your unsaved changes from last time are back: save them (Ctrl+S) or discard them."
            )

    @Slot(object)
    def _on_profile_loaded(self, data: ProfileData) -> None:
        fresh_start = self.loaded and self.version_id is None and not self.undo_stack.count()
        self._apply_profile(data)
        if fresh_start and data.profile is not None:
            # Nothing saved or edited yet: start from the style the new import shows.
            self.baseline.sliders = dict(data.calibrated)
            self.persona.sliders = dict(data.calibrated)
            self._show_persona()
            self._persona_changed()

    def _apply_profile(self, data: ProfileData) -> None:
        self.calibrated = dict(data.calibrated) if data.profile is not None else None
        self.sliders.set_calibrated(self.calibrated)
        self.style_charts.set_profile(data.profile, data.platform_labels)
        if data.profile is not None:
            profile = data.profile
            source = (
                f"an even sample of {profile.items:,} of your {profile.own_items:,} messages and posts"
                if profile.sampled
                else f"your own {profile.items:,} messages and posts"
            )
            self.voice_note.setText(
                f"The orange marks show where {source} put each slider. "
                "Move a slider and watch the preview change."
            )
        else:
            self.voice_note.setText(
                "Import an archive and the sliders will start where your own messages are. "
                "Move a slider and watch the preview change."
            )
        self._update_actions()

    @Slot(str, object)
    def _on_failed(self, what: str, failure: Failure) -> None:
        if what.startswith(("saving", "restoring")) and self._writes:
            self._writes.pop(0)
        self._show_status(f"Something went wrong {what}. {failure.text}", error=True)
        self._update_actions()

    # --- the live preview -----------------------------------------------------------------------------------
    def sample_messages(self) -> list[str]:
        return [pane.message() for pane in self.panes]

    @Slot()
    def redraft_now(self) -> None:
        if self.live is not None and self.loaded:
            self.live.set_messages(self.sample_messages())
            self.live.redraft_now()

    @Slot(bool)
    def _on_live_toggled(self, on: bool) -> None:
        if self.live is not None:
            self.live.set_enabled(on)

    @Slot()
    def _on_retry(self) -> None:
        if self.drafting is not None:
            self.retry_button.hide()
            self.drafting.start()

    @Slot()
    def _on_sample_edited(self) -> None:
        if self.live is not None:
            self._candidates_known = True  # the creator's own words win over the inbox's
            self.live.set_messages(self.sample_messages())

    @Slot(str)
    def _on_drafting_state(self, state: str) -> None:
        self.retry_button.setVisible(state == FAILED)
        if state == LOADING:
            self.preview_status.setText("Loading the model for the live preview…")
        elif state == READY and self.drafting is not None and not self._candidates_known:
            self.preview_status.setText("Looking for messages awaiting your reply…")
            self.drafting.load_candidates()

    @Slot(str)
    def _on_model_loading(self, text: str) -> None:
        self.preview_status.setText(f"Loading the model… {text}")

    @Slot(object)
    def _on_model_failed(self, failure: Failure) -> None:
        self.preview_status.setText(f"The model could not be loaded, so there is no preview. {failure.text}")
        self.retry_button.show()

    @Slot(list)
    def _on_candidates_loaded(self, texts: list) -> None:
        if self._candidates_known:
            return
        self._candidates_known = True
        waiting = [t for t in texts if isinstance(t, str) and t.strip()]
        for pane, text in zip([p for p in self.panes if not p.edited_by_creator], waiting, strict=False):
            pane.set_message(" ".join(text.split()))
        if self.live is not None:
            self.live.set_messages(self.sample_messages())

    @Slot()
    def _on_preview_outdated(self) -> None:
        for pane in self.panes:
            if pane.text:
                pane.set_stale()

    @Slot(int)
    def _on_preview_started(self, index: int) -> None:
        if 0 <= index < len(self.panes):
            self.panes[index].start()

    @Slot()
    def _on_round_started(self) -> None:
        for pane in self.panes:
            pane.begin()

    @Slot(int, str)
    def _on_text_streamed(self, index: int, text: str) -> None:
        if 0 <= index < len(self.panes):
            self.panes[index].append(text)

    @Slot(int, object)
    def _on_attempt_restarted(self, index: int, regenerating: Any) -> None:
        if 0 <= index < len(self.panes):
            self.panes[index].restart_attempt(str(getattr(regenerating, "reason", "")))

    @Slot(int, object)
    def _on_preview_finished(self, index: int, draft: Any) -> None:
        if 0 <= index < len(self.panes):
            self.panes[index].finish(draft)

    @Slot(int, object)
    def _on_preview_failed(self, index: int, failure: Failure) -> None:
        if 0 <= index < len(self.panes):
            self.panes[index].fail(failure.text)

    # --- showing state --------------------------------------------------------------------------------------
    @Slot(int)
    def _fit_tab(self, current: int) -> None:
        """Size the tabs to the tab shown, not the tallest one (no empty card under the sliders)."""
        for index in range(self.tabs.count()):
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            self.tabs.widget(index).setSizePolicy(policy, policy)
        self.tabs.updateGeometry()

    def _set_editable(self, on: bool) -> None:
        self.tabs.setEnabled(on)
        self.preset_combo.setEnabled(on and self.preset_combo.count() > 1)

    def _update_actions(self) -> None:
        writing = bool(self._writes)
        self.save_button.setEnabled(self.is_dirty() and not writing)
        self.revert_button.setEnabled(self.loaded and self.persona.to_dict() != self.baseline.to_dict())
        calibrated = bool(self.calibrated) and self.persona.sliders != self.calibrated
        self.reset_button.setEnabled(self.loaded and calibrated)
        self.undo_button.setEnabled(self.undo_stack.canUndo())
        self.redo_button.setEnabled(self.undo_stack.canRedo())
        undo_text, redo_text = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.undo_button.setToolTip(f"Undo {undo_text.lower()} (Ctrl+Z)" if undo_text else "Nothing to undo")
        redo_tip = f"Redo {redo_text.lower()} (Ctrl+Shift+Z)" if redo_text else "Nothing to redo"
        self.redo_button.setToolTip(redo_tip)
        self.busy.setVisible(writing or (self.controller is not None and self.controller.is_reading()))

    def _show_status(self, message: str = "", *, error: bool = False) -> None:
        """A message (a save, an error), or else what is unsaved and which version drafts use."""
        if not message:
            if not self.loaded:
                message = "Opening your persona…"
            elif self.version_id is None:
                lines = self.changes()
                start = "This persona starts from your own style. " if self.calibrated else ""
                message = start + "Drafts use the neutral default persona until you save one (Ctrl+S)."
                if lines:
                    message = f"Unsaved: {_shorten(lines)}. " + message
            elif self.is_dirty():
                message = (
                    f"Unsaved: {_shorten(self.changes())}. Drafts still use version {self.version_id} "
                    "until you save (Ctrl+S)."
                )
            else:
                message = f"Version {self.version_id} is in use. Every change you save becomes a new version."
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: #b91c1c;" if error else "")
        self._update_actions()


def _shorten(lines: list[str], most: int = 3) -> str:
    """The first few changes, and how many more."""
    return "; ".join(lines[:most]) + (f"; and {len(lines) - most} more" if len(lines) > most else "")
