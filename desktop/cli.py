"""The headless commands. Each one calls the same core functions the GUI drives.

``understudy [--basedir DIR] [--profile NAME] COMMAND ...``; with no command, the GUI opens.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import APP_NAME, __version__
from desktop.cli_downloads import add_download_parsers, cmd_models_catalogue, cmd_models_download
from desktop.cli_servers import add_server_parsers, cmd_models_server
from desktop.core.display_text import TerminalSafeStream
from desktop.core.errors import KnownError
from desktop.core.paths import BASEDIR_ENV, DEFAULT_PROFILE, Paths
from desktop.core.tasks import CancelToken, Progress

if TYPE_CHECKING:
    from desktop.core.store import Store


def _common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # On sub-commands the defaults are suppressed, so `understudy --basedir X models list`
    # and `understudy models list --basedir X` both work and neither overrides the other.
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--basedir",
        metavar="DIR",
        default=default,
        help=f"keep all data, models and settings under DIR (also: ${BASEDIR_ENV})",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=DEFAULT_PROFILE if top_level else argparse.SUPPRESS,
        help="the persona profile to use (default: %(default)s)"
        if top_level
        else "the persona profile to use",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="understudy",
        description=f"{APP_NAME}: drafts replies in your voice, on this computer, for you to approve. "
        "With no command, the app window opens.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _common_options(parser, top_level=True)
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="check this installation end to end and quit: open the window, visit every page, "
        "import the demo archive, draft a reply, export and verify a reply pack",
    )
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, top_level=False)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    models = commands.add_parser("models", help="list and set up the on-device models", parents=[common])
    models_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_commands.add_parser(
        "list",
        help="show the models with size, quantization, architecture, context and template",
        parents=[common],
    )
    models_commands.add_parser(
        "setup", help="put the bundled default models into the models folder (no network)", parents=[common]
    )
    add_model = models_commands.add_parser(
        "add", help="add a GGUF model file (checked first)", parents=[common]
    )
    add_model.add_argument("path", help="the .gguf file")
    add_model.add_argument(
        "--how",
        choices=["copy", "hardlink", "symlink"],
        default="copy",
        help="copy the file (default), or link to it to save disk space",
    )
    remove_model = models_commands.add_parser(
        "remove", help="remove a model from the models folder", parents=[common]
    )
    remove_model.add_argument("name", help="the model's file name, as `models list` shows it")
    use_model = models_commands.add_parser(
        "use", help="draft with this model or model server from now on", parents=[common]
    )
    use_model.add_argument("name", help="a model's file name or a server's name, as `models list` shows it")
    gpu = models_commands.add_parser(
        "gpu", help="show or set the layers offloaded to a GPU", parents=[common]
    )
    gpu.add_argument(
        "layers", nargs="?", help='"auto" (all, where this llama.cpp build has GPU support) or a number'
    )
    add_server_parsers(models_commands, common)
    add_download_parsers(models_commands, common)

    profiles = commands.add_parser("profiles", help="list or create persona profiles", parents=[common])
    profiles_commands = profiles.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    profiles_commands.add_parser("list", help="show the profiles", parents=[common])
    create = profiles_commands.add_parser(
        "create", help="create a profile with its own store", parents=[common]
    )
    create.add_argument("name", help="the new profile's name")

    store = commands.add_parser("store", help="inspect a profile's local store", parents=[common])
    store_commands = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    store_commands.add_parser("info", help="schema version, file size and row counts", parents=[common])

    drafting = commands.add_parser(
        "draft",
        help="draft your reply to a message with the on-device model (nothing is sent)",
        parents=[common],
    )
    drafting.add_argument("message", help="the incoming message, in quotes")
    drafting.add_argument("--platform", metavar="ID", help="where the message came from (e.g. instagram)")
    drafting.add_argument("--seed", type=int, default=0, help="another seed gives another draft")
    drafting.add_argument(
        "--json", action="store_true", help="print the draft with its sources, guard and timings"
    )
    drafting.add_argument(
        "--candidates",
        type=int,
        metavar="N",
        help="choose among N model drafts (default: the profile's setting, 4)",
    )

    importing = commands.add_parser(
        "import",
        help="import data-export archives (zip, folder or file); the format is detected",
        parents=[common],
    )
    importing.add_argument("paths", nargs="+", metavar="PATH", help="archives to import")
    importing.add_argument(
        "--me", metavar="NAME", help="your name in chats whose export does not say (WhatsApp)"
    )
    importing.add_argument("--platform", metavar="ID", help="force the format when detection is ambiguous")
    importing.add_argument("--json", action="store_true", help="print a machine-readable summary")

    sources = commands.add_parser("sources", help="list or remove imported archives", parents=[common])
    sources_commands = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    sources_list = sources_commands.add_parser(
        "list", help="every import with counts and warnings", parents=[common]
    )
    sources_list.add_argument("--json", action="store_true", help="print a machine-readable list")
    sources_remove = sources_commands.add_parser(
        "remove", help="remove one import and the items no other import holds", parents=[common]
    )
    sources_remove.add_argument("id", type=int, help="the source id shown by `sources list`")

    secrets = commands.add_parser("secrets", help="where secrets such as API keys are kept", parents=[common])
    secrets_commands = secrets.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    secrets_commands.add_parser("status", help="say whether a system keychain is available", parents=[common])

    _inbox_parsers(commands, common)

    persona = commands.add_parser(
        "persona",
        help="show, change, export and import the persona; its versions and style profile",
        parents=[common],
    )
    persona_commands = persona.add_subparsers(dest="persona_command", metavar="ACTION", required=True)
    persona_show = persona_commands.add_parser("show", help="the active persona version", parents=[common])
    persona_show.add_argument("--json", action="store_true", help="print the persona as JSON")
    persona_set = persona_commands.add_parser(
        "set",
        help="change one setting and save a new version",
        description="Change one setting and save a new version. Examples: `sliders.emoji 60`, "
        "`boundaries.never_say+ guaranteed` (KEY+ appends to a list, KEY- removes), "
        '`boundaries.allow_promises false`, `boundaries.canned_replies.politics "I keep politics off here"`, '
        '`identity.products+ "Strength plan https://example.com/plan"`.',
        parents=[common],
    )
    persona_set.add_argument("key", help="the setting, e.g. sliders.emoji or boundaries.never_say+")
    persona_set.add_argument("value", help="the new value (a list also takes a JSON list)")
    persona_set.add_argument("--yes", action="store_true", help="confirm turning AI disclosure off")
    persona_export = persona_commands.add_parser(
        "export", help="write the persona to a file (JSON, or a Character Card V2)", parents=[common]
    )
    persona_export.add_argument("file", help="the file to write")
    persona_export.add_argument(
        "--format",
        choices=("json", "card"),
        default="json",
        help="json: complete backup; card: chara_card_v2",
    )
    persona_import = persona_commands.add_parser(
        "import",
        help="read a persona (Understudy JSON or a character card) as a new version",
        parents=[common],
    )
    persona_import.add_argument("file", help="a .json persona or character card, or a PNG card")
    persona_history = persona_commands.add_parser(
        "history", help="every saved version with its changes", parents=[common]
    )
    persona_history.add_argument("--json", action="store_true", help="print a machine-readable list")
    persona_restore = persona_commands.add_parser(
        "restore", help="make an earlier version active again (saved as a new version)", parents=[common]
    )
    persona_restore.add_argument("version", type=int, help="the version id shown by `persona history`")
    persona_presets = persona_commands.add_parser(
        "presets", help="list the presets, or start over from one", parents=[common]
    )
    persona_presets.add_argument(
        "name", nargs="?", help="a preset to apply (keeps your name, facts and products)"
    )
    persona_profile = persona_commands.add_parser(
        "profile", help="compute the style profile from your own messages and posts", parents=[common]
    )
    persona_profile.add_argument("--json", action="store_true", help="print the profile as JSON")
    persona_eval = persona_commands.add_parser(
        "eval",
        help="draft your golden inbox (real messages you answered) and compare with your real replies",
        description="Drafts the golden inbox, real messages you answered held out of the examples, with the "
        "active persona, and measures each draft against what you actually wrote: style (length, emoji, "
        "punctuation, formality), meaning, and the guard's findings. Shown beside the previous run.",
        parents=[common],
    )
    persona_eval.add_argument("--json", action="store_true", help="print the report and comparison as JSON")
    persona_eval.add_argument("--limit", type=int, metavar="N", help="draft only the first N golden messages")
    _eval_parsers(commands, common)
    return parser


def _eval_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    """The `eval` group: measurements on the labelled sets shipped with the app."""
    evaluation = commands.add_parser(
        "eval", help="measure the guard and triage on labelled fan messages", parents=[common]
    )
    eval_commands = evaluation.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    guard = eval_commands.add_parser(
        "guard",
        help="triage every labelled message and check the guard on real drafts of the active model",
        description="Runs triage on every labelled fan message (resources/eval/guard) and the guard on real "
        "drafts of the active model for the demo personas, in throw-away profiles. Prints, per category and "
        "language: red recall and precision, ordinary messages triaged red, invented specifics that passed "
        "unflagged, contradictions missed, false flags on fine drafts, AI-honesty misses.",
        parents=[common],
    )
    _labelled_set_arguments(guard)
    guard.add_argument(
        "--triage-only", action="store_true", help="skip the drafts (triage alone takes seconds)"
    )
    drafts = eval_commands.add_parser(
        "drafts",
        help="draft the labelled messages and count how many could be approved as they are",
        description="Drafts the non-red labelled fan messages (resources/eval/guard) for the three demo "
        "personas with "
        "the active model, as the app drafts them (candidates, your past answers, the guard), and applies "
        "the "
        "rubric in desktop/core/evaluation/draft_eval.py: approvable as is, past answer chosen, needs an "
        "edit, "
        "and the fact carried where you answered before.",
        parents=[common],
    )
    _labelled_set_arguments(drafts)
    drafts.add_argument(
        "--candidates", type=int, default=4, metavar="N", help="model candidates per draft (default 4)"
    )
    eval_commands.add_parser(
        "tune-triage",
        help="choose the triage classifier's thresholds on the development half (prints them)",
        description="Scores the development half's English messages with the rules and the classifier, and "
        "prints the thresholds the documented procedure chooses (desktop/core/evaluation/triage_tuning.py), "
        "with the recall they give on that half. The test half is not read.",
        parents=[common],
    )


def _labelled_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every run over the labelled set takes: output, half, size, persona."""
    parser.add_argument("--json", action="store_true", help="print the tables and every row as JSON")
    parser.add_argument("--split", choices=("dev", "test"), help="one half of the set (default: both)")
    parser.add_argument("--limit", type=int, metavar="N", help="draft at most N messages per persona")
    parser.add_argument("--persona", choices=("maya", "coach", "photographer"), help="one demo persona only")


def _drain(progress: Iterator[Any], *, quiet: bool = False) -> Any:
    """Run a core generator to its end, printing its ``Progress`` to stderr; return its result."""
    while True:
        try:
            step = next(progress)
        except StopIteration as stop:
            return stop.value
        if quiet or not isinstance(step, Progress):
            continue
        counter = f" ({step.done}/{step.total})" if step.total else ""
        print(f"{step.message}{counter}", file=sys.stderr, flush=True)


def _format_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _gpu_line(manager: Any) -> str:
    from desktop.core.generation.preflight import gpu_offload_supported

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


def cmd_models_gpu(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models.manager import ModelManager

    manager = ModelManager(paths)
    if args.layers is not None:
        manager.set_gpu_layers(args.layers)
    print(_gpu_line(manager))
    return 0


def cmd_models_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models import ensure_default_models, list_models

    _drain(ensure_default_models(paths.models, CancelToken()))
    rows = []
    for facts in list_models(paths.models):
        if facts.error:
            rows.append(
                [facts.file_name, "-", _format_size(facts.size_bytes), "-", "-", "-", "-", facts.error]
            )
            continue
        rows.append(
            [
                facts.file_name,
                facts.role,
                _format_size(facts.size_bytes),
                facts.quantization or "?",
                facts.architecture or "?",
                str(facts.context_length or "?"),
                "yes" if facts.has_chat_template else "no",
                "",
            ]
        )
    print(f"Models in {paths.models}:")
    _print_table(["FILE", "ROLE", "SIZE", "QUANT", "ARCH", "CONTEXT", "CHAT TEMPLATE", "PROBLEM"], rows)
    from desktop.core.models.manager import ModelManager

    manager = ModelManager(paths)
    servers = manager.servers()
    if servers:
        print("\nModel servers (OpenAI-compatible):")
        _print_table(
            ["NAME", "KIND", "URL", "MODEL", "MODE", "API KEY"],
            [
                [e.name, "server", e.url, e.model, e.mode, "in keychain" if e.has_key else "none"]
                for e in servers
            ],
        )
    print(f"\nDrafts use {manager.choice().describe()}.")
    print(_gpu_line(manager))
    return 0


def cmd_models_setup(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models import ensure_default_models

    _drain(ensure_default_models(paths.models, CancelToken()))
    print(f"The default models are ready in {paths.models}.")
    return 0


def cmd_models_add(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models.manager import ModelManager

    facts = ModelManager(paths).add(Path(args.path), how=args.how)
    print(
        f"Added {facts.file_name}: {facts.architecture}, {facts.quantization}, context "
        f"{facts.context_length}, "
        f"chat template {'yes' if facts.has_chat_template else 'no'}."
    )
    return 0


def cmd_models_remove(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models.manager import ModelManager

    ModelManager(paths).remove(args.name)
    print(f"Removed {args.name}.")
    return 0


def cmd_models_use(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models.manager import ModelManager

    choice = ModelManager(paths).use(args.name)
    print(f"Drafts will use {choice.describe()} from now on.")
    return 0


def cmd_profiles_list(paths: Paths, args: argparse.Namespace) -> int:
    names = paths.list_profiles()
    if not names:
        print(f"No profiles yet; '{DEFAULT_PROFILE}' is created when the app first opens one.")
    for name in names:
        print(name)
    return 0


def cmd_profiles_create(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import open_store

    if args.name in paths.list_profiles():
        raise KnownError(f"A profile named '{args.name}' already exists.")
    profile = paths.create_profile(args.name)
    open_store(profile.store).close()
    print(f"Created profile '{args.name}' in {profile.root}.")
    return 0


def cmd_store_info(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import open_store, store_summary

    profile = paths.profile(args.profile)
    if not profile.store.exists():
        raise KnownError(
            f"Profile '{args.profile}' has no store yet.",
            hint="Create it with `understudy profiles create NAME`, or open the app once.",
        )
    with open_store(profile.store) as store:
        summary = store_summary(store)
    print(f"Store of profile '{args.profile}': {summary['path']}")
    print(
        f"  schema version: {summary['schema_version']} (this Understudy knows up to "
        f"{summary['known_schema_version']})"
    )
    print(f"  journal mode: {summary['journal_mode']}")
    print(f"  size: {_format_size(summary['file_size_bytes'])}")
    for table, count in summary["rows"].items():
        print(f"  {table}: {count} rows")
    return 0


def _open_profile_store(paths: Paths, args: argparse.Namespace) -> "Store":
    from desktop.core.store import open_store

    return open_store(paths.create_profile(args.profile).store)


def cmd_import(paths: Paths, args: argparse.Namespace) -> int:
    """Import each archive in turn; one that fails is reported and the others still land."""
    from desktop.core.importers.pipeline import import_archive

    summaries, failures = [], 0
    with _open_profile_store(paths, args) as store:
        for path in args.paths:
            try:
                summary = _drain(
                    import_archive(store, path, me=args.me, platform=args.platform, cancel=CancelToken())
                )
            except KnownError as error:
                failures += 1
                print(f"{APP_NAME}: {path}: {error}", file=sys.stderr)
                continue
            summaries.append(summary)
            if not args.json:
                print(
                    f"{path}: {summary.label} ({summary.version}) as source {summary.id}: {summary.items} "
                    "items "
                    f"({summary.new_items} new): {summary.posts} posts, {summary.comments} comments, "
                    f"{summary.messages} messages in {summary.threads} threads; {summary.exchanges} "
                    "exchanges, "
                    f"{summary.inbox_candidates} awaiting a reply"
                )
                for warning in summary.warnings:
                    print(f"  warning: {warning}")
    if args.json:
        print(json.dumps({"sources": [s.as_dict() for s in summaries]}, ensure_ascii=False, indent=2))
    return 1 if failures else 0


def cmd_draft(paths: Paths, args: argparse.Namespace) -> int:
    """Draft one reply with the creator's active persona, grounded in their imported archives."""
    from desktop.core.generation.session import DraftingSession

    with DraftingSession(paths, args.profile) as session:
        _drain(session.open(CancelToken()))
        if args.candidates is not None and not 1 <= args.candidates <= 8:
            raise KnownError("--candidates must be between 1 and 8.")
        draft = _drain(
            session.draft(args.message, seed=args.seed, platform=args.platform, candidates=args.candidates),
            quiet=True,
        )
    if args.json:
        print(json.dumps(draft.to_json_dict(), ensure_ascii=False, indent=2))
        return 0
    if not draft.triage.draft_allowed:
        print("No draft: this message needs you, not the clone.")
        for reason in draft.triage.reasons:
            print(f"  - {reason}")
        return 0
    print(draft.text)
    state = (
        "BLOCKED" if draft.blocked else "needs an edit" if draft.guard and draft.guard.needs_edit else "ok"
    )
    print(
        f"\n[guard: {state}; {draft.attempts} attempt(s); model {draft.model}; persona version "
        f"{draft.persona_version}]"
    )
    for finding in draft.guard.findings if draft.guard else []:
        print(f"  {finding.severity}: {finding.message}")
    if draft.guard and draft.guard.canned_reply:
        print(f"  your reply for this topic: {draft.guard.canned_reply}")
    if draft.chosen is not None:
        print(
            f"  chosen: {draft.chosen.label}, score {draft.chosen.score:.2f} ({_parts(draft.chosen.parts)})"
        )
    for number, other in enumerate(draft.alternatives, 1):
        print(f"  alternative {number}: {other.label}, score {other.score:.2f}: {other.text[:100]}")
    for source in draft.sources:
        print(f"  source ({source.role}, {source.score:.2f}): {source.text[:100]}")
    return 0


def _parts(parts: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:+.2f}" for name, value in parts.items() if value)


def cmd_sources_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import list_sources

    with _open_profile_store(paths, args) as store:
        sources = list_sources(store)
    if args.json:
        print(json.dumps({"sources": sources}, ensure_ascii=False, indent=2))
        return 0
    if not sources:
        print("Nothing imported yet: `understudy import PATH`.")
    for source in sources:
        counts = ", ".join(f"{n} {kind}s" for kind, n in source["counts"].items()) or "no items"
        print(
            f"{source['id']:>4}  {source['platform']:<10} {source['imported_at'][:16]}  "
            f"{source['filename']}: {counts}"
        )
        for warning in source["warnings"]:
            print(f"      warning: {warning}")
    return 0


def cmd_sources_remove(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import delete_source

    with _open_profile_store(paths, args) as store:
        try:
            result = delete_source(store, args.id)
        except KeyError:
            raise KnownError(
                f"There is no import with id {args.id}.", hint="See `understudy sources list`."
            ) from None
    line = (
        f"Removed source {args.id} ({result.filename}) and {_items(result.removed)} that came only from it."
    )
    if result.kept:
        holders = ", ".join(str(n) for n in result.kept_by)
        also = f"source {holders} also has" if len(result.kept_by) == 1 else f"sources {holders} also have"
        line += f" {_items(result.kept)} stay because {also} them."
    print(line)
    return 0


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def cmd_secrets_status(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.secrets import keyring_status

    status = keyring_status()
    print(status.message)
    print(f"(backend: {status.backend})")
    return 0


def _print_persona(version_id: int | None, persona: Any, note: str = "") -> None:
    from desktop.core.persona.model import PROMISE_KINDS

    if version_id is None:
        print("Persona (not saved yet; sliders calibrated from your archive)")
    else:
        print(f"Persona version {version_id}" + (f": {note}" if note else ""))
    print(f"Name: {persona.display_name}")
    print("Sliders (0-100):")
    for name, value in persona.sliders.items():
        print(f"  {name:<15} {value:>5g}  {'#' * round(value / 5)}")
    if persona.style_notes:
        print(f"Style notes: {persona.style_notes}")
    if persona.example_dialogue:
        print(f"Example dialogue (notes): {len(persona.example_dialogue.splitlines())} lines")
    bounds = persona.boundaries
    print("Boundaries:")
    for topic in bounds.avoid_topics:
        canned = bounds.canned_replies.get(topic)
        print(f"  avoid: {topic}" + (f"  (canned reply: {canned})" if canned else ""))
    for topic, reply in bounds.canned_replies.items():
        if topic not in bounds.avoid_topics:
            print(f"  canned reply for {topic}: {reply}")
    print("  never say: " + (", ".join(bounds.never_say) or "-"))
    print(
        "  promises: "
        + ", ".join(f"{k} {'allowed' if bounds.promise_allowed(k) else 'never'}" for k in PROMISE_KINDS)
    )
    print(f"  personal details: {'allowed' if bounds.allow_personal_details else 'never'}")
    print(f"  private facts: {len(bounds.private_facts)} (never shown, never revealed)")
    print("  escalate: " + (", ".join(bounds.escalation_topics) or "-"))
    label = (
        f"on, at the {bounds.disclosure_position}: {bounds.disclosure_label}" if bounds.disclose_ai else "off"
    )
    print(f"  AI disclosure: {label}")
    print(f"  answer to 'are you a bot?': {bounds.disclosure_reply}")
    print(f"  when you have no answer: {bounds.no_answer_reply}")
    ident = persona.identity
    print("Identity:")
    for title, values in (("values", ident.values), ("goals", ident.goals), ("projects", ident.projects)):
        print(f"  {title}: " + ("; ".join(values) or "-"))
    for product in ident.products:
        print(f"  product: {product.name}" + (f" {product.url}" if product.url else ""))
    print("  links drafts may contain: " + (", ".join(persona.allowed_links()) or "none"))
    print("Facts:" + ("" if persona.facts else " -"))
    for fact in persona.facts:
        print(f"  - {fact}")


def cmd_persona_show(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.versions import get_version, load_persona_for_editing

    with _open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
        note = get_version(store, version_id).note if version_id is not None else ""
    if args.json:
        print(json.dumps({"version": version_id, "persona": persona.to_dict()}, ensure_ascii=False, indent=2))
    else:
        _print_persona(version_id, persona, note)
    return 0


def cmd_persona_set(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.edit import set_value
    from desktop.core.persona.versions import diff_personas, load_persona_for_editing, save_persona

    with _open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
        changed = set_value(persona, args.key, args.value)
        if persona.boundaries.disclose_ai and not changed.boundaries.disclose_ai and not args.yes:
            from desktop.core.persona.model import AI_DISCLOSURE_RULES

            print(AI_DISCLOSURE_RULES)
            answer = input("Turn AI disclosure off? [y/N] ") if sys.stdin.isatty() else ""
            if answer.strip().lower() not in ("y", "yes"):
                print("AI disclosure stays on (run again with --yes to turn it off).")
                return 1
        if version_id is not None and not diff_personas(persona, changed):
            print(f"No change: persona version {version_id} already has that.")
            return 0
        new_id = save_persona(store, changed, note="; ".join(diff_personas(persona, changed)))
    print(f"Saved persona version {new_id}: " + "; ".join(diff_personas(persona, changed) or ["no changes"]))
    return 0


def cmd_persona_export(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.card import export_persona
    from desktop.core.persona.versions import load_persona_for_editing

    with _open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
    path = export_persona(persona, args.file, format=args.format, version_id=version_id)
    what = "Character Card V2" if args.format == "card" else "Understudy persona JSON"
    print(
        f"Wrote persona version {version_id if version_id is not None else '(unsaved)'} to {path} as {what}."
    )
    if args.format == "card" and persona.boundaries.private_facts:
        print("Private facts are not written to a card; use --format json for a complete backup.")
    return 0


def cmd_persona_import(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.card import import_persona_file
    from desktop.core.persona.versions import save_persona

    result = import_persona_file(args.file)
    with _open_profile_store(paths, args) as store:
        version_id = save_persona(store, result.persona, note=f"imported from {Path(args.file).name}")
    print(f"Imported {args.file} ({result.kind}) as persona version {version_id}.")
    for line in result.mapped:
        print(f"  set: {line}")
    for line in result.not_mapped:
        print(f"  not mapped: {line}")
    for line in result.problems:
        print(f"  warning: {line}")
    return 0


def cmd_persona_history(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.versions import list_versions

    with _open_profile_store(paths, args) as store:
        versions = list_versions(store)
    if args.json:
        rows = [
            {"id": v.id, "created_at": v.created_at, "note": v.note, "active": i == 0}
            for i, v in enumerate(versions)
        ]
        print(json.dumps({"versions": rows}, ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print("No persona saved yet: `understudy persona set KEY VALUE` saves the first version.")
        return 0
    _print_table(
        ["", "VERSION", "SAVED (UTC)", "CHANGES"],
        [
            ["*" if i == 0 else "", str(v.id), v.created_at[:16].replace("T", " "), v.note]
            for i, v in enumerate(versions)
        ],
    )
    return 0


def cmd_persona_restore(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.versions import load_active_persona, restore_version

    with _open_profile_store(paths, args) as store:
        before, _ = load_active_persona(store)
        new_id = restore_version(store, args.version)
    if new_id == before:
        print(f"Version {args.version} is already the active persona (version {new_id}).")
    else:
        print(f"Restored version {args.version} as persona version {new_id}.")
    return 0


def cmd_persona_presets(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.presets import apply_preset, list_presets, load_preset
    from desktop.core.persona.versions import load_persona_for_editing, save_persona

    if not args.name:
        for preset in list_presets():
            print(f"{preset.id:<16} {preset.name}: {preset.description}")
        return 0
    preset = load_preset(args.name)
    with _open_profile_store(paths, args) as store:
        _, persona = load_persona_for_editing(store)
        version_id = save_persona(
            store, apply_preset(persona, preset), note=f"started from preset {args.name}"
        )
    print(f"Applied preset '{args.name}' as persona version {version_id}.")
    return 0


def _print_profile(profile: Any) -> None:
    o = profile.overall
    if not o.items:
        print("No messages or posts of yours in this profile yet: `understudy import PATH` first.")
        return
    sample = (
        f", an even sample: one in {profile.sample_every} of {profile.own_items}" if profile.sampled else ""
    )
    print(
        f"Style profile from {o.items} of your messages, comments and posts "
        f"({profile.skipped_empty} without text skipped{sample})"
    )
    print(f"  length: median {o.words_median:g} words, mean {o.words_mean:g}, 90% within {o.words_p90}")
    print("  length histogram: " + ", ".join(f"{label} words: {n}" for label, n in o.length_histogram))
    print(
        f"  emoji: {o.emoji_per_item:g} per item, in {o.emoji_item_share:.0%} of items; favourites: "
        + (" ".join(f"{e} {n}" for e, n in o.top_emoji) or "-")
    )
    print(f"  exclamation marks in {o.exclamation_rate:.0%} of items; questions in {o.question_rate:.0%}")
    print(f"  all lower case: {o.all_lowercase_share:.0%}; starts lower case: {o.lowercase_start_share:.0%}")
    print(
        f"  laughs {o.laugh_rate:.0%}, warm words {o.warm_rate:.0%}, hedges {o.hedge_rate:.0%}, "
        f"links {o.link_rate:.0%}, self-promotion {o.self_promotion_rate:.0%}, formality "
        f"{o.formality_mean:.2f}"
    )
    print("  greetings: " + (", ".join(f"{g} ({n})" for g, n in profile.greetings) or "-"))
    print("  sign-offs: " + (", ".join(f"{g} ({n})" for g, n in profile.sign_offs) or "-"))
    print("  recurring phrases: " + (", ".join(f"{g} ({n})" for g, n in profile.phrases) or "-"))
    print("  languages (a guess): " + ", ".join(f"{code} {n}" for code, n in profile.languages.items()))
    busiest = sorted(range(24), key=lambda h: (-o.hours_utc[h], h))[:3]
    print(
        "  busiest hours (UTC): "
        + ", ".join(f"{h:02d}:00 ({o.hours_utc[h]})" for h in busiest if o.hours_utc[h])
    )
    for title, splits in (("platform", profile.by_platform), ("kind", profile.by_kind)):
        for name, s in splits.items():
            print(
                f"  {title} {name}: {s.items} items, median {s.words_median:g} words, emoji "
                f"{s.emoji_per_item:g}/item, "
                f"! {s.exclamation_rate:.0%}, ? {s.question_rate:.0%}, lower case {s.all_lowercase_share:.0%}"
            )


def cmd_persona_profile(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.persona.style import calibrated_sliders, iter_style_profile, save_style_profile

    with _open_profile_store(paths, args) as store:
        profile = _drain(iter_style_profile(store, CancelToken()))
        save_style_profile(store, profile)
    if args.json:
        print(
            json.dumps(
                {"profile": profile.to_dict(), "calibrated_sliders": calibrated_sliders(profile)},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    _print_profile(profile)
    if profile.items:
        print(
            "Calibrated slider defaults: "
            + ", ".join(f"{k} {v:g}" for k, v in calibrated_sliders(profile).items())
        )
    return 0


def cmd_persona_eval(paths: Paths, args: argparse.Namespace) -> int:
    """Draft the golden inbox with the active persona, save the report, show it beside the last one."""
    from desktop.core.generation.session import DraftingSession
    from desktop.core.persona.evaluation import compare_reports, latest_report, run_eval, save_report

    if args.limit is not None and args.limit < 1:
        raise KnownError("--limit must be 1 or more.")
    with DraftingSession(paths, args.profile) as session:
        _drain(session.open(CancelToken()))
        assert session.store is not None
        previous = latest_report(session.store)
        report = _drain(run_eval(session, limit=args.limit, cancel=CancelToken()))
        save_report(session.store, report)
    comparison = compare_reports(previous, report)
    if args.json:
        print(
            json.dumps(
                {
                    "report": report.to_dict(),
                    "previous": previous.to_dict() if previous else None,
                    "comparison": comparison.to_dict(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(comparison.to_text())
    print("\nEach golden message (yours / the draft):")
    for case in report.cases:
        scores = "no draft"
        if case.drafted:
            scores = f"meaning {case.similarity:.2f}, style {case.distance['style']:.2f}"
        print(f"  [{case.platform}] {case.incoming[:60]!r} ({scores})")
        print(f"      you:   {case.reply[:100]!r}")
        print(f"      draft: {case.draft[:100]!r}" + ("  [blocked]" if case.blocked else ""))
    return 0


def _labelled_set_run(paths: Paths, args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The model choice (a local file or a server) and the labelled rows an eval run over the set
    takes (its shared options)."""
    from desktop.core.evaluation.dataset import load_rows
    from desktop.core.models.manager import ModelManager

    if args.limit is not None and args.limit < 1:
        raise KnownError("--limit must be 1 or more.")
    paths.ensure()
    model = ModelManager(paths).choice()
    return model, [row for row in load_rows(args.split) if args.persona in (None, row.persona)]


def cmd_eval_guard(paths: Paths, args: argparse.Namespace) -> int:
    """Triage and the guard on the labelled set; the creator's own profiles are not touched."""
    from desktop.core.evaluation.guard_eval import format_report, run_guard_eval, temporary_base

    model, rows = _labelled_set_run(paths, args)
    with temporary_base() as base:
        result = _drain(
            run_guard_eval(
                Path(base) / "eval",
                paths.models,
                split=args.split,
                limit=args.limit,
                drafts=not args.triage_only,
                choice=model,
                rows=rows,
                cancel=CancelToken(),
            ),
            quiet=args.json,
        )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
    return 0


def cmd_eval_drafts(paths: Paths, args: argparse.Namespace) -> int:
    """The approval rubric on real drafts; the creator's own profiles are not touched."""
    from desktop.core.evaluation.draft_eval import format_report, run_draft_eval
    from desktop.core.evaluation.guard_eval import temporary_base

    if not 1 <= args.candidates <= 8:
        raise KnownError("--candidates must be between 1 and 8.")
    model, rows = _labelled_set_run(paths, args)
    with temporary_base() as base:
        result = _drain(
            run_draft_eval(
                Path(base) / "eval",
                paths.models,
                split=args.split,
                candidates=args.candidates,
                limit=args.limit,
                choice=model,
                rows=rows,
                cancel=CancelToken(),
            ),
            quiet=args.json,
        )
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_report(result))
    return 0


def cmd_eval_tune_triage(paths: Paths, args: argparse.Namespace) -> int:
    """Print the thresholds the tuning procedure picks on the development half."""
    from desktop.core.evaluation.dataset import load_demo_persona, load_rows
    from desktop.core.evaluation.triage_tuning import (
        held_out_recall,
        report,
        score_rows,
        tune_ai_threshold,
        tune_red_thresholds,
    )
    from desktop.core.generation.triage_classifier import TriageClassifier
    from desktop.core.models import ensure_default_models
    from desktop.core.retrieval.embedder import load_embedder

    paths.ensure()
    _drain(ensure_default_models(paths.models))
    personas = {key: load_demo_persona(key).persona for key in ("maya", "coach", "photographer")}
    with load_embedder(paths.models) as embedder:
        classifier = TriageClassifier.load(embedder, paths.cache)
        rows = [row for row in load_rows("dev") if row.lang == "en"]
        scored = score_rows(rows, classifier, personas.get)
        thresholds = tune_red_thresholds(scored)
        held_out = held_out_recall(classifier, thresholds)
    ai_threshold = tune_ai_threshold(scored)
    print("\n".join(report(scored, thresholds, ai_threshold)))
    print("\nThe classifier alone on the bank's held-out rows (5 folds) at these thresholds:")
    for category, (recall, harmless) in held_out.items():
        print(f"  {category:<13} recall {recall:.3f}, harmless rows red {harmless:.3f}")
    print("\nRED_THRESHOLDS = {" + ", ".join(f"{c.upper()}: {t}" for c, t in thresholds.items()) + "}")
    print(f"AI_QUESTION_THRESHOLD = {ai_threshold}")
    return 0


def _inbox_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    """The `inbox` and `packs` groups (the draft inbox and reply packs)."""
    inbox = commands.add_parser(
        "inbox", help="the messages awaiting your reply and their drafts", parents=[common]
    )
    inbox_commands = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)
    inbox_add = inbox_commands.add_parser("add", help="add a message you typed or pasted", parents=[common])
    inbox_add.add_argument("text", help="the message")
    inbox_add.add_argument("--from", dest="sender", metavar="NAME", help="who sent it")
    inbox_add.add_argument(
        "--platform", metavar="P", default="manual", help="where it came from (default: %(default)s)"
    )
    inbox_add.add_argument("--thread", metavar="ID", help="the conversation's id on that platform")
    inbox_import = inbox_commands.add_parser(
        "import",
        help="add incoming messages from a CSV/JSON file, or the imported conversations awaiting a reply",
        description="Columns (CSV header or JSON keys): text (required), from, from_name, platform, id, "
        "thread, "
        "created_at (ISO 8601 with a timezone), kind (message or comment), in_reply_to. "
        "Re-importing a file adds nothing twice.",
        parents=[common],
    )
    inbox_import.add_argument("file", nargs="?", help="a .csv, .json or .jsonl file of incoming messages")
    inbox_import.add_argument(
        "--candidates",
        action="store_true",
        help="add the conversations from imported archives awaiting your reply",
    )
    inbox_import.add_argument("--platform", metavar="P", help="the platform for rows that do not name one")
    inbox_list = inbox_commands.add_parser("list", help="list the inbox (or the trash)", parents=[common])
    inbox_list.add_argument(
        "--state", metavar="S", help="only this state: new, drafted, flagged, approved, exported, rejected"
    )
    inbox_list.add_argument("--trash", action="store_true", help="list the trash instead")
    inbox_list.add_argument("--json", action="store_true", help="print a machine-readable list")
    for name, help_text in (
        ("approve", "approve the message's draft"),
        ("reject", "reject the message (it goes to the trash)"),
        ("restore", "bring a message back from the trash"),
    ):
        action = inbox_commands.add_parser(name, help=help_text, parents=[common])
        action.add_argument("id", type=int, help="the message id shown by `inbox list`")
    inbox_edit = inbox_commands.add_parser("edit", help="replace the draft's text", parents=[common])
    inbox_edit.add_argument("id", type=int, help="the message id shown by `inbox list`")
    inbox_edit.add_argument("text", help="the new reply")
    inbox_commands.add_parser("undo", help="undo the last inbox action", parents=[common])
    inbox_draft_all = inbox_commands.add_parser(
        "draft-all",
        help="draft a reply to every new message, in priority order (Ctrl+C stops, keeping what is done)",
        description="Drafts every message in state 'new', highest priority first, then newest first. "
        "Each draft is saved as it finishes; running it again continues with what is left.",
        parents=[common],
    )
    inbox_draft_all.add_argument("--limit", type=int, metavar="N", help="draft at most N messages")
    inbox_draft_all.add_argument(
        "--json", action="store_true", help="print each result and the summary as JSON"
    )

    packs = commands.add_parser("packs", help="export and verify reply packs", parents=[common])
    packs_commands = packs.add_subparsers(dest="packs_command", metavar="ACTION", required=True)
    packs_export = packs_commands.add_parser(
        "export", help="write the approved, not yet exported replies to a signed zip", parents=[common]
    )
    packs_export.add_argument("out", metavar="OUT.zip", help="the pack to write")
    packs_export.add_argument(
        "--redact", action="store_true", help="remove emails and phone numbers from fans' messages"
    )
    packs_export.add_argument(
        "--session-key",
        action="store_true",
        help="without a system keychain: sign with a key kept for this run only (the pack cannot be "
        "verified later)",
    )
    packs_verify = packs_commands.add_parser(
        "verify", help="check a pack's checksums and signature", parents=[common]
    )
    packs_verify.add_argument("pack", metavar="PACK.zip", help="the pack to check")
    packs_list = packs_commands.add_parser("list", help="the packs exported so far", parents=[common])
    packs_list.add_argument("--json", action="store_true", help="print a machine-readable list")
    packs_reexport = packs_commands.add_parser(
        "reexport", help="write an earlier pack's replies again (nothing changes state)", parents=[common]
    )
    packs_reexport.add_argument("id", type=int, help="the pack id shown by `packs list`")
    packs_reexport.add_argument("out", metavar="OUT.zip", help="the pack to write")
    packs_finetune = packs_commands.add_parser(
        "finetune",
        help="write approved (message, reply) pairs as chat-format JSONL for fine-tuning",
        parents=[common],
    )
    packs_finetune.add_argument("out", metavar="OUT.jsonl", help="the file to write")
    packs_finetune.add_argument(
        "--redact", action="store_true", help="remove emails and phone numbers from fans' messages"
    )


def _triage_for(store: "Store") -> Any:
    """The generation's triage with the active persona (red messages get no draft, only the reason)."""
    from desktop.core.generation.triage import triage
    from desktop.core.persona.versions import load_active_persona

    _, persona = load_active_persona(store)
    return lambda text: triage(text, persona)


def _print_entries(entries: list[Any]) -> None:
    if not entries:
        print("Nothing here.")
        return
    rows = []
    for e in entries:
        note = e.flag_reason or (e.draft_text or "")
        rows.append(
            [
                str(e.item_id),
                e.state + ("*" if e.edited else ""),
                e.platform,
                (e.sender or "-")[:20],
                e.text.replace("\n", " ")[:40],
                note.replace("\n", " ")[:50],
            ]
        )
    _print_table(["ID", "STATE", "PLATFORM", "FROM", "MESSAGE", "DRAFT / REASON"], rows)


def cmd_inbox_add(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import add_message, get_entry

    with _open_profile_store(paths, args) as store:
        item_id = add_message(
            store,
            args.text,
            sender=args.sender,
            platform=args.platform,
            thread=args.thread,
            triage=_triage_for(store),
        )
        entry = get_entry(store, item_id)
    print(
        f"Added message {item_id} ({entry.state})." + (f" {entry.flag_reason}" if entry.flag_reason else "")
    )
    return 0


def cmd_inbox_import(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import add_import_candidates, import_messages_file

    if not args.file and not args.candidates:
        raise KnownError(
            "Name a file of messages, or use --candidates.", hint="See `understudy inbox import --help`."
        )
    with _open_profile_store(paths, args) as store:
        triage = _triage_for(store)
        if args.candidates:
            result = add_import_candidates(store, triage=triage)
            print(
                f"Conversations awaiting your reply: {result.added} added, {result.already} already in the "
                "inbox."
            )
        if args.file:
            result = import_messages_file(store, args.file, platform=args.platform, triage=triage)
            print(
                f"{args.file}: {result.received} rows: {result.added} added, {result.already} already in "
                "the inbox" + (f", {result.skipped} skipped" if result.skipped else "") + "."
            )
            for warning in result.warnings:
                print(f"  warning: {warning}")
    return 0


def cmd_inbox_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import list_inbox

    with _open_profile_store(paths, args) as store:
        entries = list_inbox(store, state=args.state, trashed=args.trash)
    if args.json:
        print(json.dumps({"entries": [e.as_dict() for e in entries]}, ensure_ascii=False, indent=2))
        return 0
    _print_entries(entries)
    return 0


def _draft_of(store: "Store", item_id: int) -> int:
    from desktop.core.inbox import get_entry

    entry = get_entry(store, item_id)
    if entry.draft_id is None:
        raise KnownError(f"Message {item_id} has no draft yet.")
    return entry.draft_id


def cmd_inbox_approve(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import approve

    with _open_profile_store(paths, args) as store:
        approve(store, args.id)
    print(f"Approved the reply to message {args.id}; it leaves with the next reply pack.")
    return 0


def cmd_inbox_edit(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import edit

    with _open_profile_store(paths, args) as store:
        changed = edit(store, _draft_of(store, args.id), args.text)
    print(
        f"Edited the draft for message {args.id}." if changed else "No change: the draft already says that."
    )
    return 0


def cmd_inbox_reject(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import reject

    with _open_profile_store(paths, args) as store:
        reject(store, args.id)
    print(
        f"Rejected message {args.id}; it is in the trash (`understudy inbox restore {args.id}` brings it "
        "back)."
    )
    return 0


def cmd_inbox_restore(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import restore

    with _open_profile_store(paths, args) as store:
        state = restore(store, args.id)
    print(f"Restored message {args.id} ({state}).")
    return 0


def cmd_inbox_undo(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import undo_last

    with _open_profile_store(paths, args) as store:
        result = undo_last(store)
    if result is None:
        print("Nothing to undo.")
    else:
        print(f"Undid '{result.action}' on message(s) {', '.join(map(str, result.item_ids))}.")
    return 0


def cmd_inbox_draft_all(paths: Paths, args: argparse.Namespace) -> int:
    """Draft every new message through one model session; Ctrl+C stops within a token, keeping what is
    done."""
    import signal

    from desktop.core.generation.session import DraftingSession
    from desktop.core.inbox.batch import ItemDrafted, draft_all, summary_line

    if args.limit is not None and args.limit < 1:
        raise KnownError("--limit must be 1 or more.")
    cancel = CancelToken()

    def on_interrupt(_signum: int, _frame: Any) -> None:
        # First Ctrl+C: stop at the next token and keep what is finished; a second one interrupts at once.
        cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    results: list[dict[str, Any]] = []
    with DraftingSession(paths, args.profile) as session:
        _drain(session.open(cancel))
        previous = signal.signal(signal.SIGINT, on_interrupt)
        try:
            batch = draft_all(session, limit=args.limit, cancel=cancel)
            while True:
                try:
                    step = next(batch)
                except StopIteration as stop:
                    summary = stop.value
                    break
                if isinstance(step, Progress):
                    print(
                        step.message + ("…" if step.done < step.total else "."), file=sys.stderr, flush=True
                    )
                elif isinstance(step, ItemDrafted):
                    results.append(step.__dict__)
                    if not args.json:
                        _print_drafted(step)
        finally:
            signal.signal(signal.SIGINT, previous)
    if args.json:
        print(json.dumps({"results": results, "summary": summary.as_dict()}, ensure_ascii=False, indent=2))
    else:
        print(summary_line(summary))
    if summary.prompt_tokens:
        print(
            f"Persona prefix reuse: {summary.reused_tokens} of {summary.prompt_tokens} prompt tokens "
            f"({summary.reuse_share:.0%}) were not evaluated again.",
            file=sys.stderr,
        )
    return {"cancelled": 130, "failed": 1}.get(summary.stopped, 0)


def _print_drafted(result: Any) -> None:
    label = {"drafted": "drafted", "flagged": "FLAGGED", "no_draft": "NO DRAFT", "skipped": "skipped"}[
        result.outcome
    ]
    text = (result.text or result.reason).replace("\n", " ")
    print(f"{result.item_id:>6}  {label:<8}  {text[:90]}", flush=True)
    if result.outcome == "flagged" and result.text and result.reason:
        print(f"{'':>6}  {'':<8}  why: {result.reason[:90]}", flush=True)


def cmd_packs_export(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.errors import SecretsUnavailableError
    from desktop.core.inbox import export_pack
    from desktop.core.secrets import SecretStore

    with _open_profile_store(paths, args) as store:
        try:
            summary = export_pack(
                store,
                args.out,
                secret_store=SecretStore(session_only=args.session_key),
                redact_personal=args.redact,
            )
        except SecretsUnavailableError as error:
            raise KnownError(
                str(error), hint="Add --session-key to sign this pack with a key kept for this run only."
            ) from error
    print(
        f"Wrote {summary.path}: {summary.replies} replies ({summary.edited} edited)"
        + (", fans' emails and phone numbers removed" if summary.redacted else "")
        + f"; pack {summary.export_id}, sha256 {summary.sha256[:16]}…"
    )
    return 0


def cmd_packs_verify(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import verify_pack
    from desktop.core.secrets import SecretStore

    result = verify_pack(args.pack, SecretStore())
    if result.ok:
        print(f"{args.pack}: {result.message}")
        return 0
    print(f"{args.pack}: NOT VERIFIED", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def cmd_packs_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import list_exports, waiting_count

    with _open_profile_store(paths, args) as store:
        exports = list_exports(store)
        waiting = waiting_count(store)
    if args.json:
        print(json.dumps({"packs": exports, "waiting": waiting}, ensure_ascii=False, indent=2))
        return 0
    _print_table(
        ["ID", "CREATED (UTC)", "REPLIES", "STATUS", "PATH"],
        [
            [
                str(e["id"]),
                e["created_at"][:16].replace("T", " "),
                str(e["draft_count"]),
                e["status"] + (f" (again: {e['reexport_of']})" if e["reexport_of"] else ""),
                e["path"],
            ]
            for e in exports
        ],
    )
    print(f"{waiting} approved replies wait for the next pack.")
    return 0


def cmd_packs_reexport(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import reexport_pack
    from desktop.core.secrets import SecretStore

    with _open_profile_store(paths, args) as store:
        summary = reexport_pack(store, args.id, args.out, secret_store=SecretStore())
    print(
        f"Wrote {summary.path} again: the {summary.replies} replies of pack {args.id} (nothing changed "
        "state)."
    )
    return 0


def cmd_packs_finetune(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.inbox import export_finetune_jsonl

    with _open_profile_store(paths, args) as store:
        count = export_finetune_jsonl(store, args.out, redact_personal=args.redact)
    print(f"Wrote {count} approved (message, reply) pairs to {args.out} as chat-format JSONL.")
    return 0


COMMANDS = {
    ("models", "list"): cmd_models_list,
    ("models", "setup"): cmd_models_setup,
    ("models", "add"): cmd_models_add,
    ("models", "remove"): cmd_models_remove,
    ("models", "use"): cmd_models_use,
    ("models", "gpu"): cmd_models_gpu,
    ("models", "server"): cmd_models_server,
    ("models", "catalogue"): cmd_models_catalogue,
    ("models", "download"): cmd_models_download,
    ("profiles", "list"): cmd_profiles_list,
    ("profiles", "create"): cmd_profiles_create,
    ("store", "info"): cmd_store_info,
    ("secrets", "status"): cmd_secrets_status,
    ("import", None): cmd_import,
    ("draft", None): cmd_draft,
    ("sources", "list"): cmd_sources_list,
    ("sources", "remove"): cmd_sources_remove,
    ("inbox", "add"): cmd_inbox_add,
    ("inbox", "import"): cmd_inbox_import,
    ("inbox", "list"): cmd_inbox_list,
    ("inbox", "approve"): cmd_inbox_approve,
    ("inbox", "edit"): cmd_inbox_edit,
    ("inbox", "reject"): cmd_inbox_reject,
    ("inbox", "restore"): cmd_inbox_restore,
    ("inbox", "undo"): cmd_inbox_undo,
    ("inbox", "draft-all"): cmd_inbox_draft_all,
    ("packs", "export"): cmd_packs_export,
    ("packs", "verify"): cmd_packs_verify,
    ("packs", "list"): cmd_packs_list,
    ("packs", "reexport"): cmd_packs_reexport,
    ("packs", "finetune"): cmd_packs_finetune,
    ("persona", "show"): cmd_persona_show,
    ("persona", "set"): cmd_persona_set,
    ("persona", "export"): cmd_persona_export,
    ("persona", "import"): cmd_persona_import,
    ("persona", "history"): cmd_persona_history,
    ("persona", "restore"): cmd_persona_restore,
    ("persona", "presets"): cmd_persona_presets,
    ("persona", "profile"): cmd_persona_profile,
    ("persona", "eval"): cmd_persona_eval,
    ("eval", "guard"): cmd_eval_guard,
    ("eval", "tune-triage"): cmd_eval_tune_triage,
    ("eval", "drafts"): cmd_eval_drafts,
}


def run_command(paths: Paths, args: argparse.Namespace) -> int:
    """Run the parsed sub-command; a KnownError becomes a plain message and exit status 1.

    Everything printed passes through ``TerminalSafeStream``: commands print fans' messages,
    names and drafts, and an escape sequence in one must not drive the creator's terminal.
    """
    action = getattr(args, f"{args.command}_command", None)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafeStream(stdout), TerminalSafeStream(stderr)  # type: ignore[assignment]
    try:
        return COMMANDS[(args.command, action)](paths, args)
    except KnownError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_NAME}: cancelled.", file=sys.stderr)
        return 130
    finally:
        sys.stdout, sys.stderr = stdout, stderr
