"""The status table, checked for every (from, to, role, track, path, four-eyes setting) combination."""

from __future__ import annotations

import itertools

import pytest

from meldpunt.auth.models import Role
from meldpunt.feedback.models import NoticeKind
from meldpunt.signals.models import SignalStatus as S
from meldpunt.signals.models import Track
from meldpunt.signals.transitions import (
    CASE_STATUSES,
    EXIT_STATUSES,
    Path,
    TransitionError,
    TRANSITIONS,
    available_transitions,
    can_start,
    check_transition,
    is_allowed,
    requires_approval,
    track_after,
)

#: The expected table, written out independently: (from, to) -> (roles, reason, notice, paths, four eyes).
R, I, V = Role.REGISSEUR, Role.INTEGRITEIT, Role.VOORZITTER  # noqa: E741 - the roles' initials
ST, FW, CA, ME, AP = Path.STATUS, Path.FORWARD, Path.CASE, Path.MEETING, Path.APPROVAL
EXPECTED = {
    (S.RECEIVED, S.IN_PROGRESS): ({R, I}, False, NoticeKind.IN_PROGRESS, {ST}, False),
    (S.RECEIVED, S.NOT_ADMISSIBLE): ({R, I}, True, NoticeKind.NOT_ADMISSIBLE, {ST}, False),
    (S.RECEIVED, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED, {FW, AP}, True),
    (S.RECEIVED, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY, {ST}, False),
    (S.IN_PROGRESS, S.ENRICHMENT): ({R, I}, False, None, {ST}, False),
    (S.IN_PROGRESS, S.LINKED_TO_CASE): ({R}, False, None, {CA}, False),
    (S.IN_PROGRESS, S.NOT_ADMISSIBLE): ({R, I}, True, NoticeKind.NOT_ADMISSIBLE, {ST}, False),
    (S.IN_PROGRESS, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED, {FW, AP}, True),
    (S.IN_PROGRESS, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY, {ST}, False),
    (S.IN_PROGRESS, S.CLOSED): ({R, I}, True, NoticeKind.CLOSED, {ST}, False),
    (S.ENRICHMENT, S.IN_PROGRESS): ({R, I}, False, None, {ST}, False),
    (S.ENRICHMENT, S.LINKED_TO_CASE): ({R}, False, None, {CA}, False),
    (S.ENRICHMENT, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED, {FW, AP}, True),
    (S.ENRICHMENT, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY, {ST}, False),
    (S.ENRICHMENT, S.CLOSED): ({R, I}, True, NoticeKind.CLOSED, {ST}, False),
    (S.LINKED_TO_CASE, S.ENRICHMENT): ({R}, False, None, {CA}, False),
    (S.LINKED_TO_CASE, S.ON_AGENDA): ({R, V}, False, None, {ME}, False),
    (S.LINKED_TO_CASE, S.FORWARDED): ({R}, True, NoticeKind.FORWARDED, {FW, AP}, True),
    (S.LINKED_TO_CASE, S.CLOSED): ({R}, True, NoticeKind.CLOSED, {CA, AP}, True),
    (S.ON_AGENDA, S.DISCUSSED): ({R, V}, False, NoticeKind.DISCUSSED, {ME}, False),
    (S.ON_AGENDA, S.LINKED_TO_CASE): ({R, V}, False, None, {ME}, False),
    (S.DISCUSSED, S.ON_AGENDA): ({R, V}, False, None, {ME}, False),
    (S.DISCUSSED, S.FORWARDED): ({R}, True, NoticeKind.FORWARDED, {FW, AP}, True),
    (S.DISCUSSED, S.CLOSED): ({R, V}, True, NoticeKind.CLOSED, {CA, ME, AP}, True),
    (S.DISCUSSED, S.LINKED_TO_CASE): ({R, V}, False, None, {ME}, False),
    (S.TO_INTEGRITY, S.IN_PROGRESS): ({I}, False, None, {ST}, False),
    (S.CLOSED, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS, {ST}, False),
    (S.NOT_ADMISSIBLE, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS, {ST}, False),
    (S.FORWARDED, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS, {ST}, False),
}
ROLE_TRACK = {R: {Track.REGULAR}, I: {Track.INTEGRITY}, V: {Track.REGULAR}}

PAIRS = list(itertools.product(S, S))


def test_table_is_exactly_the_expected_one():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda v: str(v))
def test_every_combination(source, target):
    """Every (from, to) x role x track x path x four-eyes setting: allowed exactly when the expected table says so."""
    expected = EXPECTED.get((source, target))
    for role, track, path, four_eyes in itertools.product(Role, Track, Path, (False, True)):
        case = (source, target, role, track, path, four_eyes)
        may_start = (expected is not None and role in expected[0] and track in ROLE_TRACK.get(role, set())
                     and path in expected[3])
        allowed = may_start and not (four_eyes and expected[4] and path != AP)
        if allowed:
            transition = check_transition(source, target, role=role, track=track, path=path, four_eyes=four_eyes)
            assert transition.reason_required is expected[1], case
            assert transition.notice == expected[2], case
            assert transition.paths == frozenset(expected[3]), case
            assert transition.four_eyes is expected[4], case
        else:
            with pytest.raises(TransitionError) as info:
                check_transition(source, target, role=role, track=track, path=path, four_eyes=four_eyes)
            assert str(info.value), case  # a Dutch message to show
        assert is_allowed(source, target, role=role, track=track, path=path, four_eyes=four_eyes) is allowed, case
        # Starting a move ignores the setting: with four eyes, starting means asking a colleague.
        assert can_start(source, target, role=role, track=track, path=path) is may_start, case


def test_refusal_names_the_path_to_take():
    with pytest.raises(TransitionError, match="Melding doorzenden"):
        check_transition(S.IN_PROGRESS, S.FORWARDED, role=R, track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError, match="pagina van de casus"):
        check_transition(S.IN_PROGRESS, S.LINKED_TO_CASE, role=R, track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError, match="pagina van de casus"):
        check_transition(S.LINKED_TO_CASE, S.CLOSED, role=R, track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError, match="casusoverleg"):
        check_transition(S.LINKED_TO_CASE, S.ON_AGENDA, role=V, track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError, match="Vier ogen"):
        check_transition(S.IN_PROGRESS, S.FORWARDED, role=R, track=Track.REGULAR, path=FW, four_eyes=True)


def test_requires_approval_is_the_rows_four_eyes_under_the_setting():
    for transition in TRANSITIONS.values():
        assert requires_approval(transition, four_eyes=False) is False
        assert requires_approval(transition, four_eyes=True) is transition.four_eyes


def test_no_status_path_into_or_out_of_a_case():
    for (source, target), transition in TRANSITIONS.items():
        if source in CASE_STATUSES or target in CASE_STATUSES:
            assert Path.STATUS not in transition.paths, (source, target)


def test_every_exit_needs_a_reason_and_tells_the_reporter():
    for (source, target), transition in TRANSITIONS.items():
        if target in EXIT_STATUSES:
            assert transition.reason_required, (source, target)
            assert transition.notice is not None, (source, target)


def test_transfer_to_integrity_changes_track_others_keep_it():
    transfer = TRANSITIONS[(S.RECEIVED, S.TO_INTEGRITY)]
    assert track_after(transfer, Track.REGULAR) == Track.INTEGRITY
    assert track_after(TRANSITIONS[(S.RECEIVED, S.IN_PROGRESS)], Track.REGULAR) == Track.REGULAR


def test_unknown_values_raise_transition_error():
    with pytest.raises(TransitionError):
        check_transition("bestaat_niet", S.CLOSED, role=R, track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError):
        check_transition(S.RECEIVED, S.IN_PROGRESS, role="hacker", track=Track.REGULAR, path=ST, four_eyes=False)
    with pytest.raises(TransitionError):
        check_transition(S.RECEIVED, S.IN_PROGRESS, role=R, track=Track.REGULAR, path="achterdeur", four_eyes=False)


def test_available_transitions_for_buttons():
    targets = [t.target for t in available_transitions(S.RECEIVED, role=R, track=Track.REGULAR)]
    assert targets == [S.IN_PROGRESS, S.NOT_ADMISSIBLE, S.TO_INTEGRITY]  # forwarding has its own form
    assert available_transitions(S.RECEIVED, role=Role.MELDER, track=Track.REGULAR) == []
    assert [t.target for t in available_transitions(S.RECEIVED, role=I, track=Track.INTEGRITY)] == [
        S.IN_PROGRESS, S.NOT_ADMISSIBLE]
    for status in CASE_STATUSES:  # a signal in a case has no status buttons
        assert available_transitions(status, role=R, track=Track.REGULAR) == []
    assert [t.target for t in available_transitions(S.IN_PROGRESS, role=R, track=Track.REGULAR, path=CA)] == [
        S.LINKED_TO_CASE]
    assert [t.target for t in available_transitions(S.LINKED_TO_CASE, role=V, track=Track.REGULAR, path=ME)] == [
        S.ON_AGENDA]
