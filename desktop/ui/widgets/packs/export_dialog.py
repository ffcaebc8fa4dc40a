"""The export confirmation: what a pack (or the fine-tuning file) will hold, and the redaction choice."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFrame, QLabel, QVBoxLayout, QWidget

from desktop.core.inbox.redact import redact_personal
from desktop.ui.controllers.packs_jobs import ExportPreview
from desktop.ui.theme import plural
from desktop.ui.widgets.common.labels import muted_label
from desktop.ui.widgets.packs.common import shorten

REDACT_TEXT = "Remove fans' email addresses and phone numbers from their messages"
REDACT_HINT = "They become “[email removed]” and “[phone removed]”. Your replies are not changed."


class ExportDialog(QDialog):
    """Shows what an export will hold, with the redaction choice, before the creator picks a file.

    Used for reply packs (with example replies) and for the fine-tuning file (counts only).
    """

    def __init__(
        self,
        title: str,
        heading: str,
        details: list[str],
        *,
        samples: list[dict[str, Any]] | None = None,
        redact: bool = True,
        accept_text: str = "Choose where to save…",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self._samples = samples or []
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.heading = QLabel(heading)
        self.heading.setObjectName("cardTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        for line in details:
            label = QLabel(line)
            label.setWordWrap(True)
            layout.addWidget(label)
        self.sample_labels: list[QLabel] = []
        if self._samples:
            examples = QFrame()
            examples.setObjectName("card")
            examples_layout = QVBoxLayout(examples)
            examples_layout.setContentsMargins(14, 10, 14, 10)
            examples_layout.setSpacing(8)
            caption = QLabel("The first replies in it:")
            caption.setObjectName("muted")
            examples_layout.addWidget(caption)
            for _sample in self._samples:
                label = QLabel()
                label.setWordWrap(True)
                label.setTextFormat(Qt.TextFormat.PlainText)
                examples_layout.addWidget(label)
                self.sample_labels.append(label)
            layout.addWidget(examples)
        self.redact_box = QCheckBox(REDACT_TEXT)
        self.redact_box.setChecked(redact)
        self.redact_box.setAccessibleName(REDACT_TEXT)
        self.redact_box.toggled.connect(self._show_samples)
        layout.addWidget(self.redact_box)
        layout.addWidget(muted_label(REDACT_HINT))
        buttons = QDialogButtonBox()
        self.accept_button = buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setObjectName("primary")
        self.accept_button.setDefault(True)
        self.cancel_button = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_samples()
        # Sized before it is shown (a window that gets its limits only once shown makes some platforms warn).
        layout.activate()
        self.adjustSize()

    def redact(self) -> bool:
        return self.redact_box.isChecked()

    def _show_samples(self) -> None:
        for label, sample in zip(self.sample_labels, self._samples, strict=False):
            original = sample["original_message"]
            if self.redact():
                original = redact_personal(original)
            reply = shorten(sample["reply_text"], 80)
            label.setText(
                f"To {sample['recipient'] or 'a fan'} on {sample['platform']}: “{reply}”\n"
                f"    in reply to “{shorten(original, 80)}”"
            )


def export_summary(preview: ExportPreview) -> tuple[str, list[str]]:
    """The export dialog's heading and detail lines for ``preview``."""
    heading = f"{plural(preview.count, 'approved reply', 'approved replies')} will go into this pack."
    where = ", ".join(f"{name} {count}" for name, count in sorted(preview.platforms.items()))
    details = [f"By platform: {where}." if where else ""]
    if preview.edited:
        details.append(f"Edited by you before approving: {plural(preview.edited, 'reply', 'replies')}.")
    details.append(
        "The pack is a zip with replies.jsonl, replies.csv and a signed manifest. Once it is written, "
        "these replies are marked exported and never go into another pack by accident; "
        "you can write the same pack again from the list below."
    )
    return heading, [line for line in details if line]
