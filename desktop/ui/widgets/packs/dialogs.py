"""The Packs page's questions to the creator: what goes in an export, where to save, whether to go on.

Module functions, looked up through this module when asked, so that tests can answer them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

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


#: ``ask_keychain_choice``'s answers.
PASSPHRASE, SESSION_ONLY = "passphrase", "session"


def ask_keychain_choice(parent: QWidget, message: str, file_exists: bool) -> str:
    """No keychain: keep keys and tokens in a passphrase-protected file (``PASSPHRASE``), for this session
    only (``SESSION_ONLY``), or not at all (''). Never in plain text either way."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("No keychain on this computer")
    box.setText(message)
    box.setInformativeText(
        "With a passphrase, your signing key and tokens are kept in an encrypted file and asked for once "
        "per session. For this session only, a pack is signed with a key made for the session, not your "
        "profile's, and tokens are gone when you close Understudy."
    )
    passphrase = box.addButton(
        "Enter passphrase…" if file_exists else "Use a passphrase…", QMessageBox.ButtonRole.AcceptRole
    )
    session = box.addButton("This session only", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(passphrase)
    box.exec()
    clicked = box.clickedButton()
    return PASSPHRASE if clicked is passphrase else SESSION_ONLY if clicked is session else ""


def ask_passphrase(parent: QWidget, *, create: bool) -> str:
    """The secrets file's passphrase, typed without echo ('' when cancelled); a new one is typed twice."""
    label = "Choose a passphrase (at least 8 characters):" if create else "Passphrase of your secrets file:"
    first, ok = QInputDialog.getText(parent, "Passphrase", label, QLineEdit.EchoMode.Password)
    if not ok or not first or not create:
        return first if ok else ""
    again, ok = QInputDialog.getText(
        parent, "Passphrase", "The same passphrase again:", QLineEdit.EchoMode.Password
    )
    if ok and again != first:
        QMessageBox.warning(parent, "Passphrase", "The two passphrases differ; nothing was changed.")
        return ""
    return first if ok else ""


def show_in_folder(path: str | Path) -> bool:
    """Open the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
