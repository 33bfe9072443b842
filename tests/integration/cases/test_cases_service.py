"""The cases service against real databases (SQLite and PostgreSQL), issue 16 item 9.

A casus is made from signals, takes and loses signals and subjects, is closed now or with four
eyes; every change writes its audit entry, content is stored encrypted, and each refusal (Dutch
message) changes nothing.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.cases.models import Case, CaseIntervention, CaseSignal, CaseStatus, CaseSubject
from meldpunt.cases.service import (
    CaseError,
    StaleCaseError,
    add_intervention,
    add_signal_to_case,
    add_subject_to_case,
    case_of_signal,
    close_case,
    create_case,
    list_cases,
    pending_case_approval,
    read_case,
    remove_intervention,
    remove_signal_from_case,
    remove_subject_from_case,
    update_case,
)
from meldpunt.extensions import db
from meldpunt.signals.models import SignalStatus, StatusChange
from meldpunt.intake.service import SubjectInput
from meldpunt.approvals.models import ApprovalKind, ApprovalState
from meldpunt.approvals.service import decide_approval
from meldpunt.signals.service import TriageError
from meldpunt.vault.service import current_keyring
from tests import factories
from tests.conftest import make_users

S = SignalStatus
TITLE = "Casus Havenweg 12"
RISK = "Een vastgoedbeheerder met contante huur en wisselende huurders."


@pytest.fixture
def ctx(app_any_db):
    """(users, second) — two accounts per role — inside an app context on SQLite and on PostgreSQL."""
    users = make_users(app_any_db)
    second = make_users(app_any_db, suffix="2")
    with app_any_db.app_context():
        yield users, second


def _actor(user) -> User:
    return db.session.get(User, user.id)


#: A signal filed through the intake service and put straight "in behandeling" (``status=`` overrides it).
in_progress = partial(factories.filed, description="Veel contant geld bij de loods", status=S.IN_PROGRESS)


def _entries(action: str, object_id) -> list[dict]:
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                       AuditEntry.object_id == str(object_id)).order_by(AuditEntry.id))
    return [json.loads(row.details) | {"_actor_id": row.actor_id} for row in rows]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_item_09_create_case_from_signals_links_them_audits_and_encrypts_the_title(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    first, second = in_progress(reporter=users["melder"]), in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=f"  {TITLE}  ",
                       signals=[first, second], phenomenon_code="witwassen")
    db.session.commit()

    assert case.reference == f"CA-{case.ref_year}-0001" and case.status == CaseStatus.OPEN.value
    assert TITLE.encode() not in case.title_ct and case.data_key_id is not None  # stored encrypted
    assert read_case(db.session, keyring=current_keyring(), case=case).title == TITLE  # trimmed
    for signal in (first, second):
        assert signal.status == S.LINKED_TO_CASE.value
        assert case_of_signal(db.session, signal=signal) == case
        moves = _entries("signal.transition", signal.id)
        assert moves[-1]["to"] == S.LINKED_TO_CASE.value and moves[-1]["case_id"] == str(case.id)
    created = _entries("case.create", case.id)
    assert len(created) == 1 and created[0]["signals"] == 2 and created[0]["_actor_id"] == regisseur.id
    assert TITLE not in json.dumps(created)  # the title never goes into the audit trail

    later = create_case(db.session, keyring=current_keyring(), actor=regisseur, title="Tweede casus")
    db.session.commit()
    assert later.reference == f"CA-{later.ref_year}-0002"
    assert [(c.id, title, n) for c, title, n in list_cases(db.session, keyring=current_keyring())] == [
        (later.id, "Tweede casus", 0), (case.id, TITLE, 2)]


@pytest.mark.parametrize(("signal_kwargs", "message"), [
    ({"about_colleague": True}, "Meldingen uit het integriteitstraject horen niet in een casus."),
    ({"status": S.RECEIVED}, "kan nu niet aan een casus worden gekoppeld (status: Ontvangen). Neem hem eerst in behandeling."),
    ({"status": S.CLOSED}, "kan nu niet aan een casus worden gekoppeld"),
])
def test_item_09_signals_that_may_not_join_a_case_are_refused(ctx, signal_kwargs, message):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    signal = in_progress(**signal_kwargs)
    status = signal.status
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE)
    db.session.commit()
    with pytest.raises(CaseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        add_signal_to_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=regisseur)
    db.session.rollback()
    assert signal.status == status and _count(CaseSignal) == 0
    assert _entries("signal.transition", signal.id) == []


def test_item_09_refusals_on_create_change_nothing(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    with pytest.raises(CaseError, match="Vul een korte naam voor de casus in."):
        create_case(db.session, keyring=current_keyring(), actor=regisseur, title="   ")
    with pytest.raises(CaseError, match="te lang"):
        create_case(db.session, keyring=current_keyring(), actor=regisseur, title="x" * 201)
    db.session.rollback()

    signal = in_progress()
    taken = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE, signals=[signal])
    db.session.commit()
    with pytest.raises(CaseError, match=f"Melding {signal.reference} hoort al bij een casus."):
        create_case(db.session, keyring=current_keyring(), actor=regisseur, title="Nog een", signals=[signal])
    db.session.rollback()
    assert [c.id for c in db.session.scalars(select(Case))] == [taken.id]
    assert _count(CaseSignal) == 1 and len(_entries("case.create", taken.id)) == 1


def test_item_09_unlink_moves_the_signal_back_to_verrijking_and_forgets_its_subjects(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    signal = in_progress(subjects=[SubjectInput(kind="bedrijf", name="Havenweg Vastgoed BV", kvk="12345678")])
    other = in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE, signals=[signal, other])
    subject = signal.subjects[0]
    add_subject_to_case(db.session, case=case, subject=subject, actor=regisseur)
    again = add_subject_to_case(db.session, case=case, subject=subject, actor=regisseur)  # already there: kept once
    db.session.commit()
    assert _count(CaseSubject) == 1 and again.subject_id == subject.id
    assert len(_entries("case.add_subject", case.id)) == 1
    history = db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.signal_id == signal.id))

    remove_signal_from_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=regisseur)
    db.session.commit()
    assert signal.status == S.ENRICHMENT.value and case_of_signal(db.session, signal=signal) is None
    assert _count(CaseSubject) == 0  # the case forgets the subjects of a signal that left it
    assert db.session.scalar(
        select(func.count()).select_from(StatusChange).where(StatusChange.signal_id == signal.id)) == history + 1
    move = _entries("signal.transition", signal.id)[-1]
    assert move["to"] == S.ENRICHMENT.value and move["unlinked"] is True
    assert _entries("case.remove_signal", case.id)[0]["signal_id"] == str(signal.id)
    assert case_of_signal(db.session, signal=other) == case  # the other signal stays

    with pytest.raises(CaseError, match="Deze melding hoort niet bij deze casus."):
        remove_signal_from_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=regisseur)
    with pytest.raises(CaseError, match="Deze betrokkene komt uit een melding die niet bij deze casus hoort."):
        add_subject_to_case(db.session, case=case, subject=subject, actor=regisseur)
    with pytest.raises(CaseError, match="Deze betrokkene hoort niet bij deze casus."):
        remove_subject_from_case(db.session, case=case, subject_id=subject.id, actor=regisseur)


def test_item_09_a_signal_on_the_agenda_cannot_leave_the_case(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    signal = in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE, signals=[signal])
    signal.status = S.ON_AGENDA.value  # as the casusoverleg would have put it
    db.session.commit()
    with pytest.raises(CaseError, match="staat op de agenda of is besproken"):
        remove_signal_from_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=regisseur)
    db.session.rollback()
    assert case_of_signal(db.session, signal=signal) == case and _entries("case.remove_signal", case.id) == []


def test_item_09_update_and_interventions_are_encrypted_audited_and_guarded_by_version(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE)
    db.session.commit()
    version = case.version_id
    update_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, title=TITLE, risk_picture=RISK,
                status=CaseStatus.MONITORING, expected_version=version)
    item = add_intervention(db.session, keyring=current_keyring(), case=case, actor=regisseur, kind="bibob_toets",
                            note="Bibob-toets aangevraagd bij de exploitatievergunning.")
    db.session.commit()
    assert case.status == CaseStatus.MONITORING.value and RISK.encode() not in case.risk_picture_ct
    assert b"Bibob-toets" not in item.note_ct
    view = read_case(db.session, keyring=current_keyring(), case=case)
    assert view.risk_picture == RISK and [(i.kind.value, i.note) for i in view.interventions] == [
        ("bibob_toets", "Bibob-toets aangevraagd bij de exploitatievergunning.")]
    assert _entries("case.update", case.id) == [
        {"status_from": "open", "status_to": "monitoren", "_actor_id": regisseur.id}]
    assert _entries("case.add_intervention", case.id)[0]["kind"] == "bibob_toets"

    with pytest.raises(StaleCaseError):  # someone else saved in between
        update_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, title="Ander", risk_picture=None,
                    status=CaseStatus.OPEN, expected_version=version)
    with pytest.raises(CaseError, match="Sluit een casus af met de knop"):
        update_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, title=TITLE, risk_picture=None,
                    status=CaseStatus.CLOSED)
    with pytest.raises(CaseError, match="Kies een interventie."):
        add_intervention(db.session, keyring=current_keyring(), case=case, actor=regisseur, kind="iets", note=None)
    other = create_case(db.session, keyring=current_keyring(), actor=regisseur, title="Andere casus")
    with pytest.raises(CaseError, match="Deze interventie hoort niet bij deze casus."):
        remove_intervention(db.session, case=other, intervention_id=item.id, actor=regisseur)
    remove_intervention(db.session, case=case, intervention_id=item.id, actor=regisseur)
    db.session.commit()
    assert _count(CaseIntervention) == 0 and len(_entries("case.remove_intervention", case.id)) == 1


def test_item_09_close_without_four_eyes_closes_the_case_and_its_open_signals(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    open_signal, forwarded = in_progress(), in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE,
                       signals=[open_signal, forwarded])
    forwarded.status = S.FORWARDED.value  # left the flow already: stays as it is
    db.session.commit()

    assert close_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, reason="Afgerond",
                      four_eyes=False, expected_version=case.version_id) is None
    db.session.commit()
    assert case.status == CaseStatus.CLOSED.value and case.closed_at is not None
    assert (open_signal.status, forwarded.status) == (S.CLOSED.value, S.FORWARDED.value)
    closing = _entries("signal.transition", open_signal.id)[-1]
    assert closing["to"] == S.CLOSED.value and closing["case_id"] == str(case.id)
    assert _entries("signal.transition", forwarded.id)[-1]["to"] == S.LINKED_TO_CASE.value
    assert _entries("case.close", case.id) == [{"signals": 2, "_actor_id": regisseur.id}]

    # A closed case takes no changes at all.
    for attempt in (
        lambda: close_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, reason="x",
                           four_eyes=False),
        lambda: add_signal_to_case(db.session, keyring=current_keyring(), case=case, signal=in_progress(),
                                   actor=regisseur),
        lambda: add_intervention(db.session, keyring=current_keyring(), case=case, actor=regisseur,
                                 kind="handhaving", note=None),
        lambda: update_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, title=TITLE,
                            risk_picture=None, status=CaseStatus.OPEN),
    ):
        with pytest.raises(CaseError, match="Deze casus is afgesloten."):
            attempt()
        db.session.rollback()
    assert read_case(db.session, keyring=current_keyring(), case=case).title == TITLE
    assert list_cases(db.session, keyring=current_keyring()) == []
    assert [c.id for c, _t, _n in list_cases(db.session, keyring=current_keyring(), include_closed=True)] == [case.id]


def test_item_09_closing_needs_a_reason_and_a_regisseur_for_the_signals(ctx):
    users, _ = ctx
    regisseur = _actor(users["regisseur"])
    signal = in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title=TITLE, signals=[signal])
    db.session.commit()
    with pytest.raises(CaseError, match="Vul de reden van afsluiten in."):
        close_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, reason=" ", four_eyes=False)
    with pytest.raises(CaseError, match=f"Melding {signal.reference} kan nu niet worden afgesloten"):
        close_case(db.session, keyring=current_keyring(), case=case, actor=_actor(users["voorzitter"]),
                   reason="Afgerond", four_eyes=False)
    with pytest.raises(StaleCaseError):
        close_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, reason="Afgerond",
                   four_eyes=False, expected_version=case.version_id + 1)
    db.session.rollback()
    assert case.status == CaseStatus.OPEN.value and signal.status == S.LINKED_TO_CASE.value
    assert _entries("case.close", case.id) == []


def test_item_09_four_eyes_close_waits_for_a_second_regisseur(ctx):
    users, second = ctx
    requester, approver = _actor(users["regisseur"]), _actor(second["regisseur"])
    signal = in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=requester, title=TITLE, signals=[signal])
    db.session.commit()

    approval = close_case(db.session, keyring=current_keyring(), case=case, actor=requester,
                          reason="Bibob-besluit genomen", four_eyes=True)
    db.session.commit()
    assert approval.kind == ApprovalKind.CLOSE_CASE.value and approval.state == ApprovalState.PENDING.value
    assert b"Bibob-besluit" not in approval.reason_ct  # the reason is encrypted under the case's key
    assert case.status == CaseStatus.OPEN.value and signal.status == S.LINKED_TO_CASE.value
    assert pending_case_approval(db.session, case=case) == approval
    assert read_case(db.session, keyring=current_keyring(), case=case).close_reason == "Bibob-besluit genomen"
    assert _entries("approval.request", case.id)[0]["approval_id"] == approval.id

    with pytest.raises(CaseError, match="wacht al een verzoek om af te sluiten op akkoord"):
        close_case(db.session, keyring=current_keyring(), case=case, actor=requester, reason="Nog eens", four_eyes=True)
    with pytest.raises(TriageError, match="Vier ogen: een andere regisseur moet dit goedkeuren, niet uzelf."):
        decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=requester, approve=True)
    with pytest.raises(TriageError, match="U kunt over dit verzoek niet beslissen."):
        decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=_actor(users["voorzitter"]),
                        approve=True)
    db.session.rollback()
    assert approval.state == ApprovalState.PENDING.value and case.status == CaseStatus.OPEN.value

    decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=approver, approve=True)
    db.session.commit()
    assert approval.state == ApprovalState.APPROVED.value and approval.decided_by_id == approver.id
    assert case.status == CaseStatus.CLOSED.value and signal.status == S.CLOSED.value
    assert _entries("approval.decide", approval.id)[0] == {
        "kind": ApprovalKind.CLOSE_CASE.value, "approved": True, "_actor_id": approver.id}
    assert _entries("case.close", case.id) == [{"signals": 1, "approval_id": approval.id, "_actor_id": approver.id}]
    closing = db.session.scalar(select(StatusChange).where(StatusChange.signal_id == signal.id)
                                .order_by(StatusChange.created_at.desc(), StatusChange.id.desc()))
    assert closing.to_status == S.CLOSED.value and closing.actor_id == approver.id
    with pytest.raises(TriageError, match="Over dit verzoek is al besloten."):
        decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=approver, approve=False)


def test_item_09_a_rejected_close_leaves_the_case_open_for_a_new_request(ctx):
    users, second = ctx
    requester, approver = _actor(users["regisseur"]), _actor(second["regisseur"])
    signal = in_progress()
    case = create_case(db.session, keyring=current_keyring(), actor=requester, title=TITLE, signals=[signal])
    approval = close_case(db.session, keyring=current_keyring(), case=case, actor=requester, reason="Klaar",
                          four_eyes=True)
    decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=approver, approve=False)
    db.session.commit()
    assert approval.state == ApprovalState.REJECTED.value
    assert case.status == CaseStatus.OPEN.value and signal.status == S.LINKED_TO_CASE.value
    assert pending_case_approval(db.session, case=case) is None and _entries("case.close", case.id) == []
    again = close_case(db.session, keyring=current_keyring(), case=case, actor=requester, reason="Nu wel",
                       four_eyes=True)
    db.session.commit()
    assert again.state == ApprovalState.PENDING.value and again.id != approval.id
