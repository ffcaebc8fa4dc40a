"""The models folder as the creator manages it: add a GGUF, remove one, choose the active one.

A file is validated from its header (GGUF magic, version, architecture, tensor count, file size
against the header: ``read_model_facts``) before it enters the folder and before it is made
active, so a truncated download or a random file gets a plain ``ModelError``, never a crash
inside llama.cpp. The active generation model is kept in ``models.json`` in the base folder,
with the model servers (``servers``): ``choice()`` says which one drafts, a local file or a server.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.generation.preflight import gpu_offload_supported
from desktop.core.models.defaults import DEFAULT_CHAT_MODEL, sidecar_path
from desktop.core.models.facts import ROLE_GENERATION, ModelFacts, list_models, read_model_facts
from desktop.core.models.probe import probe_sidecar
from desktop.core.models.servers import (
    LOCAL,
    SERVER,
    ModelChoice,
    ServerEntry,
    check_name,
    normalize_url,
    server_key_secret,
)
from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore

COPY, HARDLINK, SYMLINK = "copy", "hardlink", "symlink"
HOW = (COPY, HARDLINK, SYMLINK)
SETTINGS_NAME = "models.json"
GPU_LAYERS_KEY, AUTO = "gpu_layers", "auto"


class ModelManager:
    """Add, list, remove and choose models in ``paths.models``."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    @property
    def settings_file(self) -> Path:
        return self.paths.base / SETTINGS_NAME

    def list(self) -> list[ModelFacts]:
        return list_models(self.paths.models)

    def validate(self, path: Path) -> ModelFacts:
        """Facts of ``path`` if it is a usable GGUF, else ``ModelError`` saying what is wrong."""
        return read_model_facts(Path(path))

    def add(self, source: Path, how: str = COPY, name: str | None = None) -> ModelFacts:
        """Put the GGUF ``source`` into the models folder (copied, hard-linked or symlinked)."""
        if how not in HOW:
            raise ValueError(f"how must be one of {HOW}")
        source = Path(source).expanduser()
        self.validate(source)
        file_name = name or source.name
        if not file_name.lower().endswith(".gguf"):
            file_name += ".gguf"
        if "/" in file_name or "\\" in file_name or file_name.startswith("."):
            raise ModelError(f"'{file_name}' cannot be a model file name.")
        self.paths.models.mkdir(parents=True, exist_ok=True)
        target = self.paths.models / file_name
        if target.exists() or target.is_symlink():
            raise ModelError(
                f"A model named {file_name} is already in the models folder.",
                hint="Remove it first, or add the new one under another name.",
            )
        try:
            if how == COPY:
                self._copy(source, target)
            elif how == HARDLINK:
                os.link(source, target)
            else:
                target.symlink_to(source.resolve())
        except OSError as exc:
            hint = "Choose 'copy' instead." if how != COPY else "Check the free disk space."
            if how == HARDLINK:
                hint = "A hard link works only on the same drive: choose 'copy' or 'symbolic link'."
            raise ModelError(
                f"{source.name} could not be added to the models folder ({exc.strerror or exc}).", hint=hint
            ) from exc
        try:
            return self.validate(target)  # the copy itself, checked again
        except ModelError:
            with contextlib.suppress(OSError):
                target.unlink()
            raise

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        """Copy through a hidden temp file so a failed copy never sits under the model's name."""
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            shutil.copyfile(source, tmp)
            tmp.chmod(0o644)
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def remove(self, file_name: str, running: str | None = None) -> None:
        """Delete a model (a link only removes the link). Not the one running now.

        Removing a default is allowed (``ensure_default_models`` sets it up again); removing
        the active model makes the default active again.
        """
        target = self.paths.models / file_name
        if Path(file_name).name != file_name or not (target.exists() or target.is_symlink()):
            raise ModelError(f"There is no model named {file_name} in the models folder.")
        if running is not None and Path(running).name == file_name:
            raise ModelError(
                f"{file_name} is the model running now, so it cannot be removed.",
                hint="Choose another model first, then remove this one.",
            )
        try:
            target.unlink()
        except OSError as exc:
            raise ModelError(f"{file_name} could not be removed ({exc.strerror or exc}).") from exc
        for kept in (sidecar_path(target), probe_sidecar(target)):  # what was checked about the file
            with contextlib.suppress(OSError):
                kept.unlink()
        if self._read_settings().get("active") == file_name:
            self._write_settings({**self._read_settings(), "active": None})

    # --- the active generation model ---------------------------------------------------------

    @property
    def active_name(self) -> str:
        """The chosen generation model's file name (the default Gemma unless one was chosen)."""
        active = self._read_settings().get("active")
        return active if isinstance(active, str) and active else DEFAULT_CHAT_MODEL

    @property
    def active_path(self) -> Path:
        return self.paths.models / self.active_name

    def set_active(self, file_name: str) -> ModelFacts:
        facts = self.validate(self.paths.models / file_name)
        if facts.role != ROLE_GENERATION:
            raise ModelError(
                f"{file_name} is an embedding model: it cannot write replies.",
                hint="Choose a chat or base model for drafting.",
            )
        self._write_settings({**self._read_settings(), "active": file_name, "active_server": None})
        return facts

    # --- model servers, and the choice between them and the local models ------------------

    def servers(self) -> builtins.list[ServerEntry]:
        """The configured servers, by name."""
        raw = self._read_settings().get("servers")
        if not isinstance(raw, dict):
            return []
        return [
            ServerEntry.from_dict(name, data) for name, data in sorted(raw.items()) if isinstance(data, dict)
        ]

    def server(self, name: str) -> ServerEntry:
        for entry in self.servers():
            if entry.name == name:
                return entry
        raise ModelError(
            f"There is no model server named '{name}'.",
            hint="`understudy models list` shows them; add one with `understudy models server add`.",
        )

    def add_server(
        self,
        name: str,
        url: str,
        model: str,
        *,
        mode: str = "chat",
        api_key: str | None = None,
        secrets: SecretStore | None = None,
        context_length: int | None = None,
        timeout_s: float | None = None,
    ) -> ServerEntry:
        """Add (or replace) a server. The key goes to the keychain first: when the keychain refuses
        it (``SecretsUnavailableError``) nothing is saved. Replacing without a key keeps the old one."""
        check_name(name)
        if not model.strip():
            raise ModelError("Give the model's name as the server knows it (--model).")
        previous = next((e for e in self.servers() if e.name == name), None)
        has_key = previous.has_key if previous is not None else False
        if api_key:
            (secrets or SecretStore()).set(server_key_secret(name), api_key)
            has_key = True
        options: dict[str, Any] = {}
        if context_length:
            options["context_length"] = context_length
        if timeout_s:
            options["timeout_s"] = timeout_s
        entry = ServerEntry(
            name,
            normalize_url(url),
            model.strip(),
            mode,
            has_key,
            **options,
        )
        data = self._read_settings()
        servers = data.get("servers") if isinstance(data.get("servers"), dict) else {}
        self._write_settings({**data, "servers": {**servers, name: entry.to_dict()}})  # type: ignore[dict-item]
        return entry

    def remove_server(self, name: str, secrets: SecretStore | None = None) -> None:
        """Forget a server and its key; when it was chosen, drafts go back to the local model."""
        entry = self.server(name)
        if entry.has_key:
            (secrets or SecretStore()).delete(server_key_secret(name))
        data = self._read_settings()
        servers = {k: v for k, v in dict(data.get("servers") or {}).items() if k != name}  # type: ignore[call-overload]
        data = {**data, "servers": servers}
        if data.get("active_server") == name:
            data["active_server"] = None
        self._write_settings(data)

    def use(self, name: str) -> ModelChoice:
        """Draft with ``name`` from now on: a server's name or a local model's file name."""
        if any(entry.name == name for entry in self.servers()):
            self._write_settings({**self._read_settings(), "active_server": name})
            return self.choice()
        if not name.lower().endswith(".gguf") and not (self.paths.models / name).exists():
            raise ModelError(
                f"There is no model file or server named '{name}'.",
                hint="`understudy models list` shows the names you can use.",
            )
        self.set_active(name)
        return self.choice()

    def gpu_layers_setting(self) -> str:
        """The creator's GPU setting: "auto" (the default) or a number of layers ("0": CPU only)."""
        raw = self._read_settings().get(GPU_LAYERS_KEY, AUTO)
        return str(raw) if str(raw) == AUTO or str(raw).isdigit() else AUTO

    def set_gpu_layers(self, value: str) -> str:
        """Store "auto" or a layer count; anything else is a ``ModelError`` in plain words."""
        value = value.strip().lower()
        if value != AUTO and not value.isdigit():
            raise ModelError(
                f"'{value}' is not a number of layers.", hint='Use "auto" or a whole number such as 0 or 20.'
            )
        self._write_settings({**self._read_settings(), GPU_LAYERS_KEY: value})
        return value

    def gpu_layers(self) -> int:
        """The layers to offload: "auto" is all of them (-1) where llama.cpp reports GPU offload
        support, else 0; a number is taken as it is (the memory pre-flight still checks it)."""
        setting = self.gpu_layers_setting()
        if setting == AUTO:
            return -1 if gpu_offload_supported() else 0
        return int(setting)

    def choice(self) -> ModelChoice:
        """What drafts are written with now (a removed server falls back to the local model)."""
        chosen = self._read_settings().get("active_server")
        if isinstance(chosen, str) and chosen:
            entry = next((e for e in self.servers() if e.name == chosen), None)
            if entry is not None:
                return ModelChoice(SERVER, entry.name, server=entry)
        return ModelChoice(LOCAL, self.active_name, path=self.active_path)

    def _read_settings(self) -> dict[str, object]:
        try:
            data = json.loads(self.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: the defaults apply
        return data if isinstance(data, dict) else {}

    def _write_settings(self, data: dict[str, object]) -> None:
        self.settings_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.settings_file.with_name(self.settings_file.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.settings_file)
