"""`understudy persona ...`: show, change, export and import the persona; its versions, presets,
style profile, and the golden-inbox evaluation. The same core the Persona page drives."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli._registry import JSON_LIST, arg, command, flag
from desktop.cli._support import (
    check_limit,
    drain,
    listed_as_json_or_empty,
    open_profile_store,
    print_json,
    print_table,
)
from desktop.core.paths import Paths
from desktop.core.persona.card import export_persona, import_persona_file
from desktop.core.persona.edit import set_value
from desktop.core.persona.evaluation import compare_reports, latest_report, run_eval, save_report
from desktop.core.persona.model import AI_DISCLOSURE_RULES, PROMISE_KINDS, Persona
from desktop.core.persona.presets import apply_preset, list_presets, load_preset
from desktop.core.persona.style import (
    StyleProfile,
    calibrated_sliders,
    iter_style_profile,
    save_style_profile,
)
from desktop.core.persona.versions import (
    diff_personas,
    get_version,
    list_versions,
    load_active_persona,
    load_persona_for_editing,
    restore_version,
    save_persona,
)
from desktop.core.tasks import CancelToken


@command(
    "persona show",
    help="the active persona version",
    arguments=[flag("--json", "print the persona as JSON")],
)
def cmd_persona_show(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
        note = get_version(store, version_id).note if version_id is not None else ""
    if args.json:
        print_json({"version": version_id, "persona": persona.to_dict()})
    else:
        _print_persona(version_id, persona, note)
    return 0


@command(
    "persona set",
    help="change one setting and save a new version",
    description="Change one setting and save a new version. Examples: `sliders.emoji 60`, "
    "`boundaries.never_say+ guaranteed` (KEY+ appends to a list, KEY- removes), "
    '`boundaries.allow_promises false`, `boundaries.canned_replies.politics "I keep politics off here"`, '
    '`identity.products+ "Strength plan https://example.com/plan"`.',
    arguments=[
        arg("key", help="the setting, e.g. sliders.emoji or boundaries.never_say+"),
        arg("value", help="the new value (a list also takes a JSON list)"),
        flag("--yes", "confirm turning AI disclosure off"),
    ],
)
def cmd_persona_set(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
        changed = set_value(persona, args.key, args.value)
        if persona.boundaries.disclose_ai and not changed.boundaries.disclose_ai and not args.yes:
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


@command(
    "persona export",
    help="write the persona to a file (JSON, or a Character Card V2)",
    arguments=[
        arg("file", help="the file to write"),
        arg(
            "--format",
            choices=("json", "card"),
            default="json",
            help="json: complete backup; card: chara_card_v2",
        ),
    ],
)
def cmd_persona_export(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        version_id, persona = load_persona_for_editing(store)
    path = export_persona(persona, args.file, format=args.format, version_id=version_id)
    what = "Character Card V2" if args.format == "card" else "Understudy persona JSON"
    print(
        f"Wrote persona version {version_id if version_id is not None else '(unsaved)'} to {path} as {what}."
    )
    if args.format == "card" and persona.boundaries.private_facts:
        print("Private facts are not written to a card; use --format json for a complete backup.")
    return 0


@command(
    "persona import",
    help="read a persona (Understudy JSON or a character card) as a new version",
    arguments=[arg("file", help="a .json persona or character card, or a PNG card")],
)
def cmd_persona_import(paths: Paths, args: argparse.Namespace) -> int:
    result = import_persona_file(args.file)
    with open_profile_store(paths, args) as store:
        version_id = save_persona(store, result.persona, note=f"imported from {Path(args.file).name}")
    print(f"Imported {args.file} ({result.kind}) as persona version {version_id}.")
    for line in result.mapped:
        print(f"  set: {line}")
    for line in result.not_mapped:
        print(f"  not mapped: {line}")
    for line in result.problems:
        print(f"  warning: {line}")
    return 0


@command("persona history", help="every saved version with its changes", arguments=[JSON_LIST])
def cmd_persona_history(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        versions = list_versions(store)
    rows = [
        {"id": v.id, "created_at": v.created_at, "note": v.note, "active": i == 0}
        for i, v in enumerate(versions)
    ]
    empty = "No persona saved yet: `understudy persona set KEY VALUE` saves the first version."
    if listed_as_json_or_empty(args, {"versions": rows}, versions, empty):
        return 0
    print_table(
        ["", "VERSION", "SAVED (UTC)", "CHANGES"],
        [
            ["*" if i == 0 else "", str(v.id), v.created_at[:16].replace("T", " "), v.note]
            for i, v in enumerate(versions)
        ],
    )
    return 0


@command(
    "persona restore",
    help="make an earlier version active again (saved as a new version)",
    arguments=[arg("version", type=int, help="the version id shown by `persona history`")],
)
def cmd_persona_restore(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        before, _ = load_active_persona(store)
        new_id = restore_version(store, args.version)
    if new_id == before:
        print(f"Version {args.version} is already the active persona (version {new_id}).")
    else:
        print(f"Restored version {args.version} as persona version {new_id}.")
    return 0


@command(
    "persona presets",
    help="list the presets, or start over from one",
    arguments=[arg("name", nargs="?", help="a preset to apply (keeps your name, facts and products)")],
)
def cmd_persona_presets(paths: Paths, args: argparse.Namespace) -> int:
    if not args.name:
        for entry in list_presets():
            print(f"{entry.id:<16} {entry.name}: {entry.description}")
        return 0
    preset = load_preset(args.name)
    with open_profile_store(paths, args) as store:
        _, persona = load_persona_for_editing(store)
        version_id = save_persona(
            store, apply_preset(persona, preset), note=f"started from preset {args.name}"
        )
    print(f"Applied preset '{args.name}' as persona version {version_id}.")
    return 0


@command(
    "persona profile",
    help="compute the style profile from your own messages and posts",
    arguments=[flag("--json", "print the profile as JSON")],
)
def cmd_persona_profile(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        profile = drain(iter_style_profile(store, CancelToken()))
        save_style_profile(store, profile)
    if args.json:
        print_json({"profile": profile.to_dict(), "calibrated_sliders": calibrated_sliders(profile)})
        return 0
    _print_profile(profile)
    if profile.items:
        print(
            "Calibrated slider defaults: "
            + ", ".join(f"{k} {v:g}" for k, v in calibrated_sliders(profile).items())
        )
    return 0


@command(
    "persona eval",
    help="draft your golden inbox (real messages you answered) and compare with your real replies",
    description="Drafts the golden inbox, real messages you answered held out of the examples, with the "
    "active persona, and measures each draft against what you actually wrote: style (length, emoji, "
    "punctuation, formality), meaning, and the guard's findings. Shown beside the previous run.",
    arguments=[
        flag("--json", "print the report and comparison as JSON"),
        arg("--limit", type=int, metavar="N", help="draft only the first N golden messages"),
    ],
)
def cmd_persona_eval(paths: Paths, args: argparse.Namespace) -> int:
    """Draft the golden inbox with the active persona, save the report, show it beside the last one."""
    from desktop.core.generation.session import DraftingSession  # heavy (faiss, the model): drafting only

    check_limit(args.limit)
    with DraftingSession(paths, args.profile) as session:
        drain(session.open(CancelToken()))
        assert session.store is not None
        previous = latest_report(session.store)
        report = drain(run_eval(session, limit=args.limit, cancel=CancelToken()))
        save_report(session.store, report)
    comparison = compare_reports(previous, report)
    if args.json:
        print_json(
            {
                "report": report.to_dict(),
                "previous": previous.to_dict() if previous else None,
                "comparison": comparison.to_dict(),
            }
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


def _print_persona(version_id: int | None, persona: Persona, note: str = "") -> None:
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
    print("  quick thanks (to praise): " + (" | ".join(bounds.thanks_replies) or "- (praise is drafted)"))
    print("  quick cheers (to good news): " + (" | ".join(bounds.cheer_replies) or "- (a quick thanks)"))
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


def _print_profile(profile: StyleProfile) -> None:
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
