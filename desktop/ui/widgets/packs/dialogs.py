"""The Packs page's questions to the creator: what goes in an export, where to save, whether to go on.

Module functions, looked up through this module when asked, so that tests can answer them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.ui.controllers.packs_jobs import ExportPreview, PackRow
from desktop.ui.theme import plural
from desktop.ui.widgets.packs.export_dialog import ExportDialog, export_summary

PACK_FILTER = "Reply packs (*.zip);;All files (*)"
FINETUNE_FILTER = "Chat-format JSONL (*.jsonl);;All files (*)"


def _redaction_answer(dialog: ExportDialog) -> bool | None:
    """The redaction choice when the creator goes ahead, else ``None``."""
    return dialog.redact() if dialog.exec() == ExportDialog.DialogCode.Accepted else None


def ask_export(parent: QWidget, preview: ExportPreview, redact: bool) -> bool | None:
    """Show what the pack will hold; the redaction choice when the creator goes ahead, else ``None``."""
    heading, details = export_summary(preview)
    return _redaction_answer(
        ExportDialog(
            "Export a reply pack", heading, details, samples=preview.samples, redact=redact, parent=parent
        )
    )


def ask_finetune(parent: QWidget, count: int, redact: bool) -> bool | None:
    """Show what the fine-tuning file will hold; the redaction choice to go ahead, else ``None``."""
    dialog = ExportDialog(
        "Export for fine-tuning",
        f"{plural(count, 'approved (message, reply) pair')} will go into the file.",
        [
            "One line per pair in chat format (a system message, the fan's message, your approved reply): "
            "what fine-tuning tools read, so you can train a model of your own on replies you approved.",
            "Writing this file changes nothing in the inbox.",
        ],
        redact=redact,
        parent=parent,
    )
    return _redaction_answer(dialog)


def choose_save_path(parent: QWidget, title: str, suggested: Path, file_filter: str) -> str:
    """Ask where to save; the path, or empty when the creator cancels (the dialog asks before replacing)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), file_filter)
    return path


def choose_pack_file(parent: QWidget, folder: Path) -> str:
    """Ask for a pack file to check; returns its path (empty when the creator cancels)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Check a reply pack", str(folder), PACK_FILTER)
    return path


def _ask(
    parent: QWidget,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    details: str,
    yes: str,
    no: str,
    *,
    yes_is_default: bool = False,
) -> bool:
    """A question with a yes and a no button; whether the creator chose ``yes``."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(details)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    if yes_is_default:
        box.setDefaultButton(accept)
    box.exec()
    return box.clickedButton() is accept


def confirm_reexport(parent: QWidget, pack: PackRow) -> bool:
    """Ask before writing a pack again: it holds the same replies, nothing new."""
    return _ask(
        parent,
        QMessageBox.Icon.Question,
        "Write this pack again?",
        f"Write pack {pack.id} again, with the same {plural(pack.replies, 'reply', 'replies')}?",
        "Use this when the first file was lost or damaged. The new file holds exactly the replies of "
        "that pack; no reply approved since is added and none changes state, so nothing is exported twice.",
        "Choose where to save…",
        "Not now",
        yes_is_default=True,
    )


def ask_session_only(parent: QWidget, message: str) -> bool:
    """No keychain: keep the key or token for this session only? (Never written to a file either way.)"""
    return _ask(
        parent,
        QMessageBox.Icon.Warning,
        "No keychain on this computer",
        message,
        "Keep it for this session only? Packs signed with a session key can be checked only until "
        "you close Understudy.",
        "Keep for this session",
        "Cancel",
    )


def show_in_folder(path: str | Path) -> bool:
    """Open the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
