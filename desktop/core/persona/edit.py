"""Changing one persona setting by a dotted key: what ``understudy persona set KEY VALUE`` does.

Keys name a field (``display_name``, ``sliders.emoji``, ``boundaries.allow_promises``,
``boundaries.canned_replies.politics``, ``boundaries.promises.meetups``, ``identity.links``).
A trailing ``+`` appends one entry to a list (``boundaries.never_say+``); a trailing ``-``
removes one (from a list, or a key from a mapping: ``boundaries.canned_replies-  politics``).
Errors are ``KnownError`` with the keys or values that would have worked.
"""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from typing import Any

from desktop.core.errors import KnownError
from desktop.core.persona.model import (
    DISCLOSURE_POSITIONS,
    PROMISE_KINDS,
    SLIDER_NAMES,
    Boundaries,
    Identity,
    Persona,
    Product,
    clamp_slider,
)

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}

_STRING_FIELDS = {"display_name", "style_notes", "example_dialogue"}
_LIST_FIELDS = {"facts"}
_BOUNDARY_LISTS = {
    "avoid_topics",
    "never_say",
    "private_facts",
    "escalation_topics",
    "thanks_replies",
    "cheer_replies",
}
_BOUNDARY_BOOLS = {"allow_promises", "allow_personal_details", "disclose_ai"}
_IDENTITY_LISTS = {"values", "goals", "projects", "links"}


def settable_keys() -> list[str]:
    """Every key ``set_value`` accepts (mapping keys shown with a placeholder)."""
    keys = sorted(_STRING_FIELDS | _LIST_FIELDS)
    keys += [f"sliders.{name}" for name in SLIDER_NAMES]
    keys += [f"boundaries.{name}" for name in sorted(_BOUNDARY_LISTS | _BOUNDARY_BOOLS)]
    keys += [
        "boundaries.disclosure_label",
        "boundaries.disclosure_position",
        "boundaries.canned_replies.TOPIC",
    ]
    keys += ["boundaries.disclosure_reply", "boundaries.no_answer_reply"]
    keys += [f"boundaries.promises.{kind}" for kind in PROMISE_KINDS]
    keys += [f"identity.{name}" for name in sorted(_IDENTITY_LISTS)] + ["identity.products"]
    return keys


def parse_bool(value: str, key: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise KnownError(f"'{value}' is not a yes/no value for {key}.", hint="Use true or false.")


def _parse_list(value: str, key: str) -> list[str]:
    text = value.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KnownError(f"The value for {key} is not a valid JSON list: {exc.msg}.") from exc
        if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
            raise KnownError(f"The value for {key} must be a list of texts.")
        return list(parsed)
    return [text]


def _parse_product(value: str) -> Product:
    text = value.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KnownError(f"The product is not valid JSON: {exc.msg}.") from exc
        product = Product.from_value(data)
    else:  # "Name words https://link"
        words = text.split()
        url = next((w for w in reversed(words) if w.startswith(("http://", "https://"))), "")
        name = " ".join(w for w in words if w != url)
        product = Product(name=name, url=url)
    if not product.name:
        raise KnownError("A product needs a name, e.g. 'Strength plan https://example.com/plan'.")
    return product


def _edit_list(current: list[Any], op: str, value: str, key: str, *, item: Any = None) -> list[Any]:
    entry = item if item is not None else value.strip()
    if op == "+":
        if not value.strip():
            raise KnownError(f"Nothing to add to {key}.")
        return current if entry in current else [*current, entry]
    if op == "-":
        if isinstance(entry, Product):
            kept = [p for p in current if p.name != entry.name]
        else:
            kept = [v for v in current if v != entry]
        if len(kept) == len(current):
            raise KnownError(f"{key} has no entry '{value.strip()}'.")
        return kept
    return _parse_list(value, key)


def set_value(persona: Persona, key: str, value: str) -> Persona:
    """A copy of ``persona`` with ``key`` set from the text ``value``; the original is untouched."""
    op = ""
    raw_key = key.strip()
    if raw_key.endswith(("+", "-")):
        raw_key, op = raw_key[:-1], raw_key[-1]
    parts = raw_key.split(".")
    result = copy.deepcopy(persona)
    head = parts[0]

    def unknown() -> KnownError:
        return KnownError(
            f"Unknown persona setting '{key}'.", hint="Known settings: " + ", ".join(settable_keys()) + "."
        )

    def no_op() -> None:
        if op:
            raise KnownError(f"{raw_key} is not a list: use '{raw_key}' without '{op}'.")

    if len(parts) == 1 and head in _STRING_FIELDS:
        no_op()
        setattr(result, head, value)
    elif len(parts) == 1 and head in _LIST_FIELDS:
        setattr(result, head, _edit_list(getattr(result, head), op, value, raw_key))
    elif head == "sliders" and len(parts) == 2:
        no_op()
        name = parts[1]
        if name not in SLIDER_NAMES:
            raise KnownError(f"Unknown slider '{name}'.", hint="Sliders: " + ", ".join(SLIDER_NAMES) + ".")
        try:
            number = float(value)
        except ValueError:
            raise KnownError(f"A slider takes a number from 0 to 100, not '{value}'.") from None
        if not 0 <= number <= 100:
            raise KnownError(f"A slider takes a number from 0 to 100, not {value}.")
        result.sliders[name] = clamp_slider(number)
    elif head == "boundaries" and len(parts) >= 2:
        _set_boundary(result.boundaries, parts[1:], op, value, raw_key, unknown)
    elif head == "identity" and len(parts) == 2:
        _set_identity(result.identity, parts[1], op, value, raw_key, unknown)
    else:
        raise unknown()
    return result


def _set_boundary(bounds: Boundaries, parts: list[str], op: str, value: str, key: str, unknown: Any) -> None:
    name = parts[0]
    if len(parts) == 1 and name in _BOUNDARY_LISTS:
        setattr(bounds, name, _edit_list(getattr(bounds, name), op, value, key))
    elif len(parts) == 1 and name in _BOUNDARY_BOOLS and not op:
        setattr(bounds, name, parse_bool(value, key))
    elif len(parts) == 1 and name == "disclosure_label" and not op:
        bounds.disclosure_label = value
    elif len(parts) == 1 and name in ("disclosure_reply", "no_answer_reply") and not op:
        if not value.strip():
            raise KnownError(
                f"The {name.replace('_', ' ')} cannot be empty.", hint="Write the reply in your own words."
            )
        setattr(bounds, name, value.strip())
    elif len(parts) == 1 and name == "disclosure_position" and not op:
        if value.strip().lower() not in DISCLOSURE_POSITIONS:
            raise KnownError(f"The disclosure label goes at the start or the end, not '{value}'.")
        bounds.disclosure_position = value.strip().lower()
    elif name == "canned_replies" and len(parts) == 1 and op == "-":
        if value.strip() not in bounds.canned_replies:
            raise KnownError(f"There is no canned reply for '{value.strip()}'.")
        del bounds.canned_replies[value.strip()]
    elif name == "canned_replies" and len(parts) == 2 and not op:
        topic = parts[1].strip()
        if value.strip():
            bounds.canned_replies[topic] = value
        else:
            bounds.canned_replies.pop(topic, None)
    elif name == "promises" and len(parts) == 2 and not op:
        if parts[1] not in PROMISE_KINDS:
            kinds = ", ".join(PROMISE_KINDS)
            raise KnownError(f"Unknown kind of promise '{parts[1]}'.", hint=f"Kinds: {kinds}.")
        bounds.promises[parts[1]] = parse_bool(value, key)
    elif len(parts) == 1 and name in {f.name for f in fields(Boundaries)} and op:
        raise KnownError(f"{key} is not a list: use '{key}' without '{op}'.")
    else:
        raise unknown()


def _set_identity(identity: Identity, name: str, op: str, value: str, key: str, unknown: Any) -> None:
    if name in _IDENTITY_LISTS:
        setattr(identity, name, _edit_list(getattr(identity, name), op, value, key))
    elif name == "products":
        if op == "-":
            identity.products = _edit_list(
                identity.products, op, value, key, item=Product(name=value.strip())
            )
        elif op == "+":
            identity.products = _edit_list(identity.products, op, value, key, item=_parse_product(value))
        elif value.strip().startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise KnownError(f"The value for {key} is not a valid JSON list: {exc.msg}.") from exc
            if not isinstance(parsed, list) or not all(isinstance(v, (str, dict)) for v in parsed):
                raise KnownError(f"The value for {key} must be a list of products.")
            identity.products = [Product.from_value(v) for v in parsed]
        else:
            identity.products = [_parse_product(value)] if value.strip() else []
    else:
        raise unknown()
