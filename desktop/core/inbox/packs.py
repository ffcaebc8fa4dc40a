"""Reply packs: approved replies leave Understudy only as a signed zip the creator hands to a posting tool.

A pack holds ``replies.jsonl`` and ``replies.csv`` (the same rows; columns in ``COLUMNS``),
``manifest.json`` (format, counts, created_at, app version, the sha256 of each file, and the
profile's Ed25519 public key with its fingerprint) and ``manifest.sig``: the Ed25519 signature
of the exact bytes of ``manifest.json``, in base64. Anyone with the public key can check a pack
(docs/REPLY_PACK.md); the key pair is the profile's (``desktop.core.inbox.signing``). Without a
keychain ``SecretsUnavailableError`` says so in plain words and the caller may choose a
``SecretStore(session_only=True)`` (its packs are signed by a key made for that session).
Format version 1 packs (an HMAC in the manifest) still verify where their HMAC key exists.

Crash safety, in three steps:

1. one transaction reserves the replies for a new ``exports`` row in status ``writing``;
2. the zip is written to a hidden ``.NAME.<uid>.partial`` file beside the destination, flushed
   to disk, and renamed onto the destination only when complete (a kill leaves no file with
   the pack's name);
3. one transaction marks the export ``complete`` and its entries ``exported``.

The next export (or ``recover_pending_exports``) settles an export left in ``writing``: if its
zip is in place and intact (manifest uid and checksums match) the export is completed, else it
is abandoned and its replies are free again. So nothing is exported twice, and nothing is lost.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop import APP_NAME, __version__
from desktop.core.errors import KnownError
from desktop.core.inbox import _journal, states
from desktop.core.inbox.redact import redact_personal as _redact
from desktop.core.inbox.signing import ALGORITHM, PublicKey, signing_key
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, record_audit, reply_packs, utc_now

PACK_FORMAT = "understudy-reply-pack"
FORMAT_VERSION = 2
#: Where format version 1 packs kept their HMAC key (still read to verify them).
SIGNING_KEY_NAME = "reply-packs:signing-key"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
JSONL = "replies.jsonl"
CSV = "replies.csv"
DATA_FILES = (JSONL, CSV)

COLUMNS: tuple[str, ...] = (
    "reply_id",  # stable per reply: the posting tool's (and the webhook's) idempotency key
    "platform",
    "thread_id",  # the platform's conversation id
    "in_reply_to_id",  # the platform's id of the message answered
    "recipient",  # the fan's handle
    "recipient_name",
    "original_message",
    "reply_text",
    "approved_at",
    "persona_version",
    "model",
    "edited",  # "yes" / "no"
    "disclosure_label",
)

PersonaLabelLookup = Callable[[int | None], str]


# --- rows -----------------------------------------------------------------------------------


def reply_id(draft_id: int, draft_created_at: str) -> str:
    """The reply's stable id (a UUID derived from the draft), the same in every pack and webhook call."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"understudy:draft:{draft_id}:{draft_created_at}"))


def persona_label_from_store(store: Store) -> PersonaLabelLookup:
    """The disclosure label a persona version asks for ('' when it does not disclose)."""
    cache: dict[int | None, str] = {}

    def lookup(version_id: int | None) -> str:
        if version_id not in cache:
            label = ""
            settings = reply_packs.persona_settings_json(store, version_id)
            if settings is not None:
                try:
                    bounds = (json.loads(settings) or {}).get("boundaries") or {}
                except (ValueError, AttributeError):
                    bounds = {}
                if isinstance(bounds, dict) and bounds.get("disclose_ai"):
                    label = str(bounds.get("disclosure_label") or "").strip()
            cache[version_id] = label
        return cache[version_id]

    return lookup


def reply_rows(
    store: Store,
    where: str,
    args: list[Any] | None = None,
    *,
    redact_personal: bool = False,
    persona_label: PersonaLabelLookup | None = None,
) -> list[dict[str, Any]]:
    """Replies as pack rows (``COLUMNS`` plus ``draft_id``), oldest approval first.

    ``where``: a condition over the reply's entry ``e`` and draft ``d``, e.g.
    ``store.reply_packs.WAITING_FOR_EXPORT``.
    """
    lookup = persona_label or persona_label_from_store(store)
    rows = []
    for row in reply_packs.reply_rows(store, where, args):
        provenance = json.loads(row["provenance"] or "{}")
        label = provenance.get("disclosure_label")
        original = row["original_message"] or ""
        rows.append(
            {
                "draft_id": row["draft_id"],
                "reply_id": reply_id(row["draft_id"], row["draft_created_at"]),
                "platform": row["platform"],
                "thread_id": row["thread_id"] or "",
                "in_reply_to_id": row["in_reply_to_id"] or "",
                "recipient": row["recipient"] or "",
                "recipient_name": row["recipient_name"] or "",
                "original_message": _redact(original) if redact_personal else original,
                "reply_text": row["reply_text"],
                "approved_at": row["approved_at"] or "",
                "persona_version": ""
                if row["persona_version_id"] is None
                else str(row["persona_version_id"]),
                "model": row["model"] or "",
                "edited": "yes" if row["edited"] else "no",
                "disclosure_label": str(label) if label is not None else lookup(row["persona_version_id"]),
            }
        )
    return rows


def waiting_count(store: Store) -> int:
    """Approved replies not yet in a pack."""
    return reply_packs.waiting_count(store)


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackSummary:
    """What an export wrote."""

    export_id: int
    path: Path
    replies: int
    edited: int
    redacted: bool
    sha256: str
    created_at: str
    reexport_of: int | None = None
    platforms: dict[str, int] = field(default_factory=dict)


def _data_files(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    jsonl = "".join(json.dumps({c: r[c] for c in COLUMNS}, ensure_ascii=False) + "\n" for r in rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r[c] for c in COLUMNS])
    return {JSONL: jsonl.encode("utf-8"), CSV: buffer.getvalue().encode("utf-8")}


def _manifest(
    rows: list[dict[str, Any]],
    files: Mapping[str, bytes],
    *,
    export_id: int,
    uid: str,
    created_at: str,
    app_version: str,
    redacted: bool,
    reexport_of: int | None,
    public_key: PublicKey,
) -> dict[str, Any]:
    platforms: dict[str, int] = {}
    for r in rows:
        platforms[r["platform"]] = platforms.get(r["platform"], 0) + 1
    return {
        "format": PACK_FORMAT,
        "format_version": FORMAT_VERSION,
        "app": {"name": APP_NAME, "version": app_version},
        "created_at": created_at,
        "export_id": export_id,
        "export_uid": uid,
        "reexport_of": reexport_of,
        "redacted_personal_data": redacted,
        "counts": {
            "replies": len(rows),
            "edited": sum(r["edited"] == "yes" for r in rows),
            "platforms": dict(sorted(platforms.items())),
        },
        "columns": list(COLUMNS),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        },
        "signing_key": {
            "algorithm": ALGORITHM,
            "public_key": public_key.base64,
            "fingerprint": public_key.fingerprint,
        },
    }


def _partial_path(out_path: Path, uid: str) -> Path:
    return out_path.with_name(f".{out_path.name}.{uid}.partial")


def _write_zip_atomically(out_path: Path, uid: str, members: Mapping[str, bytes]) -> str:
    """Write the zip beside ``out_path`` and rename it into place once complete; returns its sha256."""
    partial = _partial_path(out_path, uid)
    try:
        with partial.open("xb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
            raw.flush()
            os.fsync(raw.fileno())
        digest = hashlib.sha256(partial.read_bytes()).hexdigest()
        os.replace(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        fd = os.open(out_path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the file itself is already on disk
    return digest


def _check_destination(out_path: Path, overwrite: bool) -> Path:
    out_path = Path(out_path).expanduser().absolute()
    if out_path.is_dir():
        raise KnownError(f"{out_path} is a folder; give the pack a file name such as replies.zip.")
    if out_path.exists() and not overwrite:
        raise KnownError(f"{out_path} already exists; choose another name (nothing was exported).")
    if not out_path.parent.is_dir():
        raise KnownError(f"The folder {out_path.parent} does not exist (nothing was exported).")
    return out_path


def _os_failure(out_path: Path, exc: OSError) -> KnownError:
    return KnownError(
        f"The reply pack could not be written to {out_path.parent}: {exc.strerror or exc}. "
        "Nothing was marked as exported.",
        hint="Choose a folder you can write to, with free space.",
    )


def _write_pack(
    store: Store,
    out_path: Path,
    secret_store: SecretStore,
    where: str,
    args: list[Any],
    *,
    empty: KnownError,
    redact_personal: bool,
    persona_label: PersonaLabelLookup | None,
    app_version: str,
    reexport_of: int | None,
) -> PackSummary:
    """Sign and write the replies ``where`` picks (see ``reply_rows``); ``empty`` is raised when it
    picks none. A new export (``reexport_of`` None) first reserves its replies for itself."""
    key = signing_key(store, secret_store)
    rows = reply_rows(store, where, args, redact_personal=redact_personal, persona_label=persona_label)
    if not rows:
        raise empty
    uid = uuid.uuid4().hex
    created_at = utc_now()
    with store.db.atomic():
        export_id = reply_packs.insert_export(
            store, created_at, str(out_path), len(rows), uid, redact_personal, reexport_of
        )
        if reexport_of is None:
            ids = [r["draft_id"] for r in rows]
            if reply_packs.reserve_drafts(store, export_id, ids) != len(ids):
                raise KnownError(
                    "Some of these replies were exported meanwhile; nothing was exported. Try again."
                )
    files = _data_files(rows)
    manifest = _manifest(
        rows,
        files,
        export_id=export_id,
        uid=uid,
        created_at=created_at,
        app_version=app_version,
        redacted=redact_personal,
        reexport_of=reexport_of,
        public_key=key.public,
    )
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    signature = base64.b64encode(key.sign(manifest_bytes)) + b"\n"
    members = {**files, MANIFEST: manifest_bytes, SIGNATURE: signature}
    try:
        digest = _write_zip_atomically(out_path, uid, members)
    except BaseException as exc:
        _abandon(store, export_id)
        if isinstance(exc, OSError):
            raise _os_failure(out_path, exc) from exc
        raise
    _complete(store, export_id, digest)
    return PackSummary(
        export_id=export_id,
        path=out_path,
        replies=len(rows),
        edited=manifest["counts"]["edited"],
        redacted=redact_personal,
        sha256=digest,
        created_at=created_at,
        reexport_of=reexport_of,
        platforms=manifest["counts"]["platforms"],
    )


def _abandon(store: Store, export_id: int) -> None:
    with store.db.atomic():
        reply_packs.abandon_export(store, export_id)
        record_audit(store, "packs.abandoned", f"export:{export_id}")


def _complete(store: Store, export_id: int, digest: str) -> None:
    """Mark the export complete and its (reserved) replies exported, in one transaction."""
    with store.db.atomic():
        reply_packs.mark_export_complete(store, export_id, digest)
        for item_id, state, draft_id in reply_packs.export_entries(store, export_id):
            if state == states.EXPORTED:
                continue
            states.check_transition(state, states.EXPORTED)
            _journal.set_state(store, item_id, states.EXPORTED)
            _journal.history(store, draft_id, "exported", None, None, actor="system")
            _journal.audit(
                store, "exported", item_id, state, states.EXPORTED, draft_id, {"export_id": export_id}
            )
        row = reply_packs.export_facts(store, export_id)
        record_audit(
            store,
            "packs.exported" if row[2] is None else "packs.reexported",
            f"export:{export_id}",
            {"path": row[0], "replies": row[1], "sha256": digest, "reexport_of": row[2]},
        )


def recover_pending_exports(store: Store) -> list[tuple[int, str]]:
    """Settle exports interrupted by a crash; returns ``(export id, 'completed' | 'abandoned')``.

    An export whose zip reached its destination intact is completed (its replies are then
    exported); any other is abandoned and its half-written file removed.
    """
    settled: list[tuple[int, str]] = []
    for export_id, path, uid in reply_packs.writing_exports(store):
        out_path = Path(path)
        digest = _intact_pack_digest(out_path, uid)
        if digest is not None:
            _complete(store, int(export_id), digest)
            settled.append((int(export_id), "completed"))
        else:
            _partial_path(out_path, uid).unlink(missing_ok=True)
            _abandon(store, int(export_id))
            settled.append((int(export_id), "abandoned"))
    return settled


def _intact_pack_digest(path: Path, uid: str) -> str | None:
    try:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            if manifest.get("export_uid") != uid:
                return None
            for name, facts in manifest["files"].items():
                if hashlib.sha256(archive.read(name)).hexdigest() != facts["sha256"]:
                    return None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError):
        return None
    return hashlib.sha256(data).hexdigest()


def export_pack(
    store: Store,
    out_path: Path | str,
    *,
    secret_store: SecretStore,
    redact_personal: bool = False,
    app_version: str = __version__,
    persona_label: PersonaLabelLookup | None = None,
    overwrite: bool = False,
) -> PackSummary:
    """Export every approved, not yet exported reply as a signed reply pack at ``out_path``.

    Raises ``KnownError`` when nothing waits for export, when the destination exists (unless
    ``overwrite``) or cannot be written (then nothing is marked exported), and
    ``SecretsUnavailableError`` when no keychain holds the signing key (see the module docstring).
    """
    out_path = _check_destination(Path(out_path), overwrite)
    recover_pending_exports(store)
    return _write_pack(
        store,
        out_path,
        secret_store,
        reply_packs.WAITING_FOR_EXPORT,
        [],
        empty=KnownError("No approved replies are waiting for export.", hint="Approve some drafts first."),
        redact_personal=redact_personal,
        persona_label=persona_label,
        app_version=app_version,
        reexport_of=None,
    )


def reexport_pack(
    store: Store,
    export_id: int,
    out_path: Path | str,
    *,
    secret_store: SecretStore,
    redact_personal: bool | None = None,
    app_version: str = __version__,
    persona_label: PersonaLabelLookup | None = None,
    overwrite: bool = False,
) -> PackSummary:
    """Write the replies of an earlier export again (e.g. the first pack was lost); states stay as they are.

    ``redact_personal`` defaults to what the original export chose.
    """
    out_path = _check_destination(Path(out_path), overwrite)
    recover_pending_exports(store)
    row = reply_packs.reply_pack_export(store, export_id)
    if row is None or row[0] != "complete":
        raise KnownError(
            f"There is no completed reply pack with id {export_id}.", hint="See `understudy packs list`."
        )
    original = int(row[2]) if row[2] is not None else export_id
    if redact_personal is None:
        redact_personal = bool(row[1])
    return _write_pack(
        store,
        out_path,
        secret_store,
        reply_packs.IN_EXPORT,
        [original],
        empty=KnownError(f"Pack {export_id} holds no replies any more."),
        redact_personal=redact_personal,
        persona_label=persona_label,
        app_version=app_version,
        reexport_of=original,
    )


def list_exports(store: Store) -> list[dict[str, Any]]:
    """Every reply pack, newest first (completed, abandoned and re-exports)."""
    return reply_packs.list_reply_packs(store)
