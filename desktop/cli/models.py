"""`understudy models list|setup|add|remove|use|gpu`: the models folder and the model drafts use.

They call the same core (``ModelManager``, ``list_models``) the Settings page does. The model
servers and the downloads, also under `models`, have their own modules.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli._registry import arg, command
from desktop.cli._support import drain, format_size, print_table
from desktop.core.generation.preflight import gpu_offload_supported
from desktop.core.models import ensure_default_models, list_models
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken


@command("models list", help="show the models with size, quantization, architecture, context and template")
def cmd_models_list(paths: Paths, args: argparse.Namespace) -> int:
    drain(ensure_default_models(paths.models, CancelToken()))
    rows = []
    for facts in list_models(paths.models):
        if facts.error:
            rows.append(
                [facts.file_name, "-", format_size(facts.size_bytes), "-", "-", "-", "-", facts.error]
            )
            continue
        rows.append(
            [
                facts.file_name,
                facts.role,
                format_size(facts.size_bytes),
                facts.quantization or "?",
                facts.architecture or "?",
                str(facts.context_length or "?"),
                "yes" if facts.has_chat_template else "no",
                "",
            ]
        )
    print(f"Models in {paths.models}:")
    print_table(["FILE", "ROLE", "SIZE", "QUANT", "ARCH", "CONTEXT", "CHAT TEMPLATE", "PROBLEM"], rows)
    manager = ModelManager(paths)
    servers = manager.servers()
    if servers:
        print("\nModel servers (OpenAI-compatible):")
        print_table(
            ["NAME", "KIND", "URL", "MODEL", "MODE", "API KEY"],
            [
                [e.name, "server", e.url, e.model, e.mode, "in keychain" if e.has_key else "none"]
                for e in servers
            ],
        )
    print(f"\nDrafts use {manager.choice().describe()}.")
    print(_gpu_line(manager))
    return 0


@command("models setup", help="put the bundled default models into the models folder (no network)")
def cmd_models_setup(paths: Paths, args: argparse.Namespace) -> int:
    drain(ensure_default_models(paths.models, CancelToken()))
    print(f"The default models are ready in {paths.models}.")
    return 0


@command(
    "models add",
    help="add a GGUF model file (checked first)",
    arguments=[
        arg("path", help="the .gguf file"),
        arg(
            "--how",
            choices=["copy", "hardlink", "symlink"],
            default="copy",
            help="copy the file (default), or link to it to save disk space",
        ),
    ],
)
def cmd_models_add(paths: Paths, args: argparse.Namespace) -> int:
    facts = ModelManager(paths).add(Path(args.path), how=args.how)
    print(
        f"Added {facts.file_name}: {facts.architecture}, {facts.quantization}, context "
        f"{facts.context_length}, "
        f"chat template {'yes' if facts.has_chat_template else 'no'}."
    )
    return 0


@command(
    "models remove",
    help="remove a model from the models folder",
    arguments=[arg("name", help="the model's file name, as `models list` shows it")],
)
def cmd_models_remove(paths: Paths, args: argparse.Namespace) -> int:
    ModelManager(paths).remove(args.name)
    print(f"Removed {args.name}.")
    return 0


@command(
    "models use",
    help="draft with this model or model server from now on",
    arguments=[arg("name", help="a model's file name or a server's name, as `models list` shows it")],
)
def cmd_models_use(paths: Paths, args: argparse.Namespace) -> int:
    choice = ModelManager(paths).use(args.name)
    print(f"Drafts will use {choice.describe()} from now on.")
    return 0


@command(
    "models gpu",
    help="show or set the layers offloaded to a GPU",
    arguments=[
        arg("layers", nargs="?", help='"auto" (all, where this llama.cpp build has GPU support) or a number')
    ],
)
def cmd_models_gpu(paths: Paths, args: argparse.Namespace) -> int:
    manager = ModelManager(paths)
    if args.layers is not None:
        manager.set_gpu_layers(args.layers)
    print(_gpu_line(manager))
    return 0


def _gpu_line(manager: ModelManager) -> str:
    setting, layers = manager.gpu_layers_setting(), manager.gpu_layers()
    where = (
        "all layers on the GPU"
        if layers < 0
        else "CPU only"
        if layers == 0
        else f"{layers} layers on the GPU"
    )
    if not gpu_offload_supported() and (layers or setting == "auto"):
        where = "CPU only: this llama.cpp build has no GPU support (README: GPU)"
    return f"GPU layers: {setting} -> {where}."
