"""`understudy models server add|test|remove`: OpenAI-compatible model servers from the command line.

They call the same core (``ModelManager``, ``check_server``) the Settings page does. An API key
is read without echo and goes to the keychain only.
"""

from __future__ import annotations

import argparse
import getpass

from desktop.cli._registry import arg, command, flag, group
from desktop.core.errors import KnownError
from desktop.core.models.manager import ModelManager
from desktop.core.models.servers import check_server
from desktop.core.paths import Paths

SERVER_NAME = arg("name", help="the server's name, as `models list` shows it")

group("models server", help="draft with an OpenAI-compatible server (llama.cpp, vLLM, Ollama, LM Studio)")


@command(
    "models server add",
    help="add (or change) a model server",
    arguments=[
        arg("name", help="a short name for it, e.g. gpu-box"),
        arg("--url", required=True, help="the API's address, e.g. http://127.0.0.1:8080/v1"),
        arg("--model", required=True, help="the model's name as the server lists it"),
        arg(
            "--mode",
            choices=["chat", "completion"],
            default="chat",
            help="chat for instruct models (default), completion for base models without a chat template",
        ),
        flag("--api-key-prompt", "ask for an API key (typed without echo, kept in the system keychain)"),
        arg("--context", type=int, metavar="TOKENS", help="the served context length (default 4096)"),
        arg("--timeout", type=float, metavar="SECONDS", help="how long to wait for an answer (default 60)"),
    ],
)
def cmd_models_server_add(paths: Paths, args: argparse.Namespace) -> int:
    key = None
    if args.api_key_prompt:
        key = getpass.getpass(f"API key for {args.name} (not shown): ").strip()
        if not key:
            raise KnownError("No API key was entered, so nothing was saved.")
    entry = ModelManager(paths).add_server(
        args.name,
        args.url,
        args.model,
        mode=args.mode,
        api_key=key,
        context_length=args.context,
        timeout_s=args.timeout,
    )
    key_note = "its API key is in the keychain" if entry.has_key else "no API key"
    print(
        f"Added the model server '{entry.name}': {entry.model} at {entry.url} ({entry.mode} mode, "
        f"{key_note})."
    )
    print(
        f"Test it with `understudy models server test {entry.name}`; "
        f"draft with it after `understudy models use {entry.name}`."
    )
    return 0


@command(
    "models server test",
    help="send a one-token request and show the time it took",
    arguments=[SERVER_NAME],
)
def cmd_models_server_test(paths: Paths, args: argparse.Namespace) -> int:
    entry = ModelManager(paths).server(args.name)
    print(f"Testing '{entry.name}' ({entry.model} at {entry.url})…", flush=True)
    print(check_server(entry).message())
    return 0


@command("models server remove", help="forget a model server and its key", arguments=[SERVER_NAME])
def cmd_models_server_remove(paths: Paths, args: argparse.Namespace) -> int:
    manager = ModelManager(paths)
    was_chosen = manager.choice().name == args.name and manager.choice().is_server
    manager.remove_server(args.name)
    print(
        f"Removed the model server '{args.name}'"
        + (f"; drafts use {manager.choice().describe()} again." if was_chosen else ".")
    )
    return 0
