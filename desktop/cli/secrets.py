"""`understudy secrets status`: whether a system keychain keeps the API keys and signing keys."""

from __future__ import annotations

import argparse

from desktop.cli._registry import command
from desktop.core.paths import Paths
from desktop.core.secrets import keyring_status


@command("secrets status", help="say whether a system keychain is available")
def cmd_secrets_status(paths: Paths, args: argparse.Namespace) -> int:
    status = keyring_status()
    print(status.message)
    print(f"(backend: {status.backend})")
    return 0
