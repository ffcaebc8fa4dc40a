"""The Persona page's About you tab: who the creator is.

Their name and notes on their voice, what they stand for, goals, projects, products, the
links a draft may contain, and facts a draft may state (the guard counts them as support).
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from desktop.core.persona.model import Persona
from desktop.ui.widgets.persona.field_editor import FieldEditor
from desktop.ui.widgets.persona.fields import heading, set_line


class IdentityEditor(FieldEditor):
    """Who the creator is: name and voice notes, values, goals, projects, products, links, facts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        names = self._build_names()
        self.values = self._list("identity.values", "What you stand for", "e.g. progress over perfection")
        self.goals = self._list("identity.goals", "Goals", "e.g. help people build habits that last")
        self.projects = self._list("identity.projects", "Current projects", "e.g. the spring tour")
        self.links = self._list(
            "identity.links",
            "Links",
            "https://…",
            "Besides your products' links, the only links a draft may contain.",
        )
        self.products = self._pairs(
            "identity.products",
            "Products",
            ("Name", "Link"),
            ("e.g. 12-week plan", "https://…"),
            "What you sell or promote; their links are ones a draft may contain.",
        )
        self.facts = self._list(
            "facts",
            "Facts it may state",
            "e.g. I live in Lisbon",
            "True things about you a draft may say; the guard counts them as support for a claim.",
        )
        self._lay_out(
            [
                (names, 0, 0, 1, 2),
                (self.values, 1, 0, 1, 1),
                (self.goals, 1, 1, 1, 1),
                (self.products, 2, 0, 1, 2),
                (self.projects, 3, 0, 1, 1),
                (self.links, 3, 1, 1, 1),
                (self.facts, 4, 0, 1, 2),
            ]
        )

    def _build_names(self) -> QGridLayout:
        """The creator's name and their notes on their voice, each on one line."""
        names = QGridLayout()
        names.setHorizontalSpacing(8)
        names.setVerticalSpacing(6)
        self.name_entry = self._line(
            "display_name", "Your name", "How you sign, e.g. Zoë", "The name your understudy goes by."
        )
        self.notes_entry = self._line(
            "style_notes",
            "Notes on your voice",
            "e.g. short, lower case, lots of “haha”",
            "Your own words about how you write; models that follow instructions read them.",
        )
        names.addWidget(heading("Your name"), 0, 0)
        names.addWidget(self.name_entry, 0, 1)
        names.addWidget(heading("Your voice"), 1, 0)
        names.addWidget(self.notes_entry, 1, 1)
        names.setColumnStretch(1, 1)
        return names

    def show_persona(self, persona: Persona) -> None:
        ident = persona.identity
        set_line(self.name_entry, persona.display_name)
        set_line(self.notes_entry, persona.style_notes)
        self.values.set_items(ident.values)
        self.goals.set_items(ident.goals)
        self.projects.set_items(ident.projects)
        self.links.set_items(ident.links)
        self.products.set_pairs([(p.name, p.url) for p in ident.products])
        self.facts.set_items(persona.facts)
