"""The Persona page's editor card: five tabs, Voice (the sliders), Boundaries, About you,
Versions and Voice check, sized to the tab shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from desktop.core.persona.model import Persona
from desktop.ui.widgets.persona.boundaries import BoundariesEditor
from desktop.ui.widgets.persona.fields import muted
from desktop.ui.widgets.persona.identity import IdentityEditor
from desktop.ui.widgets.persona.sliders import SliderPanel
from desktop.ui.widgets.persona.versions import VersionsList
from desktop.ui.widgets.voice_check import VoiceCheck

#: Each tab's title and tooltip, in order (Alt+1 … Alt+5 pick them).
TABS = (
    ("Voice", "Sliders for how replies sound (Alt+1)"),
    ("Boundaries", "What your understudy must never do (Alt+2)"),
    ("About you", "Who you are: values, products, links, facts (Alt+3)"),
    ("Versions", "Saved versions, and Restore (Alt+4)"),
    ("Voice check", "Does it still sound like you? Drafts held-out messages and compares (Alt+5)"),
)


class PersonaTabs(QTabWidget):
    """The editors, one tab each; ``show_persona`` shows a persona in all of them (no signals)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.setAccessibleName("Persona settings")
        voice = self._build_voice()
        self.boundaries = BoundariesEditor()
        self.identity = IdentityEditor()
        self.versions = VersionsList()
        self.voice_check = VoiceCheck()
        for page, (title, tip) in zip(
            (voice, self.boundaries, self.identity, self.versions, self.voice_check),
            TABS,
            strict=False,
        ):
            self.setTabToolTip(self.addTab(page, title), tip)
        self.currentChanged.connect(self._fit_tab)
        self._fit_tab(0)

    def _build_voice(self) -> QWidget:
        """The Voice tab: a note on where the sliders' marks come from, and the sliders."""
        voice = QWidget()
        layout = QVBoxLayout(voice)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        self.voice_note = muted("", wrap=True)
        self.sliders = SliderPanel()
        layout.addWidget(self.voice_note)
        layout.addWidget(self.sliders)
        layout.addStretch(1)
        return voice

    def show_persona(self, persona: Persona) -> None:
        self.sliders.set_values(persona.sliders)
        self.boundaries.show_persona(persona)
        self.identity.show_persona(persona)

    def show_profile(self, profile: Any) -> None:
        """Say where the sliders' orange marks come from: ``profile``, a ``StyleProfile`` (``None``:
        nothing imported yet)."""
        if profile is not None:
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

    @Slot(int)
    def _fit_tab(self, current: int) -> None:
        """Size the tabs to the tab shown, not the tallest one (no empty card under the sliders)."""
        for index in range(self.count()):
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            self.widget(index).setSizePolicy(policy, policy)
        self.updateGeometry()
