"""The status table, checked for every (from, to, role, track) combination."""

from __future__ import annotations

import itertools

import pytest

from meldpunt.auth.models import Role
from meldpunt.feedback.models import NoticeKind
from meldpunt.intake.models import SignalStatus as S
from meldpunt.intake.models import Track
from meldpunt.triage.transitions import (
    EXIT_STATUSES,
    TRANSITIONS,
    TransitionError,
    available_transitions,
    check_transition,
    track_after,
)

#: The expected table, written out independently: (from, to) -> (roles, reason, notice).
R, I, V = Role.REGISSEUR, Role.INTEGRITEIT, Role.VOORZITTER
EXPECTED = {
    (S.RECEIVED, S.IN_PROGRESS): ({R, I}, False, NoticeKind.IN_PROGRESS),
    (S.RECEIVED, S.NOT_ADMISSIBLE): ({R, I}, True, NoticeKind.NOT_ADMISSIBLE),
    (S.RECEIVED, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED),
    (S.RECEIVED, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY),
    (S.IN_PROGRESS, S.ENRICHMENT): ({R, I}, False, None),
    (S.IN_PROGRESS, S.LINKED_TO_CASE): ({R}, False, None),
    (S.IN_PROGRESS, S.NOT_ADMISSIBLE): ({R, I}, True, NoticeKind.NOT_ADMISSIBLE),
    (S.IN_PROGRESS, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED),
    (S.IN_PROGRESS, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY),
    (S.IN_PROGRESS, S.CLOSED): ({R, I}, True, NoticeKind.CLOSED),
    (S.ENRICHMENT, S.IN_PROGRESS): ({R, I}, False, None),
    (S.ENRICHMENT, S.LINKED_TO_CASE): ({R}, False, None),
    (S.ENRICHMENT, S.FORWARDED): ({R, I}, True, NoticeKind.FORWARDED),
    (S.ENRICHMENT, S.TO_INTEGRITY): ({R}, True, NoticeKind.TO_INTEGRITY),
    (S.ENRICHMENT, S.CLOSED): ({R, I}, True, NoticeKind.CLOSED),
    (S.LINKED_TO_CASE, S.ENRICHMENT): ({R}, False, None),
    (S.LINKED_TO_CASE, S.ON_AGENDA): ({R, V}, False, None),
    (S.LINKED_TO_CASE, S.FORWARDED): ({R}, True, NoticeKind.FORWARDED),
    (S.LINKED_TO_CASE, S.CLOSED): ({R}, True, NoticeKind.CLOSED),
    (S.ON_AGENDA, S.DISCUSSED): ({R, V}, False, NoticeKind.DISCUSSED),
    (S.ON_AGENDA, S.LINKED_TO_CASE): ({R, V}, False, None),
    (S.DISCUSSED, S.ON_AGENDA): ({R, V}, False, None),
    (S.DISCUSSED, S.FORWARDED): ({R}, True, NoticeKind.FORWARDED),
    (S.DISCUSSED, S.CLOSED): ({R}, True, NoticeKind.CLOSED),
    (S.TO_INTEGRITY, S.IN_PROGRESS): ({I}, False, None),
    (S.CLOSED, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS),
    (S.NOT_ADMISSIBLE, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS),
    (S.FORWARDED, S.IN_PROGRESS): ({R, I}, True, NoticeKind.IN_PROGRESS),
}
ROLE_TRACK = {R: {Track.REGULAR}, I: {Track.INTEGRITY}, V: {Track.REGULAR}}

ALL = list(itertools.product(S, S, Role, Track))


def test_table_is_exactly_the_expected_one():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(("source", "target", "role", "track"), ALL, ids=lambda v: str(v))
def test_every_combination(source, target, role, track):
    expected = EXPECTED.get((source, target))
    allowed = expected is not None and role in expected[0] and track in ROLE_TRACK.get(role, set())
    if allowed:
        transition = check_transition(source, target, role=role, track=track)
        assert transition.reason_required is expected[1]
        assert transition.notice == expected[2]
    else:
        with pytest.raises(TransitionError) as info:
            check_transition(source, target, role=role, track=track)
        assert str(info.value)  # a Dutch message to show


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
        check_transition("bestaat_niet", S.CLOSED, role=R, track=Track.REGULAR)
    with pytest.raises(TransitionError):
        check_transition(S.RECEIVED, S.IN_PROGRESS, role="hacker", track=Track.REGULAR)


def test_available_transitions_for_buttons():
    targets = [t.target for t in available_transitions(S.RECEIVED, role=R, track=Track.REGULAR)]
    assert targets == [S.IN_PROGRESS, S.NOT_ADMISSIBLE, S.FORWARDED, S.TO_INTEGRITY]
    assert available_transitions(S.RECEIVED, role=Role.MELDER, track=Track.REGULAR) == []
    assert [t.target for t in available_transitions(S.RECEIVED, role=I, track=Track.INTEGRITY)] == [
        S.IN_PROGRESS, S.NOT_ADMISSIBLE, S.FORWARDED]
