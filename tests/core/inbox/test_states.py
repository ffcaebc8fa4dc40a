"""The state machine: every legal move passes, every other one raises a plain-word error."""

from __future__ import annotations

import pytest

from desktop.core.inbox import states
from desktop.core.inbox.states import IllegalTransition, check_transition

LEGAL = {
    (states.NEW, states.DRAFTED),
    (states.NEW, states.FLAGGED),
    (states.NEW, states.REJECTED),
    (states.DRAFTED, states.DRAFTED),
    (states.DRAFTED, states.APPROVED),
    (states.DRAFTED, states.FLAGGED),
    (states.DRAFTED, states.REJECTED),
    (states.FLAGGED, states.DRAFTED),
    (states.FLAGGED, states.FLAGGED),
    (states.FLAGGED, states.APPROVED),
    (states.FLAGGED, states.REJECTED),
    (states.APPROVED, states.EXPORTED),
    (states.APPROVED, states.DRAFTED),
    (states.APPROVED, states.REJECTED),
}


@pytest.mark.parametrize("current", states.STATES)
@pytest.mark.parametrize("wanted", states.STATES)
def test_exactly_the_legal_moves_pass(current: str, wanted: str) -> None:
    if (current, wanted) in LEGAL:
        check_transition(current, wanted)
    else:
        with pytest.raises(IllegalTransition) as info:
            check_transition(current, wanted)
        assert info.value.current == current and info.value.wanted == wanted
        assert str(info.value)  # a sentence for the creator


def test_messages_say_what_is_wrong() -> None:
    with pytest.raises(IllegalTransition, match="already exported"):
        check_transition(states.EXPORTED, states.APPROVED)
    with pytest.raises(IllegalTransition, match="restore it"):
        check_transition(states.REJECTED, states.APPROVED)
    with pytest.raises(IllegalTransition, match="no draft to approve"):
        check_transition(states.NEW, states.APPROVED)
    with pytest.raises(IllegalTransition, match="Only approved replies can be exported"):
        check_transition(states.DRAFTED, states.EXPORTED)


def test_a_flagged_draft_that_needs_an_edit_cannot_be_approved() -> None:
    with pytest.raises(IllegalTransition, match="edited before it is approved"):
        check_transition(states.FLAGGED, states.APPROVED, needs_edit=True)
    check_transition(states.FLAGGED, states.APPROVED, needs_edit=False)


def test_unknown_states_are_bugs_not_creator_errors() -> None:
    with pytest.raises(ValueError):
        check_transition("sent", states.APPROVED)
