"""Redacting meetings when a melding or casus is crypto-shredded.

What a meeting says about an item is encrypted under the meeting's own key, not under the key of the
melding or casus, so shredding that key does not reach it. When a melding or casus is shredded this
module removes its part from every meeting that discussed it:

- the decision's motivation and the item's actions (description, result note);
- the whole-meeting minutes: the section of the item (from its heading, "Punt 2" or a line that starts
  with its reference, up to the next item's heading) and every other paragraph that names its
  reference are replaced by ``REDACTED``; the rest of the minutes stays;
- the stored agenda packs of those meetings are deleted; a pack asked for afterwards is made anew,
  without the shredded content.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from meldpunt.cases.models import Case, CaseSignal
from meldpunt.database import utcnow
from meldpunt.meetings.models import AgendaItem, Decision, Meeting, MeetingAction, MeetingPack, Proposal
from meldpunt.signals.models import Signal
from meldpunt.vault.keys import Keyring
from meldpunt.vault.service import ShreddedError, cipher_for, current_keyring, seal, unseal

#: What stays in the minutes in place of a shredded item's part.
REDACTED = "[verwijderd: bewaartermijn verstreken]"

#: A line that starts a new part of the minutes: "Punt 3" / "Agendapunt 3", or a standing part of a meeting.
_ITEM_HEADING = re.compile(r"^\s*(?:(?:agenda)?punt\s+(\d+)\b|(?:opening|mededelingen|fenomenen en trends|"
                           r"afsprakenlijst|rondvraag|sluiting)\b)", re.IGNORECASE)


@dataclass
class Redacted:
    """What ``redact_meetings`` did (counts only: for the audit trail)."""

    decisions: int = 0
    actions: int = 0
    minutes: int = 0
    packs: int = 0
    meetings: set[uuid.UUID] = field(default_factory=set)


def _about(signal_ids: list[uuid.UUID] | None, case_id: uuid.UUID | None):
    about = []
    if signal_ids:
        about.append(Proposal.signal_id.in_(signal_ids))
    if case_id is not None:
        about.append(Proposal.case_id == case_id)
    return about


def _references(session: Session, item: AgendaItem) -> set[str]:
    """The references an item is known by in the minutes: its melding, or its casus and the casus's meldingen."""
    proposal = item.proposal
    if proposal.signal_id is not None:
        return {session.scalar(select(Signal.reference).where(Signal.id == proposal.signal_id)) or ""} - {""}
    refs = {session.scalar(select(Case.reference).where(Case.id == proposal.case_id)) or ""}
    refs.update(session.scalars(select(Signal.reference).join(CaseSignal, CaseSignal.signal_id == Signal.id)
                                .where(CaseSignal.case_id == proposal.case_id)))
    return refs - {""}


def _starts_with(line: str, references: set[str]) -> bool:
    return any(re.match(rf"\s*{re.escape(ref)}(?![\w-])", line) for ref in references)


def _names(text: str, references: set[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", text) for ref in references)


def redact_minutes_text(text: str, *, numbers: set[int], references: set[str], other_references: set[str]) -> str:
    """The minutes without the part about the shredded items.

    A section starts at a line "Punt N" (``N`` in ``numbers``: the shredded item's number on the agenda)
    or at a line that starts with one of ``references``, and runs to the next heading (another "Punt N",
    a standing part such as "Rondvraag" or "Sluiting", or a line starting with one of ``other_references``). Outside those sections every paragraph
    that names one of ``references`` is replaced too. Consecutive redactions merge into one marker.
    """
    out: list[str] = []
    skipping = False
    blank_skipped = False
    for line in text.splitlines():
        heading = _ITEM_HEADING.match(line)
        own = _starts_with(line, references)
        if heading or own or _starts_with(line, other_references):
            skipping = own or (heading is not None and heading.group(1) is not None
                                and int(heading.group(1)) in numbers)
            if skipping:
                if not out or out[-1] != REDACTED:
                    out.append(REDACTED)
                blank_skipped = False
                continue
            if blank_skipped:
                out.append("")  # keep the blank line between the redacted section and the next
            blank_skipped = False
        if skipping:
            blank_skipped = not line.strip()
            continue
        out.append(line)
    # Paragraphs elsewhere that still name the shredded item.
    paragraphs = re.split(r"(\n\s*\n)", "\n".join(out))
    kept = [REDACTED if not sep and _names(part, references) else part
            for part, sep in ((p, i % 2 == 1) for i, p in enumerate(paragraphs))]
    result = "".join(kept)
    if text.endswith("\n") and not result.endswith("\n"):
        result += "\n"
    return result


def redact_meetings(session: Session, *, keyring: Keyring | None, signal_ids: list[uuid.UUID] | None = None,
                    case_id: uuid.UUID | None = None) -> Redacted:
    """Remove what meetings hold about these meldingen or this casus, in the caller's transaction.

    Call it before the data keys of the meldingen or the casus are deleted (the references are
    plaintext metadata, so after is fine too). A meeting whose own key is gone is skipped: its minutes
    and packs are unreadable already. ``keyring``: the app's when None (needs the app context, and only
    when a meeting discussed them).
    """
    done = Redacted()
    about = _about(signal_ids, case_id)
    if not about:
        return done
    items = list(session.scalars(select(AgendaItem).join(Proposal, Proposal.id == AgendaItem.proposal_id)
                                 .where(or_(*about))))
    if not items:
        return done
    keyring = keyring if keyring is not None else current_keyring()
    item_ids = [item.id for item in items]
    done.decisions = session.execute(
        update(Decision).where(Decision.item_id.in_(item_ids), Decision.motivation_ct.is_not(None))
        .values(motivation_ct=None).execution_options(synchronize_session=False)).rowcount or 0

    by_meeting: dict[uuid.UUID, list[AgendaItem]] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    for meeting_id, shredded_items in by_meeting.items():
        meeting = session.get(Meeting, meeting_id)
        try:
            cipher = cipher_for(session, keyring=keyring, data_key_id=meeting.data_key_id)
        except ShreddedError:
            continue
        for action in session.scalars(select(MeetingAction).where(
                MeetingAction.item_id.in_([i.id for i in shredded_items]))):
            seal(cipher, action, "description", REDACTED)
            seal(cipher, action, "result_note", None)
            done.actions += 1
        if meeting.minutes_ct is not None:
            numbers = {number for number, item in enumerate(meeting.items, 1) if item in shredded_items}
            references: set[str] = set()
            for item in shredded_items:
                references |= _references(session, item)
            others: set[str] = set()
            for item in meeting.items:
                if item.proposal_id is not None and item not in shredded_items:
                    others |= _references(session, item)
            others -= references
            text = unseal(cipher, meeting, "minutes") or ""
            redacted = redact_minutes_text(text, numbers=numbers, references=references, other_references=others)
            if redacted != text:
                seal(cipher, meeting, "minutes", redacted)
                done.minutes += 1
        meeting.updated_at = utcnow()  # a stored pack older than this is never served
        done.meetings.add(meeting.id)
    session.flush()
    if done.meetings:
        done.packs = session.execute(delete(MeetingPack).where(MeetingPack.meeting_id.in_(done.meetings))
                                     .execution_options(synchronize_session=False)).rowcount or 0
    return done
