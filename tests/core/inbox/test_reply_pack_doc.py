"""docs/REPLY_PACK.md is what other tools build on: its standalone script must verify a real pack,
and refuse a changed one or another creator's key."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.core.inbox import approve, export_pack, save_draft
from desktop.core.inbox.signing import PublicKey, profile_public_key
from desktop.core.secrets import SecretStore
from desktop.core.store import Store

from .conftest import add_messages

DOC = Path(__file__).resolve().parents[3] / "docs" / "REPLY_PACK.md"


def doc_code_block(first_line_prefix: str) -> str:
    """The python block of docs/REPLY_PACK.md whose first line starts with ``first_line_prefix``."""
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S):
        if block.startswith(first_line_prefix):
            return block
    raise AssertionError(f"no python block starting {first_line_prefix!r} in {DOC}")


def _run_script(script: Path, pack: Path, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), str(pack), str(key)], capture_output=True, text=True)


def test_the_documented_script_verifies_a_real_pack(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    items = add_messages(store)
    for item in items[:3]:
        save_draft(store, item, "Thanks! 🙌")
        approve(store, item)
    pack = tmp_path / "pack.zip"
    export_pack(store, pack, secret_store=secret_store)
    public = profile_public_key(store)
    assert public is not None
    key = tmp_path / "creator.pem"
    key.write_text(public.pem(), encoding="ascii")
    script = tmp_path / "verify_reply_pack.py"
    script.write_text(doc_code_block("# verify_reply_pack.py"), encoding="utf-8")

    done = _run_script(script, pack, key)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "verified: 3 replies"

    # One changed byte in a reply, another creator's key: both refused.
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(changed, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(b"Thanks!", b"Thanks?") if name == "replies.jsonl" else data)
    done = _run_script(script, changed, key)
    assert done.returncode != 0 and "replies.jsonl was changed" in done.stderr
    other = tmp_path / "other.pem"
    other.write_text(PublicKey(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).pem())
    done = _run_script(script, pack, other)
    assert done.returncode != 0 and "InvalidSignature" in done.stderr
