"""What a member may read of a meeting: the agenda items, the afsprakenlijst and the per-member pack (HTML and PDF).

Need-to-know per item (``permissions.may_see_item``): the chair and internal members see every
item, a partner only the standing items and the items they were invited to, and nothing of the
items once the minutes are approved (then only their own actions). A pseudonymised item names
its subjects "Persoon A", "Bedrijf 1" …: every identifying value of those subjects is replaced in
every text of the item (name, title, question, risk picture, motivation, actions), so no subject
name appears anywhere in the pack.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.auth.models import User
from meldpunt.cases.models import Case, CaseSignal
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.intake.models import Subject, SubjectKind
from meldpunt.signals.models import Signal
from meldpunt.intake.subjects import KIND_LABELS, SUBJECT_FIELDS, read_subject
from meldpunt.meetings import outcomes
from meldpunt.meetings.models import AgendaItem, ItemKind, Meeting, MeetingAction, MeetingMember, MeetingState
from meldpunt.meetings.permissions import is_chair, may_see_item, membership
from meldpunt.meetings.service import MeetingError, read_proposal
from meldpunt.vault.service import ShreddedError, cipher_for, unseal

#: Values shorter than this are not replaced (a house number "3" would garble the text).
MIN_REPLACE = 3
PSEUDONYM_PREFIX = {
    SubjectKind.PERSON.value: "Persoon",
    SubjectKind.COMPANY.value: "Bedrijf",
    SubjectKind.ADDRESS.value: "Adres",
    SubjectKind.VEHICLE.value: "Voertuig",
}


@dataclass(frozen=True)
class SubjectLine:
    label: str  # "Persoon A" (pseudonymised) or the kind ("Persoon")
    values: list[tuple[str, str]]  # empty when pseudonymised


@dataclass
class ItemContent:
    item: AgendaItem
    number: int
    title: str
    question: str | None = None
    risk_picture: str | None = None
    signal_count: int = 0
    subjects: list[SubjectLine] = field(default_factory=list)
    decision: tuple[str, str | None, str] | None = None  # (kind label, instrument label, motivation)
    actions: list[outcomes.ActionView] = field(default_factory=list)


class Pseudonymiser:
    """Replaces each subject's identifying values by its pseudonym (case-insensitive), longest first."""

    def __init__(self, subjects: list[dict], *, active: bool) -> None:
        self.active = active
        self.lines: list[SubjectLine] = []
        self._pairs: list[tuple[str, str]] = []
        counters: dict[str, int] = {}
        for values in subjects:
            kind = values.get("kind", SubjectKind.PERSON.value)
            shown = [(SUBJECT_FIELDS[k], v) for k, v in values.items() if k in SUBJECT_FIELDS and v]
            if not active:
                self.lines.append(SubjectLine(KIND_LABELS.get(kind, kind), shown))
                continue
            n = counters.get(kind, 0)
            counters[kind] = n + 1
            prefix = PSEUDONYM_PREFIX.get(kind, "Betrokkene")
            suffix = string.ascii_uppercase[n % 26] if kind == SubjectKind.PERSON.value else str(n + 1)
            label = f"{prefix} {suffix}"
            self.lines.append(SubjectLine(label, []))
            for key, value in values.items():
                if key in SUBJECT_FIELDS and key != "role" and value and len(value.strip()) >= MIN_REPLACE:
                    self._pairs.append((value.strip(), label))
        self._pairs.sort(key=lambda pair: -len(pair[0]))

    def __call__(self, text: str | None) -> str | None:
        if not self.active or not text:
            return text
        for value, label in self._pairs:
            text = re.sub(re.escape(value), label, text, flags=re.IGNORECASE)
        return text


def _subjects_of(session: Session, keyring: Keyring, signals: list[Signal]) -> list[dict]:
    out = []
    for signal in signals:
        try:
            cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
        except ShreddedError:
            continue
        subjects = session.scalars(select(Subject).where(Subject.signal_id == signal.id).order_by(Subject.created_at))
        out.extend(read_subject(session, keyring=keyring, subject=s, cipher=cipher) for s in subjects)
    return out


def _signals_of_item(session: Session, item: AgendaItem) -> tuple[list[Signal], Case | None]:
    proposal = item.proposal
    if proposal.signal_id is not None:
        return [session.get(Signal, proposal.signal_id)], None
    case = session.get(Case, proposal.case_id)
    return [link.signal for link in session.scalars(select(CaseSignal).where(CaseSignal.case_id == case.id))], case


def item_content(session: Session, *, keyring: Keyring, item: AgendaItem, number: int, viewer: User,
                 today: date | None = None) -> ItemContent:
    """The readable content of one item for ``viewer`` (the caller checked ``may_see_item``)."""
    meeting = item.meeting
    meeting_cipher = outcomes.meeting_cipher(session, keyring=keyring, meeting=meeting)
    if item.is_standing:
        content = ItemContent(item, number, item.kind_enum.label)
        if item.kind == ItemKind.ACTIONS.value:
            visible = [a for a in outcomes.carried_actions(session, meeting=meeting) if _may_see_action(session, viewer, a)]
            content.actions = pseudonymised_actions(session, keyring=keyring, actions=visible, today=today)
        return content
    signals, case = _signals_of_item(session, item)
    hide = Pseudonymiser(_subjects_of(session, keyring, signals), active=item.pseudonymise)
    view = read_proposal(session, keyring=keyring, proposal=item.proposal)
    content = ItemContent(item, number, hide(f"Casus {view.reference}: {view.title}" if case else view.title),
                          question=hide(view.question), signal_count=len(signals), subjects=hide.lines)
    if case is not None:
        try:
            risk = unseal(cipher_for(session, keyring=keyring, data_key_id=case.data_key_id), case, "risk_picture")
        except ShreddedError:
            risk = None
        content.risk_picture = hide(risk)
    decision = outcomes.decision_of(session, item=item)
    if decision is not None:
        content.decision = (decision.kind_enum.label, decision.instrument and _instrument_label(decision.instrument),
                            hide(unseal(meeting_cipher, decision, "motivation")) or "")
    actions = session.scalars(select(MeetingAction).where(MeetingAction.item_id == item.id)
                              .order_by(MeetingAction.created_at))
    for action in actions:
        v = outcomes.read_action(session, keyring=keyring, action=action, today=today, cipher=meeting_cipher)
        content.actions.append(outcomes.ActionView(action, hide(v.description) or "", hide(v.result_note),
                                                   v.owner_label, v.overdue))
    return content


def pseudonymiser_for(session: Session, *, keyring: Keyring, item: AgendaItem | None) -> Pseudonymiser:
    """The pseudonymiser of an item (inactive for standing items and items shown by name)."""
    if item is None or item.is_standing or not item.pseudonymise or item.proposal is None:
        return Pseudonymiser([], active=False)
    signals, _case = _signals_of_item(session, item)
    return Pseudonymiser(_subjects_of(session, keyring, signals), active=True)


def pseudonymised_actions(session: Session, *, keyring: Keyring, actions: list[MeetingAction],
                          today: date | None = None) -> list[outcomes.ActionView]:
    """Actions read for a member: an action agreed on a pseudonymised item names its subjects by pseudonym
    wherever it appears (the afsprakenlijst of later meetings, "Mijn acties")."""
    hides: dict = {}
    views = []
    for view in outcomes.read_actions(session, keyring=keyring, actions=actions, today=today):
        item_id = view.action.item_id
        if item_id not in hides:
            hides[item_id] = pseudonymiser_for(session, keyring=keyring, item=view.action.item)
        hide = hides[item_id]
        views.append(outcomes.ActionView(view.action, hide(view.description) or "", hide(view.result_note),
                                         view.owner_label, view.overdue))
    return views


def _instrument_label(value: str) -> str:
    from meldpunt.meetings.models import Instrument

    return Instrument(value).label


def _may_see_action(session: Session, viewer: User, action: MeetingAction) -> bool:
    """An action on the afsprakenlijst: visible with its item, or to its owner; standing-item actions to all members."""
    if action.owner_user_id == viewer.id:
        return True
    if action.item_id is None:
        return True
    return may_see_item(viewer, action.item, require_secrecy=False)


# ---------------------------------------------------------------------------- the member's pack


@dataclass
class Pack:
    meeting: Meeting
    viewer: User
    member: MeetingMember | None
    items: list[ItemContent]
    own_actions: list[outcomes.ActionView]
    access_ended: bool  # a partner after the minutes were approved
    made_at: datetime
    minutes: str | None = None  # for the chair and internal members only

    @property
    def watermark(self) -> str:
        organisation = self.member.organisation if self.member else "Voorzitter"
        return f"Vertrouwelijk · {self.viewer.name} · {organisation} · gemaakt {self.made_local:%d-%m-%Y %H:%M}"

    @property
    def made_local(self) -> datetime:
        from zoneinfo import ZoneInfo

        return self.made_at.astimezone(ZoneInfo("Europe/Amsterdam"))


def needs_secrecy(viewer: User, meeting: Meeting) -> bool:
    member = membership(viewer, meeting)
    return member is not None and member.secrecy_confirmed_at is None


def confirm_secrecy(session: Session, *, viewer: User, meeting: Meeting, now: datetime | None = None) -> None:
    """De geheimhoudingsverklaring, once per meeting (recorded with the time, audited)."""
    from meldpunt.meetings.service import _audit

    member = membership(viewer, meeting)
    if member is None:
        raise MeetingError(gettext("U bent geen lid van dit overleg."))
    if member.secrecy_confirmed_at is None:
        member.secrecy_confirmed_at = now or utcnow()
        _audit(session, viewer, "meeting.secrecy_confirmed", "meeting", meeting.id)
    session.flush()


def build_pack(session: Session, *, keyring: Keyring, meeting: Meeting, viewer: User,
               now: datetime | None = None, require_secrecy: bool = True) -> Pack:
    """The items ``viewer`` may see, in agenda order, with their content; raises when secrecy is unconfirmed.

    ``require_secrecy=False`` only for the packs the task makes ahead: they are stored encrypted and
    served only after the member confirmed the geheimhoudingsverklaring.
    """
    if require_secrecy and needs_secrecy(viewer, meeting):
        raise MeetingError(gettext("Bevestig eerst de geheimhoudingsverklaring."))
    now = now or utcnow()
    member = membership(viewer, meeting)
    access_ended = bool(member and member.is_partner and meeting.state == MeetingState.MINUTES_APPROVED.value)
    items = []
    if is_chair(viewer, meeting) or member is not None:
        for number, item in enumerate(meeting.items, 1):
            if may_see_item(viewer, item, require_secrecy=require_secrecy):
                items.append(item_content(session, keyring=keyring, item=item, number=number, viewer=viewer,
                                          today=now.date()))
    own = pseudonymised_actions(session, keyring=keyring, today=now.date(), actions=list(session.scalars(
        select(MeetingAction).where(MeetingAction.meeting_id == meeting.id, MeetingAction.owner_user_id == viewer.id))))
    minutes = None
    if is_chair(viewer, meeting) or (member is not None and not member.is_partner):
        minutes = outcomes.read_minutes(session, keyring=keyring, meeting=meeting)
    return Pack(meeting, viewer, member, items, own, access_ended, now, minutes)


#: Print CSS of the pack: A4; the watermark (fixed elements) repeats on every page.
PACK_CSS = """
@page { size: A4; margin: 24mm 18mm 20mm 18mm; }
body { font-size: 10.5pt; line-height: 1.4; color: #111; }
.watermark { position: fixed; top: -16mm; left: 0; right: 0; text-align: center; font-size: 8.5pt; color: #7a1f1f;
             border-bottom: 0.5pt solid #7a1f1f; padding-bottom: 2mm; }
.watermark-diagonal { position: fixed; top: 110mm; left: -10mm; width: 190mm; text-align: center; font-size: 22pt;
                      color: rgba(122, 31, 31, 0.12); transform: rotate(-35deg); }
h1 { font-size: 16pt; } h2 { font-size: 12.5pt; margin-top: 8mm; }
dt { font-weight: bold; } .muted { color: #555; }
"""


def render_pack_pdf(pack: Pack) -> bytes:
    """The pack as PDF (WeasyPrint, bundled fonts); raises ``PdfUnavailable`` without Pango."""
    from zoneinfo import ZoneInfo

    from flask import render_template

    from meldpunt.documents.pdf import render_pdf
    from meldpunt.meetings.service import as_utc

    html = render_template("meetings/pack_pdf.html", meeting=pack.meeting, pack=pack,
                           local=lambda value: as_utc(value).astimezone(ZoneInfo("Europe/Amsterdam")))
    return render_pdf(html, extra_css=PACK_CSS)
