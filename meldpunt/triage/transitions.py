"""The status machine of a signal as one pure table: no I/O, no database, no Flask.

Each allowed move (from, to) names the roles that may take it, whether a reason
is required and which notice (if any) the reporter gets. Which *track* a role
acts on is part of the rule too: the regisseur moves regular-track signals, the
integriteitscoördinator the integrity track, the voorzitter only moves regular
signals between "geagendeerd" and "besproken". ``check_transition`` is the one
guard the service calls before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from meldpunt.auth.models import Role
from meldpunt.feedback.models import NoticeKind
from meldpunt.intake.models import SignalStatus as S
from meldpunt.intake.models import Track

R = Role.REGISSEUR
I = Role.INTEGRITEIT  # noqa: E741
V = Role.VOORZITTER

#: The track a role acts on. Roles not listed here move no signal at all.
ROLE_TRACKS: dict[Role, frozenset[Track]] = {
    R: frozenset({Track.REGULAR}),
    I: frozenset({Track.INTEGRITY}),
    V: frozenset({Track.REGULAR}),
}

#: Side exits and the end: leaving the normal flow always needs a reason.
EXIT_STATUSES = frozenset({S.CLOSED, S.NOT_ADMISSIBLE, S.FORWARDED, S.TO_INTEGRITY})

#: Statuses no one is working on any more (the queue's "open" means: not one of these).
FINAL_STATUSES = EXIT_STATUSES


class TransitionError(ValueError):
    """A move the table does not allow; the message is Dutch and safe to show."""


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    roles: frozenset[Role]
    reason_required: bool
    notice: NoticeKind | None
    label: str  # what the button says


def _t(source: S, target: S, roles: set[Role], *, reason: bool, notice: NoticeKind | None, label: str) -> Transition:
    return Transition(source, target, frozenset(roles), reason, notice, label)


HANDLERS = {R, I}
CHAIR = {R, V}

_TABLE: list[Transition] = [
    # Triage of a new signal.
    _t(S.RECEIVED, S.IN_PROGRESS, HANDLERS, reason=False, notice=NoticeKind.IN_PROGRESS, label="Ontvankelijk: in behandeling nemen"),
    _t(S.RECEIVED, S.NOT_ADMISSIBLE, HANDLERS, reason=True, notice=NoticeKind.NOT_ADMISSIBLE, label="Niet-ontvankelijk"),
    _t(S.RECEIVED, S.FORWARDED, HANDLERS, reason=True, notice=NoticeKind.FORWARDED, label="Doorzenden naar bevoegd gezag"),
    _t(S.RECEIVED, S.TO_INTEGRITY, {R}, reason=True, notice=NoticeKind.TO_INTEGRITY, label="Overdragen aan integriteitstraject"),
    # In behandeling.
    _t(S.IN_PROGRESS, S.ENRICHMENT, HANDLERS, reason=False, notice=None, label="Start verrijken"),
    _t(S.IN_PROGRESS, S.LINKED_TO_CASE, {R}, reason=False, notice=None, label="Koppelen aan casus"),
    _t(S.IN_PROGRESS, S.NOT_ADMISSIBLE, HANDLERS, reason=True, notice=NoticeKind.NOT_ADMISSIBLE, label="Niet-ontvankelijk"),
    _t(S.IN_PROGRESS, S.FORWARDED, HANDLERS, reason=True, notice=NoticeKind.FORWARDED, label="Doorzenden naar bevoegd gezag"),
    _t(S.IN_PROGRESS, S.TO_INTEGRITY, {R}, reason=True, notice=NoticeKind.TO_INTEGRITY, label="Overdragen aan integriteitstraject"),
    _t(S.IN_PROGRESS, S.CLOSED, HANDLERS, reason=True, notice=NoticeKind.CLOSED, label="Afsluiten"),
    # Verrijking.
    _t(S.ENRICHMENT, S.IN_PROGRESS, HANDLERS, reason=False, notice=None, label="Terug naar in behandeling"),
    _t(S.ENRICHMENT, S.LINKED_TO_CASE, {R}, reason=False, notice=None, label="Koppelen aan casus"),
    _t(S.ENRICHMENT, S.FORWARDED, HANDLERS, reason=True, notice=NoticeKind.FORWARDED, label="Doorzenden naar bevoegd gezag"),
    _t(S.ENRICHMENT, S.TO_INTEGRITY, {R}, reason=True, notice=NoticeKind.TO_INTEGRITY, label="Overdragen aan integriteitstraject"),
    _t(S.ENRICHMENT, S.CLOSED, HANDLERS, reason=True, notice=NoticeKind.CLOSED, label="Afsluiten"),
    # Gekoppeld aan casus (regular track only: cases are the regisseur's).
    _t(S.LINKED_TO_CASE, S.ENRICHMENT, {R}, reason=False, notice=None, label="Uit de casus halen"),
    _t(S.LINKED_TO_CASE, S.ON_AGENDA, CHAIR, reason=False, notice=None, label="Agenderen"),
    _t(S.LINKED_TO_CASE, S.FORWARDED, {R}, reason=True, notice=NoticeKind.FORWARDED, label="Doorzenden naar bevoegd gezag"),
    _t(S.LINKED_TO_CASE, S.CLOSED, {R}, reason=True, notice=NoticeKind.CLOSED, label="Afsluiten"),
    # Geagendeerd / besproken (meetings).
    _t(S.ON_AGENDA, S.DISCUSSED, CHAIR, reason=False, notice=NoticeKind.DISCUSSED, label="Besproken"),
    _t(S.ON_AGENDA, S.LINKED_TO_CASE, CHAIR, reason=False, notice=None, label="Van de agenda halen"),
    _t(S.DISCUSSED, S.ON_AGENDA, CHAIR, reason=False, notice=None, label="Opnieuw agenderen"),
    _t(S.DISCUSSED, S.FORWARDED, {R}, reason=True, notice=NoticeKind.FORWARDED, label="Doorzenden naar bevoegd gezag"),
    _t(S.DISCUSSED, S.CLOSED, {R}, reason=True, notice=NoticeKind.CLOSED, label="Afsluiten"),
    # The integrity coordinator takes over a transferred signal.
    _t(S.TO_INTEGRITY, S.IN_PROGRESS, {I}, reason=False, notice=None, label="In behandeling nemen"),
    # Reopening: always with a reason; the reporter hears it is being handled again.
    _t(S.CLOSED, S.IN_PROGRESS, HANDLERS, reason=True, notice=NoticeKind.IN_PROGRESS, label="Heropenen"),
    _t(S.NOT_ADMISSIBLE, S.IN_PROGRESS, HANDLERS, reason=True, notice=NoticeKind.IN_PROGRESS, label="Heropenen"),
    _t(S.FORWARDED, S.IN_PROGRESS, HANDLERS, reason=True, notice=NoticeKind.IN_PROGRESS, label="Heropenen"),
]

TRANSITIONS: dict[tuple[S, S], Transition] = {(t.source, t.target): t for t in _TABLE}
if len(TRANSITIONS) != len(_TABLE):  # table invariants, checked once at import
    raise RuntimeError("duplicate transition in the status table")
if not all(t.reason_required for t in _TABLE if t.target in EXIT_STATUSES):
    raise RuntimeError("every exit from the status table must carry a reason")


def track_after(transition: Transition, track: Track) -> Track:
    """The signal's track after the move: a transfer to the integrity track changes it."""
    return Track.INTEGRITY if transition.target == S.TO_INTEGRITY else track


def check_transition(source: S | str, target: S | str, *, role: Role | str, track: Track | str) -> Transition:
    """The transition, or ``TransitionError`` when this role may not make this move on this track."""
    try:
        source, target, role, track = S(source), S(target), Role(role), Track(track)
    except ValueError:
        raise TransitionError("Deze statuswijziging bestaat niet.") from None
    transition = TRANSITIONS.get((source, target))
    if transition is None:
        raise TransitionError(f"Van “{source.label}” naar “{target.label}” kan niet.")
    if role not in transition.roles or track not in ROLE_TRACKS.get(role, frozenset()):
        raise TransitionError(f"U mag deze melding niet van “{source.label}” naar “{target.label}” zetten.")
    return transition


def is_allowed(source: S | str, target: S | str, *, role: Role | str, track: Track | str) -> bool:
    try:
        check_transition(source, target, role=role, track=track)
    except TransitionError:
        return False
    return True


def available_transitions(source: S | str, *, role: Role | str, track: Track | str) -> list[Transition]:
    """The moves this role may make from ``source`` on ``track``, in table order (for the page's buttons)."""
    return [t for t in _TABLE if t.source == S(source) and is_allowed(t.source, t.target, role=role, track=track)]
