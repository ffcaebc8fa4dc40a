"""`understudy secrets status|passphrase`: where API keys, the webhook token and the pack-signing key are
kept, and the passphrase of the encrypted secrets file used where the system has no keychain."""

from __future__ import annotations

import argparse

from desktop.cli._registry import command, flag
from desktop.cli._support import ask_passphrase
from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.secret_file import SecretFile, check_new_passphrase
from desktop.core.secrets import (
    PASSPHRASE_ENV,
    keyring_status,
    passphrase_from_environment,
    system_keychain_available,
    unlock_secret_file,
)


@command("secrets status", help="say which store keeps secrets: the system keychain or the encrypted file")
def cmd_secrets_status(paths: Paths, args: argparse.Namespace) -> int:
    status = keyring_status(paths.secrets_file)
    print(status.message)
    print(f"(store: {status.store}; backend: {status.backend})")
    if status.store == "none":
        print("To keep them across sessions: `understudy secrets passphrase`.")
    return 0


def _ask_new_passphrase() -> str:
    first = check_new_passphrase(ask_passphrase("New passphrase (at least 8 characters): "))
    if ask_passphrase("The same passphrase again: ") != first:
        raise KnownError("The two passphrases differ; nothing was changed.")
    return first


@command(
    "secrets passphrase",
    help=f"without a system keychain: keep secrets in a file encrypted with a passphrase you choose "
    f"(asked without echo, or read from {PASSPHRASE_ENV})",
    arguments=[flag("--change", "give the existing secrets file a new passphrase")],
)
def cmd_secrets_passphrase(paths: Paths, args: argparse.Namespace) -> int:
    path = paths.secrets_file
    if args.change:
        if not path.exists():
            raise KnownError(
                f"There is no secrets file at {path} yet.", hint="Run without --change to make one."
            )
        opened = SecretFile.open(
            path, passphrase_from_environment() or ask_passphrase("Current passphrase: ")
        )
        opened.change_passphrase(_ask_new_passphrase())
        print(f"The secrets file {path} now opens with the new passphrase.")
        return 0
    if path.exists():
        raise KnownError(
            f"The secrets file {path} already exists.", hint="Use --change to give it a new passphrase."
        )
    if system_keychain_available():
        raise KnownError(
            "This computer has a system keychain, and secrets are kept there; an encrypted file is only "
            "for computers without one."
        )
    from_environment = passphrase_from_environment()
    passphrase = check_new_passphrase(from_environment) if from_environment else _ask_new_passphrase()
    unlock_secret_file(path, passphrase, create=True)
    print(
        f"Secrets are now kept in {path}, encrypted with your passphrase. Commands ask for it (or read "
        f"{PASSPHRASE_ENV}); the app asks once per session."
    )
    return 0
