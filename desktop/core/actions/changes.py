"""``Changes``: which of the creator's views an action touched, so a front end refreshes those only."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Changes:
    """What an action changed; ``a | b`` is what two actions changed together."""

    sources: bool = False  # imported archives, their items and the activity chart
    inbox: bool = False  # inbox entries, drafts and their states
    persona: bool = False  # the persona and its versions
    packs: bool = False  # exported reply packs

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))
