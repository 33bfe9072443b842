"""The status machine of a signal as one pure table: no I/O, no database, no Flask.

Each allowed move (from, to) names the roles that may take it, whether a reason
is required, which notice (if any) the reporter gets, the *path* it may be taken
through and whether it needs four eyes. Which *track* a role acts on is part of
the rule too: the regisseur moves regular-track signals, the
integriteitscoördinator the integrity track, the voorzitter only moves regular
signals between "geagendeerd" and "besproken" (in the casusoverleg).

The path (statuspad) is where a move comes from: the generic status buttons, the
forwarding form, the case pages, the casusoverleg or the completion of an
approved four-eyes request. A move whose row does not list the caller's path is
refused, so e.g. "doorgezonden" can never be set without a forwarding, nor
"gekoppeld aan casus" without a case. A row with ``four_eyes`` needs a second
person when ``[security] four_eyes`` is on: then only the approval path may
take it. ``check_transition`` is the one guard the service calls before it
changes anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext

from meldpunt.i18n import N_
from meldpunt.auth.models import Role
from meldpunt.signals.models import FINAL_STATUSES, ROLE_TRACKS, Track
from meldpunt.signals.models import SignalStatus as S

R = Role.REGISSEUR
I = Role.INTEGRITEIT  # noqa: E741
V = Role.VOORZITTER

#: Side exits and the end: leaving the normal flow always needs a reason (the final statuses).
EXIT_STATUSES = FINAL_STATUSES

#: Statuses of a signal that sits in a case (it leaves them only through the case, the meeting or an exit).
CASE_STATUSES = frozenset({S.LINKED_TO_CASE, S.ON_AGENDA, S.DISCUSSED})


class Path(enum.StrEnum):
    """Where a status move comes from (statuspad). Every caller of ``transition_signal`` names its path."""

    STATUS = "status"  # the generic status buttons on the signal page (POST …/status)
    FORWARD = "forward"  # doorzenden: ``forward_signal``, always with a Forwarding row
    CASE = "case"  # meldpunt.cases: linking, "uit de casus halen", closing a case
    MEETING = "meeting"  # the casusoverleg: agenderen, besproken (meetings module)
    APPROVAL = "approval"  # completing a four-eyes request another person approved

    @property
    def how(self) -> str:
        """Dutch: where a move on this path is done (for refusal messages)."""
        return PATH_HOW[self]


PATH_HOW = {
    Path.STATUS: N_("met de knoppen onder ‘Besluiten’ op de pagina van de melding"),
    Path.FORWARD: N_("met ‘Melding doorzenden’, met grondslag en reden"),
    Path.CASE: N_("op de pagina van de casus"),
    Path.MEETING: N_("in het casusoverleg"),
    Path.APPROVAL: N_("na akkoord van een tweede persoon (vier ogen)"),
}


class ReporterNotice(enum.StrEnum):
    """The notice a move sends the reporter (its value is the ``meldpunt.feedback`` NoticeKind of the same name)."""

    IN_PROGRESS = "in_behandeling"
    FORWARDED = "doorgezonden"
    DISCUSSED = "besproken"
    CLOSED = "afgesloten"
    NOT_ADMISSIBLE = "niet_ontvankelijk"
    TO_INTEGRITY = "integriteitstraject"


class TransitionError(ValueError):
    """A move the table does not allow; the message is Dutch and safe to show."""


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    roles: frozenset[Role]
    reason_required: bool
    notice: ReporterNotice | None
    label: str  # what the button says
    paths: frozenset[Path]
    #: With ``[security] four_eyes`` on, only the approval path may take this move.
    four_eyes: bool = False

    @property
    def main_path(self) -> Path:
        """The path a person starts this move on (the approval path only completes a request)."""
        return next(p for p in Path if p in self.paths and p != Path.APPROVAL)


def _t(source: S, target: S, roles: set[Role], paths: set[Path], *, reason: bool, notice: ReporterNotice | None,
       label: str, four_eyes: bool = False) -> Transition:
    if four_eyes:
        paths = paths | {Path.APPROVAL}
    return Transition(source, target, frozenset(roles), reason, notice, label, frozenset(paths), four_eyes)


HANDLERS = {R, I}
CHAIR = {R, V}
STATUS = {Path.STATUS}
FORWARD = {Path.FORWARD}
CASE = {Path.CASE}
MEETING = {Path.MEETING}

_TABLE: list[Transition] = [
    # Triage of a new signal.
    _t(S.RECEIVED, S.IN_PROGRESS, HANDLERS, STATUS, reason=False, notice=ReporterNotice.IN_PROGRESS,
       label=N_("Ontvankelijk: in behandeling nemen")),
    _t(S.RECEIVED, S.NOT_ADMISSIBLE, HANDLERS, STATUS, reason=True, notice=ReporterNotice.NOT_ADMISSIBLE,
       label=N_("Niet-ontvankelijk")),
    _t(S.RECEIVED, S.FORWARDED, HANDLERS, FORWARD, reason=True, notice=ReporterNotice.FORWARDED, four_eyes=True,
       label=N_("Doorzenden naar bevoegd gezag")),
    _t(S.RECEIVED, S.TO_INTEGRITY, {R}, STATUS, reason=True, notice=ReporterNotice.TO_INTEGRITY,
       label=N_("Overdragen aan integriteitstraject")),
    # In behandeling.
    _t(S.IN_PROGRESS, S.ENRICHMENT, HANDLERS, STATUS, reason=False, notice=None, label=N_("Start verrijken")),
    _t(S.IN_PROGRESS, S.LINKED_TO_CASE, {R}, CASE, reason=False, notice=None, label=N_("Koppelen aan casus")),
    _t(S.IN_PROGRESS, S.NOT_ADMISSIBLE, HANDLERS, STATUS, reason=True, notice=ReporterNotice.NOT_ADMISSIBLE,
       label=N_("Niet-ontvankelijk")),
    _t(S.IN_PROGRESS, S.FORWARDED, HANDLERS, FORWARD, reason=True, notice=ReporterNotice.FORWARDED, four_eyes=True,
       label=N_("Doorzenden naar bevoegd gezag")),
    _t(S.IN_PROGRESS, S.TO_INTEGRITY, {R}, STATUS, reason=True, notice=ReporterNotice.TO_INTEGRITY,
       label=N_("Overdragen aan integriteitstraject")),
    _t(S.IN_PROGRESS, S.CLOSED, HANDLERS, STATUS, reason=True, notice=ReporterNotice.CLOSED, label=N_("Afsluiten")),
    # Verrijking.
    _t(S.ENRICHMENT, S.IN_PROGRESS, HANDLERS, STATUS, reason=False, notice=None, label=N_("Terug naar in behandeling")),
    _t(S.ENRICHMENT, S.LINKED_TO_CASE, {R}, CASE, reason=False, notice=None, label=N_("Koppelen aan casus")),
    _t(S.ENRICHMENT, S.FORWARDED, HANDLERS, FORWARD, reason=True, notice=ReporterNotice.FORWARDED, four_eyes=True,
       label=N_("Doorzenden naar bevoegd gezag")),
    _t(S.ENRICHMENT, S.TO_INTEGRITY, {R}, STATUS, reason=True, notice=ReporterNotice.TO_INTEGRITY,
       label=N_("Overdragen aan integriteitstraject")),
    _t(S.ENRICHMENT, S.CLOSED, HANDLERS, STATUS, reason=True, notice=ReporterNotice.CLOSED, label=N_("Afsluiten")),
    # Gekoppeld aan casus (regular track only: cases are the regisseur's). In a case, a signal moves only
    # through the case, the casusoverleg or a forwarding; it is closed when its case is closed.
    _t(S.LINKED_TO_CASE, S.ENRICHMENT, {R}, CASE, reason=False, notice=None, label=N_("Uit de casus halen")),
    _t(S.LINKED_TO_CASE, S.ON_AGENDA, CHAIR, MEETING, reason=False, notice=None, label=N_("Agenderen")),
    _t(S.LINKED_TO_CASE, S.FORWARDED, {R}, FORWARD, reason=True, notice=ReporterNotice.FORWARDED, four_eyes=True,
       label=N_("Doorzenden naar bevoegd gezag")),
    _t(S.LINKED_TO_CASE, S.CLOSED, {R}, CASE, reason=True, notice=ReporterNotice.CLOSED, four_eyes=True,
       label=N_("Afsluiten met de casus")),
    # Geagendeerd / besproken (the casusoverleg).
    _t(S.ON_AGENDA, S.DISCUSSED, CHAIR, MEETING, reason=False, notice=ReporterNotice.DISCUSSED, label=N_("Besproken")),
    _t(S.ON_AGENDA, S.LINKED_TO_CASE, CHAIR, MEETING, reason=False, notice=None, label=N_("Van de agenda halen")),
    _t(S.DISCUSSED, S.ON_AGENDA, CHAIR, MEETING, reason=False, notice=None, label=N_("Opnieuw agenderen")),
    _t(S.DISCUSSED, S.FORWARDED, {R}, FORWARD, reason=True, notice=ReporterNotice.FORWARDED, four_eyes=True,
       label=N_("Doorzenden naar bevoegd gezag")),
    # The casusoverleg's decision "afsluiten" closes on the meeting path; with four eyes on, only after a
    # second person approved (then the regisseur closes the case, as for every close with four eyes).
    _t(S.DISCUSSED, S.CLOSED, CHAIR, CASE | MEETING, reason=True, notice=ReporterNotice.CLOSED, four_eyes=True,
       label=N_("Afsluiten met de casus")),
    # The casusoverleg's decision "terug naar verrijking": back into the case, off the agenda, for the regisseur.
    _t(S.DISCUSSED, S.LINKED_TO_CASE, CHAIR, MEETING, reason=False, notice=None, label=N_("Terug naar verrijking")),
    # The integrity coordinator takes over a transferred signal.
    _t(S.TO_INTEGRITY, S.IN_PROGRESS, {I}, STATUS, reason=False, notice=None, label=N_("In behandeling nemen")),
    # Reopening: always with a reason; the reporter hears it is being handled again.
    _t(S.CLOSED, S.IN_PROGRESS, HANDLERS, STATUS, reason=True, notice=ReporterNotice.IN_PROGRESS, label=N_("Heropenen")),
    _t(S.NOT_ADMISSIBLE, S.IN_PROGRESS, HANDLERS, STATUS, reason=True, notice=ReporterNotice.IN_PROGRESS, label=N_("Heropenen")),
    _t(S.FORWARDED, S.IN_PROGRESS, HANDLERS, STATUS, reason=True, notice=ReporterNotice.IN_PROGRESS, label=N_("Heropenen")),
]

TRANSITIONS: dict[tuple[S, S], Transition] = {(t.source, t.target): t for t in _TABLE}
if len(TRANSITIONS) != len(_TABLE):  # table invariants, checked once at import
    raise RuntimeError("duplicate transition in the status table")
if not all(t.reason_required for t in _TABLE if t.target in EXIT_STATUSES):
    raise RuntimeError("every exit from the status table must carry a reason")
if any((Path.APPROVAL in t.paths) != t.four_eyes for t in _TABLE):
    raise RuntimeError("the approval path belongs to exactly the rows that carry four eyes")
if any(Path.STATUS in t.paths and (t.source in CASE_STATUSES or t.target in CASE_STATUSES) for t in _TABLE):
    raise RuntimeError("a signal enters or leaves a case only through the case, the meeting or a forwarding")


def track_after(transition: Transition, track: Track) -> Track:
    """The signal's track after the move: a transfer to the integrity track changes it."""
    return Track.INTEGRITY if transition.target == S.TO_INTEGRITY else track


def check_start(source: S | str, target: S | str, *, role: Role | str, track: Track | str, path: Path | str) -> Transition:
    """The transition when ``role`` may start this move on ``track`` through ``path``; ``TransitionError`` otherwise.

    Four eyes aside: for a row that needs four eyes, *starting* it may mean asking a second
    person (see ``requires_approval``); ``check_transition`` is the check for making the move now.
    """
    try:
        source, target, role, track, path = S(source), S(target), Role(role), Track(track), Path(path)
    except ValueError:
        raise TransitionError(gettext("Deze statuswijziging bestaat niet.")) from None
    transition = TRANSITIONS.get((source, target))
    if transition is None:
        raise TransitionError(gettext("Van “%(source)s” naar “%(target)s” kan niet.", source=gettext(source.label), target=gettext(target.label)))
    if role not in transition.roles or track not in ROLE_TRACKS.get(role, frozenset()):
        raise TransitionError(gettext("U mag deze melding niet van “%(source)s” naar “%(target)s” zetten.", source=gettext(source.label),
                                       target=gettext(target.label)))
    if path not in transition.paths:
        raise TransitionError(gettext("“%(move)s” kan hier niet. Dat gaat %(how)s.", move=gettext(transition.label),
                                       how=gettext(transition.main_path.how)))
    return transition


def requires_approval(transition: Transition, *, four_eyes: bool) -> bool:
    """Whether this move needs a second person's approval under the ``[security] four_eyes`` setting."""
    return bool(four_eyes and transition.four_eyes)


def check_transition(
    source: S | str, target: S | str, *, role: Role | str, track: Track | str, path: Path | str, four_eyes: bool
) -> Transition:
    """The transition, or ``TransitionError`` when this role may not make this move on this track, through
    this path, now. With ``four_eyes`` on, a row that carries four eyes is taken only on the approval path."""
    transition = check_start(source, target, role=role, track=track, path=path)
    if Path(path) != Path.APPROVAL and requires_approval(transition, four_eyes=four_eyes):
        raise TransitionError(gettext("Vier ogen: “%(move)s” gebeurt pas als een collega het verzoek goedkeurt.", move=gettext(transition.label)))
    return transition


def is_allowed(
    source: S | str, target: S | str, *, role: Role | str, track: Track | str, path: Path | str, four_eyes: bool
) -> bool:
    try:
        check_transition(source, target, role=role, track=track, path=path, four_eyes=four_eyes)
    except TransitionError:
        return False
    return True


def can_start(source: S | str, target: S | str, *, role: Role | str, track: Track | str, path: Path | str) -> bool:
    try:
        check_start(source, target, role=role, track=track, path=path)
    except TransitionError:
        return False
    return True


def available_transitions(
    source: S | str, *, role: Role | str, track: Track | str, path: Path | str = Path.STATUS, four_eyes: bool = False
) -> list[Transition]:
    """The moves this role may make now from ``source`` on ``track`` through ``path``, in table order
    (the signal page's status buttons use the status path)."""
    return [t for t in _TABLE if t.source == S(source)
            and is_allowed(t.source, t.target, role=role, track=track, path=path, four_eyes=four_eyes)]
