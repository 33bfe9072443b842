"""Route x role matrix, generated from ``app.url_map``.

Every route is public (``PUBLIC``) or needs a login and a permission. For each
non-public route: anonymous visitors are sent to the login page; each role gets
what ``ROUTE_ACCESS`` says; and where the URL holds an object id, the id of a
REAL object that role may not see answers 404, exactly like a missing one.

A new route fails this test with its name until it is added to ``ROUTE_ACCESS``
(and, for a new kind of id in the URL, to ``ID_FACTORIES``).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from meldpunt.auth.models import Role
from meldpunt.extensions import db
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full

ALL = frozenset(r.value for r in Role)
HANDLERS = frozenset({"regisseur", "integriteit"})
#: Roles that read content or aggregates; their holders decide on grants of their own role (issue 15 item 2).
CONTENT_ROLES = frozenset({"regisseur", "integriteit", "voorzitter", "deelnemer", "management"})
CHAIR = frozenset({"voorzitter"})
MEETING_ROLES = frozenset({"voorzitter", "deelnemer"})
REPORT_VIEWERS = frozenset({"regisseur", "management"})
#: Council reports: one per track; the regisseur sees the regular one, the integriteitscoördinator the integrity one.
COUNCIL_VIEWERS = REPORT_VIEWERS | {"integriteit"}

#: Reachable without login (login steps, anonymous reporting with a receipt code, health, static files).
PUBLIC = {
    "static", "health.healthz", "auth.index", "auth.login", "auth.code", "auth.enrol", "auth.logout",
    "auth.oidc_login", "auth.oidc_callback",
    "intake.new_signal", "intake.new_anonymous_signal", "intake.anonymous_confirmation", "intake.check_anonymous",
    "intake.receipt", "intake.receipt_signal", "intake.receipt_reply",
    "intake.receipt_close", "intake.new_public_signal",
    "i18n.switch_language",  # the language switch in the footer (issue 22 item 9): a cookie, 303 back
}

#: endpoint -> roles that may use it at all (object rules narrow it further).
ROUTE_ACCESS: dict[str, frozenset[str]] = {
    # own account
    "auth.account": ALL, "auth.change_password_page": ALL, "auth.new_recovery_codes": ALL, "auth.reply_mail": ALL,
    # reporting
    "intake.confirmation": ALL, "intake.my_signals": ALL, "intake.my_signal": ALL,
    "intake.my_signal_reply": ALL, "intake.check_named": ALL,
    "feedback.inbox": ALL, "feedback.read_one": ALL, "feedback.read_all": ALL,
    # handling
    "triage.queue": HANDLERS, "triage.approvals": HANDLERS, "triage.decide": HANDLERS,
    "channels.register": HANDLERS, "channels.mma_tip": HANDLERS,
    "triage.signal_detail": HANDLERS, "triage.subject_links": HANDLERS, "triage.post_message": HANDLERS,
    "triage.download_attachment": HANDLERS,
    "triage.forward": HANDLERS, "triage.change_status": HANDLERS, "triage.add_subject": HANDLERS,
    "triage.assign": HANDLERS, "triage.add_note": HANDLERS, "triage.reveal_reporter": HANDLERS,
    "triage.classify": HANDLERS, "triage.threat_step": HANDLERS,
    "feedback.compose": HANDLERS, "feedback.awaiting": HANDLERS, "feedback.retry_delivery": HANDLERS,
    # cases
    "cases.index": frozenset({"regisseur"}), "cases.create": frozenset({"regisseur"}),
    "cases.detail": frozenset({"regisseur"}), "cases.update": frozenset({"regisseur"}),
    "cases.add_signal": frozenset({"regisseur"}), "cases.remove_signal": frozenset({"regisseur"}),
    "cases.link_subject": frozenset({"regisseur"}), "cases.toggle_subject": frozenset({"regisseur"}),
    "cases.add_intervention": frozenset({"regisseur"}),
    "cases.remove_intervention": frozenset({"regisseur"}), "case_meetings.propose": frozenset({"regisseur"}),
    "cases.close": frozenset({"regisseur"}),
    # functioneel beheer
    "admin.index": frozenset({"beheerder"}), "admin.users": frozenset({"beheerder"}),
    "admin.user_new": frozenset({"beheerder"}), "admin.user_detail": frozenset({"beheerder"}),
    "admin.user_role": frozenset({"beheerder"}), "admin.user_disable": frozenset({"beheerder"}),
    "admin.user_department": frozenset({"beheerder"}),
    "admin.user_enable": frozenset({"beheerder"}), "admin.user_reset_totp": frozenset({"beheerder"}),
    "admin.taxonomy": frozenset({"beheerder"}), "admin.term_new": frozenset({"beheerder"}),
    "admin.term_edit": frozenset({"beheerder"}), "admin.term_toggle": frozenset({"beheerder"}),
    "admin.audit": frozenset({"beheerder"}),
    # role grants: another holder of the requested role decides (never the beheerder)
    "grants.index": CONTENT_ROLES, "grants.decide": CONTENT_ROLES,
    # weerbaarheid (issue 21): the regisseur keeps it; owners (any role) see their measures; all read knowledge
    "resilience.index": frozenset({"regisseur"}), "resilience.register": frozenset({"regisseur"}),
    "resilience.entry_new": frozenset({"regisseur"}), "resilience.register_seed": frozenset({"regisseur"}), "resilience.entry_edit": frozenset({"regisseur"}),
    "resilience.measures": frozenset({"regisseur"}), "resilience.measure_create": frozenset({"regisseur"}),
    "resilience.measure_import": frozenset({"regisseur"}), "resilience.measure_detail": ALL,
    "resilience.measure_update": ALL, "resilience.my_measures": ALL,
    "resilience.evidence_add": ALL, "resilience.evidence_download": ALL,
    "resilience.reports": frozenset({"regisseur"}), "resilience.report_issue": frozenset({"regisseur"}),
    "resilience.report_detail": frozenset({"regisseur"}), "resilience.report_pdf": frozenset({"regisseur"}),
    "resilience.knowledge_index": ALL, "resilience.knowledge_page": ALL,
    "resilience.knowledge_edit": frozenset({"regisseur"}),
    "resilience.sessions": frozenset({"regisseur"}), "resilience.session_create": frozenset({"regisseur"}),
    # casusoverleg / LIO (issue 17): the chair plans and builds the agenda; members see their meetings
    "meetings.index": MEETING_ROLES, "meetings.create": CHAIR, "meetings.detail": MEETING_ROLES,
    "meetings.update": CHAIR, "meetings.add_member": CHAIR, "meetings.remove_member": CHAIR,
    "meetings.next_meeting": CHAIR, "meetings.proposals": CHAIR, "meetings.accept_proposal": CHAIR,
    "meetings.return_proposal": CHAIR, "meetings.add_standing_item": CHAIR, "meetings.move_item": CHAIR,
    "meetings.update_item": CHAIR, "meetings.remove_item": CHAIR,
    "meetings.item_detail": MEETING_ROLES, "meetings.attendance": CHAIR, "meetings.decide": CHAIR,
    "meetings.add_action": CHAIR, "meetings.update_action": MEETING_ROLES, "meetings.my_actions": MEETING_ROLES,
    "meetings.series_actions": CHAIR, "meetings.save_minutes": CHAIR, "meetings.approve_minutes": MEETING_ROLES,
    "meetings.confirm_secrecy": MEETING_ROLES, "meetings.pack": MEETING_ROLES, "meetings.pack_pdf": MEETING_ROLES,
    "meetings.send_agenda": CHAIR, "meetings.retry_packs": CHAIR,
    "meetings.meeting_types": frozenset({"beheerder"}), "meetings.add_meeting_type": frozenset({"beheerder"}),
    "meetings.toggle_meeting_type": frozenset({"beheerder"}),
    # retention and legal hold (issue 19): the handlers; requests of data subjects: the beheerder
    "retention.index": HANDLERS, "retention.holds": HANDLERS, "retention.decide_hold": HANDLERS,
    "retention.lift_hold": HANDLERS, "retention.decide_lift": HANDLERS, "retention.propose_signal_hold": HANDLERS,
    "retention.propose_case_hold": frozenset({"regisseur"}), "retention.extend": HANDLERS,
    "retention.requests": frozenset({"beheerder"}), "retention.record_request": frozenset({"beheerder"}),
    "retention.request_detail": frozenset({"beheerder"}), "retention.decide_request": frozenset({"beheerder"}),
    "retention.download_export": frozenset({"beheerder"}),
    # reports (issue 18): aggregates only; never the beheerder, never content
    "reports.dashboard": REPORT_VIEWERS | {"integriteit"},
    "reports.council_index": COUNCIL_VIEWERS, "reports.council_create": HANDLERS,
    "reports.council_detail": COUNCIL_VIEWERS, "reports.council_themes": HANDLERS,
    "reports.council_approve": frozenset({"management"}), "reports.council_correct": HANDLERS,
    "reports.council_pdf": COUNCIL_VIEWERS, "reports.council_csv": COUNCIL_VIEWERS,
    "reports.undermining": frozenset({"regisseur"}), "reports.undermining_pdf": frozenset({"regisseur"}),
    "reports.results": ALL, "reports.example_create": frozenset({"regisseur"}),
    "reports.example_approve": REPORT_VIEWERS,
}


@dataclass
class World:
    """Real objects, made by someone else than the roles under test."""

    users: dict[str, Any]
    others: dict[str, Any]
    signal_regular: Any
    signal_integrity: Any
    attachment: dict
    subject: dict
    case: Any
    intervention: Any
    approval: dict
    notice: Any
    term: Any
    grant: dict
    resilience: dict
    meeting: Any = None  # chaired by another voorzitter; no test account is a member
    proposal: Any = None
    item: Any = None
    action: Any = None
    meeting_type: Any = None
    retention: dict | None = None  # legal holds per signal, and a request of a data subject
    reports: Any = None  # {"council": id, "example": id}, made by another regisseur


def _hidden_signal(world: World, role: str):
    """A signal the role may not see: the other track for a handler, someone else's for everyone else."""
    return world.signal_integrity if role == "regisseur" else world.signal_regular


def _case_or_none(world: World, role: str):
    return None if role == "regisseur" else world.case.id  # the regisseur sees every case


#: URL argument name -> (world, role) -> value of a real object hidden from that role (None: no such object).
ID_FACTORIES = {
    "signal_id": lambda w, role: _hidden_signal(w, role).id,
    "reference": lambda w, role: _hidden_signal(w, role).reference,
    "attachment_id": lambda w, role: w.attachment[_hidden_signal(w, role).id],
    "subject_id": lambda w, role: w.subject[_hidden_signal(w, role).id],
    "approval_id": lambda w, role: w.approval[_hidden_signal(w, role).id],
    "notice_id": lambda w, role: w.notice.id,
    "case_id": _case_or_none,
    "intervention_id": lambda w, role: w.intervention.id,
    "user_id": lambda w, role: None if role == "beheerder" else w.users["melder"].id,
    "term_id": lambda w, role: None if role == "beheerder" else w.term.id,
    # a pending grant of another content role than the viewer's (the beheerder, who asked, may decide none)
    "grant_id": lambda w, role: w.grant["integriteit" if role == "regisseur" else "regisseur"],
    # weerbaarheid: the regisseur sees every entry, measure and report; a measure is owned by someone else
    "entry_id": lambda w, role: None if role == "regisseur" else w.resilience["entry"],
    "measure_id": lambda w, role: None if role == "regisseur" else w.resilience["measure"],
    "report_id": lambda w, role: None if role == "regisseur" else w.resilience["report"],
    "evidence_id": lambda w, role: None if role == "regisseur" else w.resilience["evidence"],
    # knowledge pages are for everyone (kind/code of a taxonomy term): nothing hidden to probe
    "kind": lambda w, role: None,
    "code": lambda w, role: None,
    # another chair's meeting, its proposal and its agenda item: hidden from every test account
    "meeting_id": lambda w, role: w.meeting,
    "proposal_id": lambda w, role: w.proposal,
    "item_id": lambda w, role: w.item,
    "action_id": lambda w, role: w.action,
    "type_id": lambda w, role: None if role == "beheerder" else w.meeting_type,  # a real type; only the beheerder
    # a legal hold on the signal hidden from the role; a request of a data subject (only the beheerder)
    "hold_id": lambda w, role: w.retention["hold"][_hidden_signal(w, role).id],
    "request_id": lambda w, role: None if role == "beheerder" else w.retention["request"],
    # reports: management sees every council report; the regisseur and the integriteitscoördinator
    # not the other track's; the others none
    "council_report_id": lambda w, role: None if role == "management" else
    w.reports["council_integrity" if role == "regisseur" else "council"],
    "example_id": lambda w, role: None if role in REPORT_VIEWERS else w.reports["example"],
}


def _build_world(app) -> World:
    from meldpunt.cases.models import Case, CaseIntervention
    from meldpunt.feedback.models import Notice
    from meldpunt.grants.models import RoleGrant
    from meldpunt.intake.models import Attachment, Subject
    from meldpunt.signals.models import Signal, Track
    from meldpunt.intake.service import file_signal
    from meldpunt.taxonomy.models import TaxonomyTerm
    from meldpunt.approvals.models import Approval
    from meldpunt.triage.models import Forwarding

    from meldpunt.auth.service import create_user

    users = make_users(app)
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        others = {role: create_user(db.session, email=f"{role}2@test.example", name=f"Ander {role}", role=role,
                                    password=None) for role in ("melder", "regisseur")}
        db.session.flush()
        reporter = db.session.get(type(others["melder"]), others["melder"].id)
        regular = file_signal(db.session, keyring=keyring, reporter=reporter, description="geheim regulier")
        integrity = file_signal(db.session, keyring=keyring, reporter=reporter, description="geheim collega",
                                about_colleague=True)
        integrity.track = Track.INTEGRITY.value
        attachment, subject, approval = {}, {}, {}
        for signal in (regular, integrity):
            att = Attachment(id=uuid.uuid4(), signal_id=signal.id, storage_name=uuid.uuid4().hex, size=1)
            sub = Subject(id=uuid.uuid4(), signal_id=signal.id, kind="persoon")
            fwd = Forwarding(id=uuid.uuid4(), signal_id=signal.id, authority="politie")
            appr = Approval(kind="signaal_doorzenden", signal_id=signal.id, forwarding_id=fwd.id,
                            requested_by_id=others["regisseur"].id)
            db.session.add_all([att, sub, fwd, appr])
            db.session.flush()
            attachment[signal.id], subject[signal.id], approval[signal.id] = att.id, sub.id, appr.id
        case = Case(id=uuid.uuid4(), reference="C-2026-9999", ref_year=2026, ref_seq=9999,
                    created_by_id=others["regisseur"].id)
        db.session.add(case)
        db.session.flush()
        intervention = CaseIntervention(id=uuid.uuid4(), case_id=case.id, kind="bibob_toets",
                                        created_by_id=others["regisseur"].id)
        notice = Notice(signal_id=regular.id, kind="ontvangen", recipient_user_id=others["melder"].id)
        db.session.add_all([intervention, notice])
        grant = {}
        for wanted in ("regisseur", "integriteit"):
            candidate = create_user(db.session, email=f"kandidaat-{wanted}@test.example", name="Kandidaat",
                                    role="melder", password=None)
            row = RoleGrant(user_id=candidate.id, role=wanted, previous_role="melder",
                            requested_by_id=users["beheerder"].id)
            db.session.add(row)
            db.session.flush()
            grant[wanted] = row.id
        from meldpunt.resilience.models import Measure, MeasureEvidence, ProgressReport, RegisterEntry

        entry = RegisterEntry(kind="proces", process_code="vergunningen", risks="r")
        measure = Measure(source="overig", status="open", owner_id=others["melder"].id)
        report = ProgressReport(title="r", as_of=datetime.date(2026, 1, 1), snapshot="{}")
        db.session.add_all([entry, measure, report])
        db.session.flush()
        evidence = MeasureEvidence(id=uuid.uuid4(), measure_id=measure.id, storage_name=uuid.uuid4().hex, size=1)
        db.session.add(evidence)
        resilience = {"entry": entry.id, "measure": measure.id, "report": report.id, "evidence": evidence.id}
        db.session.commit()
        meeting_ids = _hidden_meeting(app, case, regular)
        term = db.session.scalar(db.select(TaxonomyTerm).limit(1))
        world = World(users, others, regular, integrity, attachment, subject, case, intervention, approval, notice,
                      term, grant, resilience, *meeting_ids)
        world.retention = _retention_objects(world)
        world.reports = _hidden_reports(others["regisseur"].id)
        for obj in (regular, integrity, case, intervention, notice, term):
            db.session.refresh(obj)
            db.session.expunge(obj)
        assert db.session.get(Signal, regular.id) is not None
    return world


def _retention_objects(world: World) -> dict:
    """A proposed legal hold on each signal (by another regisseur) and a recorded request (by the beheerder)."""
    from meldpunt.retention.models import LegalHold, RightsRequest

    holds = {}
    for signal in (world.signal_regular, world.signal_integrity):
        hold = LegalHold(id=uuid.uuid4(), signal_id=signal.id, ends_on=datetime.date(2030, 1, 1),
                         proposed_by_id=world.others["regisseur"].id)
        db.session.add(hold)
        holds[signal.id] = hold.id
    request = RightsRequest(id=uuid.uuid4(), kind="betrokkene", recorded_by_id=world.users["beheerder"].id)
    db.session.add(request)
    db.session.commit()
    return {"hold": holds, "request": request.id}


def _hidden_reports(author_id: int) -> dict:
    """An approved-looking draft council report and an example, written by another regisseur (ids only)."""
    from meldpunt.reports.models import CouncilReport, ResultExample

    report = CouncilReport(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 4, 1),
                           author_id=author_id)
    integrity = CouncilReport(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 4, 1),
                              author_id=author_id, track="integriteit")
    example = ResultExample(quarter="2026-K1", text="Voorbeeld", author_id=author_id)
    db.session.add_all([report, integrity, example])
    db.session.commit()
    return {"council": report.id, "council_integrity": integrity.id, "example": example.id}


def _hidden_meeting(app, case, signal) -> tuple:
    """A meeting of another voorzitter with a proposal and an agenda item (ids only)."""
    from datetime import datetime, timezone

    from meldpunt.auth.service import create_user
    from meldpunt.meetings.models import AgendaItem, Meeting, MeetingAction, MeetingSeries, MeetingType, Proposal

    chair = create_user(db.session, email="voorzitter2@test.example", name="Andere voorzitter", role="voorzitter",
                        password=None)
    db.session.flush()
    type_id = db.session.scalar(db.select(MeetingType.id).limit(1))
    series = MeetingSeries(id=uuid.uuid4(), type_id=type_id, chair_id=chair.id)
    meeting = Meeting(id=uuid.uuid4(), series_id=series.id, type_id=type_id, chair_id=chair.id,
                      starts_at=datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc), location="Stadhuis")
    proposal = Proposal(id=uuid.uuid4(), meeting_id=meeting.id, signal_id=signal.id, proposed_by_id=chair.id)
    item = AgendaItem(id=uuid.uuid4(), meeting_id=meeting.id, position=1, kind="mededelingen")
    db.session.add_all([series, meeting])
    db.session.flush()
    action = MeetingAction(id=uuid.uuid4(), meeting_id=meeting.id, series_id=series.id, owner_organisation="Politie",
                           deadline=datetime(2030, 2, 1).date(), created_by_id=chair.id)
    db.session.add_all([proposal, item, action])
    db.session.commit()
    return meeting.id, proposal.id, item.id, action.id, type_id


def _build(rule, values) -> str:
    _domain, path = rule.build({k: v for k, v in values.items()}, append_unknown=False)
    return path


def _request(client, method: str, path: str, token: str):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token})


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_public_or_listed(app):
    unknown = sorted({rule.endpoint for rule, _m in _routes(app) if rule.endpoint not in ROUTE_ACCESS})
    assert not unknown, f"add these routes to ROUTE_ACCESS in {__file__}: {unknown}"
    missing_factories = sorted({arg for rule, _m in _routes(app) for arg in rule.arguments
                                if arg not in ID_FACTORIES})
    assert not missing_factories, f"add an id factory for these URL arguments: {missing_factories}"


def test_anonymous_is_sent_to_login_everywhere(app):
    world = _build_world(app)
    client = app.test_client()
    token = csrf_token(client.get("/inloggen").get_data(as_text=True))
    problems = []
    for rule, method in _routes(app):
        values = {arg: ID_FACTORIES[arg](world, "melder") or world.users["melder"].id for arg in rule.arguments}
        response = _request(client, method, _build(rule, values), token)
        location = response.headers.get("Location", "")
        if not ((response.status_code == 302 and "/inloggen" in location) or response.status_code in (401, 404)):
            problems.append(f"{method} {rule.rule}: {response.status_code} {location}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_matrix(app, role):
    world = _build_world(app)
    client = app.test_client()
    login_full(client, world.users[role].email)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    problems = []
    checked = 0
    for rule, method in _routes(app):
        allowed = role in ROUTE_ACCESS[rule.endpoint]
        if rule.arguments:
            values = {arg: ID_FACTORIES[arg](world, role) for arg in rule.arguments}
            if any(v is None for v in values.values()):
                continue  # this role may see every such object (e.g. the beheerder and accounts)
            response = _request(client, method, _build(rule, values), token)
            checked += 1
            if response.status_code != 404:
                problems.append(f"{method} {rule.rule} with a hidden real id: {response.status_code}, expected 404")
            continue
        if allowed and method != "GET":
            continue  # allowed changes are covered by the domain tests
        response = _request(client, method, _build(rule, {}), token)
        checked += 1
        if allowed and response.status_code not in (200, 302):
            problems.append(f"{method} {rule.rule}: {response.status_code}, expected 200/302 for {role}")
        if not allowed and response.status_code not in (403, 404):
            problems.append(f"{method} {rule.rule}: {response.status_code}, expected 403/404 for {role}")
    assert checked > 10
    assert not problems, "\n".join(problems)
    # The session survived the whole walk (no route logged the user out by accident).
    assert client.get("/account").status_code == 200
