"""The policy module: need-to-know per role, per object and per registered rule; no content for beheerder/management."""

from __future__ import annotations


import pytest

import meldpunt.models  # noqa: F401  (all mappers configured)
from meldpunt.auth.models import Role, User
from meldpunt.signals.models import Track
from meldpunt.policy import ROLE_ACTIONS, Action, can, register_rule, rule_for
from meldpunt.taxonomy.models import TaxonomyTerm
from tests.factories import SignalRowFactory


def _user(role: Role, uid: int = 1, enabled: bool = True) -> User:
    return User(id=uid, email=f"{role.value}@x.test", name="x", role=role.value, is_enabled=enabled, session_generation=0)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [Role.BEHEERDER, Role.MANAGEMENT])
@pytest.mark.parametrize("track", list(Track))
def test_beheerder_and_management_never_reach_signal_content(role, action, track):
    user = _user(role, uid=5)
    assert not can(user, action, SignalRowFactory.build(track=track.value, reporter_id=6))


def test_own_signal_only_for_its_reporter():
    reporter, other = _user(Role.MELDER, 7), _user(Role.MELDER, 8)
    signal = SignalRowFactory.build(reporter_id=7)
    assert can(reporter, Action.VIEW_OWN_SIGNAL, signal)
    assert not can(other, Action.VIEW_OWN_SIGNAL, signal)
    assert not can(reporter, Action.HANDLE_SIGNAL, signal)
    assert not can(_user(Role.MELDER, 7), Action.VIEW_OWN_SIGNAL, SignalRowFactory.build(reporter_id=None))


def test_handlers_see_their_own_track_only():
    regular, integrity = (SignalRowFactory.build(track=Track.REGULAR.value, reporter_id=99),
                          SignalRowFactory.build(track=Track.INTEGRITY.value, reporter_id=99))
    assert can(_user(Role.REGISSEUR), Action.HANDLE_SIGNAL, regular)
    assert not can(_user(Role.REGISSEUR), Action.HANDLE_SIGNAL, integrity)
    assert can(_user(Role.INTEGRITEIT), Action.HANDLE_SIGNAL, integrity)
    assert not can(_user(Role.INTEGRITEIT), Action.HANDLE_SIGNAL, regular)
    for role in (Role.VOORZITTER, Role.DEELNEMER, Role.MELDER):
        assert not can(_user(role), Action.HANDLE_SIGNAL, regular)
        assert not can(_user(role), Action.VIEW_REPORTER_IDENTITY, regular)


def test_disabled_or_anonymous_users_can_do_nothing():
    disabled = _user(Role.REGISSEUR, enabled=False)
    for action in Action:
        assert not can(disabled, action)
        assert not can(None, action)
        assert not can(disabled, action, SignalRowFactory.build(reporter_id=99))


def test_role_actions_table():
    assert can(_user(Role.BEHEERDER), Action.MANAGE_USERS)
    assert can(_user(Role.BEHEERDER), Action.VIEW_AUDIT)
    assert not can(_user(Role.REGISSEUR), Action.MANAGE_USERS)
    assert not can(_user(Role.BEHEERDER), Action.VIEW_QUEUE)
    for action, roles in ROLE_ACTIONS.items():
        for role in Role:
            assert can(_user(role), action) == (role.value in roles), (action, role)


def test_accounts_and_terms_are_managed_by_the_beheerder_only():
    account, term = _user(Role.MELDER, 50), TaxonomyTerm(id=1, kind="phenomenon", code="x", label="X")
    for role in Role:
        expected = role == Role.BEHEERDER
        assert can(_user(role), Action.MANAGE_USERS, account) is expected
        assert can(_user(role), Action.MANAGE_TAXONOMY, term) is expected
        assert not can(_user(role), Action.HANDLE_SIGNAL, account)


def test_registered_rules_decide_for_their_type_and_unknown_types_are_refused():
    class Meeting:
        def __init__(self, members):
            self.members = members

    class SubMeeting(Meeting):
        pass

    assert not can(_user(Role.VOORZITTER), Action.HANDLE_SIGNAL, Meeting([1]))  # no rule: refused

    @register_rule(Meeting)
    def _rule(user, action, meeting):
        return user.id in meeting.members

    try:
        assert rule_for(SubMeeting([1])) is _rule
        assert can(_user(Role.DEELNEMER, 1), Action.HANDLE_SIGNAL, SubMeeting([1]))
        assert not can(_user(Role.DEELNEMER, 2), Action.HANDLE_SIGNAL, Meeting([1]))
    finally:
        from meldpunt import policy

        policy._RULES.pop(Meeting, None)
