"""Persona: how the creator's understudy sounds and what it must never say.

The page edits a *working* copy of the persona; every edit is one step on a ``QUndoStack``
(a slider drag is one step, however long). Save (Ctrl+S) writes the working copy as a new
persona version whose note is the diff. A live preview re-drafts three sample messages with
the working copy a moment after it stops changing, so the creator sees the voice move before
saving. Unsaved edits survive leaving the page, closing the app and crashes (see
``persona_controller``: they come back as unsaved edits, never as a silently saved version).

Store and model work runs off the GUI thread: ``PersonaController`` (store) and ``LivePreview``
(on the ``DraftingController``'s model thread). Connect them with ``PersonaPage.attach``. The
cards and editors are in ``widgets/persona/``; this module holds the working copy, its undo
steps, and the wiring between them.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop.core.persona.model import SLIDER_NAMES, Persona
from desktop.core.persona.versions import diff_personas
from desktop.core.tasks import Progress
from desktop.ui import page_infos
from desktop.ui.controllers.drafting_controller import DraftingController
from desktop.ui.controllers.persona_controller import PersonaController
from desktop.ui.controllers.persona_jobs import PersonaState, ProfileData, Saved
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.page import Page, card
from desktop.ui.widgets.persona.action_bar import ActionBar, idle_status
from desktop.ui.widgets.persona.fields import apply_field
from desktop.ui.widgets.persona.preview_card import PreviewCard
from desktop.ui.widgets.persona.sliders import slider_step
from desktop.ui.widgets.persona.tabs import PersonaTabs
from desktop.ui.widgets.persona.undo import PersonaEdit
from desktop.ui.widgets.style_charts import StyleCharts
from desktop.ui.workers import Failure


class PersonaPage(Page):
    info = page_infos.PERSONA

    #: The creator asked to import an archive (from the style charts' empty state).
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: PersonaController | None = None
        self.drafting: DraftingController | None = None
        self.persona = Persona()  # the working copy: what the editors show
        self.baseline = Persona()  # the active version (before the first save: where the editor started)
        self.version_id: int | None = None
        self.calibrated: dict[str, float] | None = None
        self.loaded = False
        self._drag_before: dict | None = None
        self._writes: list[tuple[str, int]] = []  # ("save" | "restore", version) in the order asked
        self.undo_stack = QUndoStack(self)
        self.action_bar = self._build_action_bar()
        self.body.addWidget(self.action_bar)
        self.body.addLayout(self._build_columns())
        self.body.addWidget(self._build_style_card())
        self._build_shortcuts()
        self.undo_stack.indexChanged.connect(self._update_actions)
        self._set_editable(False)
        self._update_actions()

    def _build_action_bar(self) -> ActionBar:
        bar = ActionBar(self.undo_stack)
        bar.preset_chosen.connect(self._on_preset_chosen)
        bar.reset_button.clicked.connect(self.reset_to_my_style)
        bar.revert_button.clicked.connect(self.discard_changes)
        bar.save_button.clicked.connect(self.save)
        return bar

    def _build_columns(self) -> QHBoxLayout:
        """The editors (left) and the live preview (right)."""
        columns = QHBoxLayout()
        columns.setSpacing(14)
        editor_card, editor_layout = card()
        self.tabs = PersonaTabs()
        # The editors by name: the page wires each one to the working persona.
        tabs = self.tabs
        self.sliders, self.boundaries, self.identity = tabs.sliders, tabs.boundaries, tabs.identity
        self.versions, self.voice_check = tabs.versions, tabs.voice_check
        self.sliders.slider_moved.connect(self._on_slider_moved)
        self.sliders.slider_released.connect(self._on_slider_released)
        self.boundaries.edited.connect(self._on_field_edited)
        self.identity.edited.connect(self._on_field_edited)
        self.versions.restore_requested.connect(self.restore)
        editor_layout.addWidget(self.tabs)
        columns.addWidget(editor_card, 3)
        self.preview = PreviewCard()
        self.preview.redraft_requested.connect(self.redraft_now)
        columns.addWidget(self.preview, 2)
        return columns

    def _build_style_card(self) -> QWidget:
        """The style profile, learned from the archive."""
        style_card, style_layout = card("Your style, as your own messages show it")
        self.style_charts = StyleCharts()
        self.style_charts.import_requested.connect(self.import_requested)
        style_layout.addWidget(self.style_charts)
        return style_card

    def _build_shortcuts(self) -> None:
        """Shortcuts: only while this page is shown (a hidden widget's shortcuts do not fire)."""
        self.shortcuts: list[QShortcut] = []
        tabs = [
            (f"Alt+{index + 1}", partial(self.tabs.setCurrentIndex, index))
            for index in range(self.tabs.count())
        ]
        for keys, slot in [
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.Undo, self.undo_stack.undo),
            ("Ctrl+Shift+Z", self.undo_stack.redo),
            ("Ctrl+Y", self.undo_stack.redo),
            ("F5", self.redraft_now),
            *tabs,
            ("F6", self.voice_check.run_full),
        ]:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            # GUI thread only (a shortcut never fires from another thread), so partials are safe here.
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- wiring ---------------------------------------------------------------------------------------------
    def attach(self, controller: PersonaController, drafting: DraftingController | None = None) -> None:
        """Read and write through ``controller``; preview drafts on ``drafting``'s model thread."""
        self.controller = controller
        connect_by_name(controller, self, "loading busy_changed loaded profile_loaded saved failed")
        if drafting is not None:
            self.drafting = drafting
            self.preview.attach(drafting)
            self.voice_check.attach(drafting)
            self.preview.follow_model(drafting)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.controller is not None and not self.loaded and not self.controller.is_reading():
            self.controller.load()
            self._update_actions()
        self.preview.page_shown()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self.preview.page_hidden()

    def shutdown(self) -> None:
        """The window is closing: keep unsaved edits (recovery file) and join the store threads."""
        self.preview.page_hidden()
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
        self.tabs.show_persona(self.persona)

    def _persona_changed(self) -> None:
        """After every change: the unsaved state, the recovery file and the preview follow."""
        dirty = self.is_dirty()
        if self.controller is not None and self.loaded:
            differs = self.persona.to_dict() != self.baseline.to_dict()
            self.controller.keep_unsaved(self.persona if differs else None)
        if self.preview.live is not None and self.loaded:
            self.preview.live.persona_changed(self.persona)
        self.action_bar.show_unsaved(dirty, edited=bool(self.changes()) or self.version_id is not None)
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
        self.edit(slider_step(name, value), after, merge_id=1 + SLIDER_NAMES.index(name))

    @Slot(str)
    def _on_slider_released(self, name: str) -> None:
        before, self._drag_before = self._drag_before, None
        if before is None:
            return
        after = self.persona.to_dict()
        if after != before:
            text = slider_step(name, self.persona.sliders.get(name, 0.0))
            self.undo_stack.push(PersonaEdit(self, before, after, text))

    @Slot(str, object, str)
    def _on_field_edited(self, key: str, value: object, text: str) -> None:
        if self.loaded:
            self.edit(text, apply_field(self.persona, key, value))

    @Slot(object)
    def _on_preset_chosen(self, preset: Any) -> None:
        if not self.loaded:
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
        self.action_bar.set_presets(list(state.presets))
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
        self.tabs.show_profile(data.profile)
        self._update_actions()

    @Slot(str, object)
    def _on_failed(self, what: str, failure: Failure) -> None:
        if what.startswith(("saving", "restoring")) and self._writes:
            self._writes.pop(0)
        self._show_status(f"Something went wrong {what}. {failure.text}", error=True)
        self._update_actions()

    # --- the live preview -----------------------------------------------------------------------------------
    @Slot()
    def redraft_now(self) -> None:
        """Draft the samples again now (F5, Redraft), once the persona is loaded."""
        if self.loaded:
            self.preview.redraft()

    # --- showing state --------------------------------------------------------------------------------------
    def _set_editable(self, on: bool) -> None:
        self.tabs.setEnabled(on)
        combo = self.action_bar.preset_combo
        combo.setEnabled(on and combo.count() > 1)

    def _update_actions(self) -> None:
        writing = bool(self._writes)
        calibrated = bool(self.calibrated) and self.persona.sliders != self.calibrated
        self.action_bar.show_actions(
            can_save=self.is_dirty() and not writing,
            can_discard=self.loaded and self.persona.to_dict() != self.baseline.to_dict(),
            can_reset=self.loaded and calibrated,
            busy=writing or (self.controller is not None and self.controller.is_reading()),
        )

    def _show_status(self, message: str = "", *, error: bool = False) -> None:
        """A message (a save, an error), or else what is unsaved and which version drafts use."""
        if not message:
            changes = self.changes() if self.loaded else []
            message = idle_status(
                self.loaded, self.version_id, bool(self.calibrated), changes, self.is_dirty()
            )
        self.action_bar.show_status(message, error=error)
        self._update_actions()
