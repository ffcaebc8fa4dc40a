"""Model servers and the model choice, as seen by the GUI: saved, tested and chosen on workers.

``ModelManager`` writes ``models.json`` and the keychain (which may block on a desktop prompt),
and a connection test waits on the network for up to a minute (at shutdown: until its timeout at
worst), so each runs on a ``Worker``; this
controller lives in the GUI thread and re-emits the outcomes. The API key goes from the form
straight into ``ModelManager.add_server`` (the keychain) and is never kept here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.workers_tasks import TaskController

TEST_TIMEOUT_S = 20.0

READ, CHANGE, TEST = "read", "change", "test"


@dataclass(frozen=True)
class ServerForm:
    """What the creator typed: a server to save or test (``api_key`` empty: keep the saved one)."""

    name: str
    url: str
    model: str
    mode: str = "chat"
    api_key: str = ""


@dataclass(frozen=True)
class ServersView:
    """The saved servers and what drafts are written with now."""

    servers: list[Any]  # desktop.core.models.servers.ServerEntry
    choice: Any  # desktop.core.models.servers.ModelChoice


@dataclass(frozen=True)
class ServerChange:
    """A finished change: the new view, the message to show, and whether the choice changed."""

    view: ServersView
    message: str
    choice_changed: bool


class _TypedKey:
    """The key typed in the form, for a connection test before anything is saved (memory only).

    Duck-types ``SecretStore.get`` for the backend; with no key typed the keychain answers."""

    def __init__(self, key: str) -> None:
        self._key = key

    def get(self, name: str) -> str | None:
        if self._key:
            return self._key
        from desktop.core.secrets import SecretStore

        return SecretStore().get(name)


def _manager(paths: Paths) -> Any:
    from desktop.core.models.manager import ModelManager

    return ModelManager(paths)


def _view(manager: Any) -> ServersView:
    return ServersView(manager.servers(), manager.choice())


def read_servers(paths: Paths, cancel: CancelToken) -> ServersView:
    return _view(_manager(paths))


def _save_job(paths: Paths, form: ServerForm, use: bool):
    def job(cancel: CancelToken) -> ServerChange:
        manager = _manager(paths)
        entry = manager.add_server(
            form.name.strip(), form.url, form.model, mode=form.mode, api_key=form.api_key or None
        )
        key = "its API key is in the keychain" if entry.has_key else "no API key"
        message = f"Saved the server '{entry.name}': {entry.model} at {entry.url} ({entry.mode} mode, {key})."
        if use:
            manager.use(entry.name)
            message = f"Drafts will now be written by the server '{entry.name}' ({entry.model})."
        return ServerChange(_view(manager), message, use)

    return job


def _use_job(paths: Paths, name: str | None):
    def job(cancel: CancelToken) -> ServerChange:
        manager = _manager(paths)
        if name is None:  # back to this computer's own model (checked as "Use for drafting" checks it)
            manager.use(manager.active_name)
            return ServerChange(
                _view(manager), f"Drafts will now be written on this computer by {manager.active_name}.", True
            )
        choice = manager.use(name)
        return ServerChange(_view(manager), f"Drafts will now be written by {choice.describe()}.", True)

    return job


def _remove_job(paths: Paths, name: str):
    def job(cancel: CancelToken) -> ServerChange:
        manager = _manager(paths)
        was_chosen = manager.choice().is_server and manager.choice().name == name
        manager.remove_server(name)
        message = f"Removed the server '{name}' and its key."
        if was_chosen:
            message += f" Drafts are written on this computer again, by {manager.active_name}."
        return ServerChange(_view(manager), message, was_chosen)

    return job


def _test_job(form: ServerForm):
    def job(cancel: CancelToken) -> Any:
        import openai  # noqa: F401 -- imported first, so the first test does not time the import as "connecting"

        from desktop.core.models.servers import ServerEntry, check_name, check_server, normalize_url

        # A test answers within TEST_TIMEOUT_S: the creator is waiting on a button, not on a batch.
        entry = ServerEntry(
            check_name(form.name.strip() or "server"),
            normalize_url(form.url),
            form.model.strip(),
            form.mode,
            timeout_s=TEST_TIMEOUT_S,
        )
        if not entry.model:
            from desktop.core.errors import ModelError

            raise ModelError("Give the model's name as the server lists it.")
        return check_server(entry, _TypedKey(form.api_key))  # type: ignore[arg-type]

    return job


class ServersController(TaskController):
    """Lists, saves, tests, chooses and removes model servers; one change and one test at a time."""

    servers_loaded = Signal(object)  # ServersView
    servers_failed = Signal(object)  # Failure
    change_started = Signal(str)  # what is being done, in plain words
    change_finished = Signal(object)  # ServerChange
    change_failed = Signal(object)  # Failure
    #: What drafts are written with changed (a ModelChoice): the drafting session must reload.
    choice_changed = Signal(object)
    test_started = Signal(str)
    test_finished = Signal(object)  # desktop.core.models.servers.ServerCheck
    test_failed = Signal(object)  # Failure

    def __init__(self, paths: Paths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.view: ServersView | None = None

    def refresh(self) -> None:
        self._tasks.run(
            READ,
            partial(read_servers, self.paths),
            name="read-servers",
            on_done=self._on_read_finished,
            on_failed=self.servers_failed.emit,
        )

    def save(self, form: ServerForm, *, use: bool = False) -> bool:
        """Save the server (its key to the keychain); with ``use``, draft with it from now on."""
        verb = "Saving and choosing" if use else "Saving"
        return self._start_change(_save_job(self.paths, form, use), f"{verb} the server '{form.name}'…")

    def use(self, name: str | None) -> bool:
        """Draft with the saved server ``name``, or (None) with this computer's own model."""
        what = f"the server '{name}'" if name else "this computer's model"
        return self._start_change(_use_job(self.paths, name), f"Switching drafts to {what}…")

    def remove(self, name: str) -> bool:
        return self._start_change(_remove_job(self.paths, name), f"Removing the server '{name}'…")

    def test(self, form: ServerForm) -> bool:
        """Send a one-token request with the form's settings (nothing is saved)."""
        message = f"Connecting to {form.url.strip() or 'the server'}…"
        return self._tasks.run(
            TEST,
            _test_job(form),
            name="test-server",
            on_started=lambda: self.test_started.emit(message),
            on_done=self.test_finished.emit,
            on_failed=self.test_failed.emit,
        )

    def is_changing(self) -> bool:
        return self._tasks.busy(CHANGE)

    def is_testing(self) -> bool:
        return self._tasks.busy(TEST)

    def _start_change(self, job: Any, message: str) -> bool:
        # The key is free again when the outcome arrives, so the cards' is_changing() already
        # says "done" in their handlers.
        return self._tasks.run(
            CHANGE,
            job,
            name="change-servers",
            on_started=lambda: self.change_started.emit(message),
            on_done=self._on_change_finished,
            on_failed=self.change_failed.emit,
        )

    # --- worker outcomes (GUI thread) -----------------------------------------------------------
    def _on_read_finished(self, view: ServersView) -> None:
        self.view = view
        self.servers_loaded.emit(view)

    def _on_change_finished(self, change: ServerChange) -> None:
        self.view = change.view
        self.change_finished.emit(change)
        self.servers_loaded.emit(change.view)
        if change.choice_changed:
            self.choice_changed.emit(change.view.choice)
