"""The status path and four eyes through HTTP (issue 15, items 9 and 10).

Every row of the transition table names the path(s) it may be taken through. Here the
handler tries each row on a path the row does not list — the generic status endpoint
first, then the forwarding, case and approval endpoints where they can reach it — and
the answer is a refusal with a Dutch message that changes nothing: no status change, no
audit entry of a transition, no notice for the reporter.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, or_, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import Role
from meldpunt.cases.models import Case, CaseSignal, CaseStatus
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.signals.models import Signal, SignalStatus, StatusChange, Track
from meldpunt.approvals.models import Approval, ApprovalState
from meldpunt.triage.models import Forwarding, ForwardingState
from meldpunt.signals.transitions import CASE_STATUSES, Path, TRANSITIONS
from tests import factories
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full

S = SignalStatus

#: Rows the generic status endpoint must refuse: every row whose paths do not include the status path.
NOT_ON_STATUS_PATH = [t for t in TRANSITIONS.values() if Path.STATUS not in t.paths]
BUSJES = "Busjes zonder kenteken bij de loods"


# ----------------------------------------------------------------------------- helpers


def _state(app, signal_id):
    """Everything a move would change: status, version, history, transition audit entries, notices, case link."""
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        state = (
            signal.status,
            signal.version_id,
            db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.signal_id == signal_id)),
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.object_id == str(signal_id), AuditEntry.action == "signal.transition")),
            db.session.scalar(select(func.count()).select_from(Notice).where(Notice.signal_id == signal_id)),
            db.session.scalar(select(CaseSignal.case_id).where(CaseSignal.signal_id == signal_id)),
        )
        db.session.remove()
        return state


def _client(app, email):
    client = app.test_client()
    login_full(client, email)
    return client


def _page(client, signal_id):
    response = client.get(f"/behandelen/meldingen/{signal_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _version(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _status_targets(page: str) -> set[str]:
    """The targets the page's status buttons post to ``…/status``."""
    targets = set()
    for action, body in re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
        if action.endswith("/status"):
            targets.update(re.findall(r'name="target" value="([^"]+)"', body))
    return targets


def _form_with_button(page: str, label: str) -> tuple[str, dict[str, str]]:
    """Action and hidden fields of the form whose submit button says ``label`` (as a browser would post it)."""
    for action, body in re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
        if re.search(rf"<button[^>]*>\s*{re.escape(label)}\s*</button>", body):
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
            return html.unescape(action), fields
    raise AssertionError(f"no form with a button {label!r} on the page")


def _actor_for(transition) -> str:
    """A role of the row that reaches the signal page (the voorzitter has no signal page: tested separately)."""
    return "integriteit" if transition.roles == {Role.INTEGRITEIT} else "regisseur"


# ----------------------------------------------------------------------------- item 9


@pytest.mark.parametrize("four_eyes", [False, True], ids=["four-eyes-off", "four-eyes-on"])
def test_item_09_status_endpoint_refuses_every_row_reserved_for_another_path(app_factory, four_eyes):
    """POST …/status for each row without the status path: 422, a Dutch message, and nothing changed."""
    app = app_factory(security={"four_eyes": four_eyes, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    clients = {role: _client(app, users[role].email) for role in ("regisseur", "integriteit")}
    assert len(NOT_ON_STATUS_PATH) == 15  # forwardings (5), case links (3), case closings (2), meetings (5)
    for transition in NOT_ON_STATUS_PATH:
        role = _actor_for(transition)
        client = clients[role]
        # Case statuses sit in a real case; the others (e.g. "ontvangen" -> "gekoppeld aan casus") have none.
        signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES, status=transition.source,
                                          about_colleague=role == "integriteit",
                                          in_case_by=users["regisseur"] if transition.source in CASE_STATUSES else None)
        before = _state(app, signal_id)
        page = _page(client, signal_id)
        assert transition.target.value not in _status_targets(page), transition  # not offered as a button either
        response = client.post(f"/behandelen/meldingen/{signal_id}/status", data={
            "csrf_token": csrf_token(page), "version": _version(page), "target": transition.target.value,
            "reason": "Omdat het kan"})
        text = response.get_data(as_text=True)
        assert response.status_code == 422, (transition.source, transition.target, response.status_code)
        assert "kan hier niet. Dat gaat" in text, (transition.source, transition.target)
        assert _state(app, signal_id) == before, (transition.source, transition.target)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Forwarding)) == 0
        assert db.session.scalar(select(func.count()).select_from(Approval)) == 0


def test_item_09_doorgezonden_geagendeerd_and_gekoppeld_without_forwarding_or_case_are_refused(app, users):
    """The three holes of the report, one by one: no forwarding, no case, no approval — no move."""
    regisseur = _client(app, users["regisseur"].email)
    cases = [
        (S.IN_PROGRESS, S.FORWARDED, "Melding doorzenden"),
        (S.IN_PROGRESS, S.LINKED_TO_CASE, "pagina van de casus"),
        (S.LINKED_TO_CASE, S.ON_AGENDA, "casusoverleg"),  # "geagendeerd" with no case and no meeting
        (S.LINKED_TO_CASE, S.CLOSED, "pagina van de casus"),
    ]
    for source, target, hint in cases:
        signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES, status=source)
        before = _state(app, signal_id)
        page = _page(regisseur, signal_id)
        response = regisseur.post(f"/behandelen/meldingen/{signal_id}/status", data={
            "csrf_token": csrf_token(page), "version": _version(page), "target": target.value, "reason": "Snel even"})
        assert response.status_code == 422 and hint in response.get_data(as_text=True), (source, target)
        assert _state(app, signal_id) == before


def test_item_09_signal_in_an_open_case_is_closed_only_through_the_case(app_factory):
    """A signal in a case: no status move at all on the status path, also from a status outside the case
    statuses (a forwarded signal, or a link left behind by the old "uit de casus halen")."""
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    regisseur = _client(app, users["regisseur"].email)
    for status, target in ((S.ENRICHMENT, S.CLOSED), (S.IN_PROGRESS, S.CLOSED), (S.FORWARDED, S.IN_PROGRESS)):
        signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                          status=status, in_case_by=users["regisseur"])
        before = _state(app, signal_id)
        page = _page(regisseur, signal_id)
        assert _status_targets(page) == set()  # the page offers no status buttons, it points to the case
        assert "Wat er verder met de melding gebeurt, gaat via de casus" in page
        response = regisseur.post(f"/behandelen/meldingen/{signal_id}/status", data={
            "csrf_token": csrf_token(page), "version": _version(page), "target": target.value, "reason": "Klaar"})
        assert response.status_code == 422, status
        assert "hoort bij casus CA-" in response.get_data(as_text=True)
        assert _state(app, signal_id) == before


def test_item_09_forward_endpoint_with_four_eyes_only_asks(app_factory):
    """The forward path of a four-eyes row: a request and an approval, no move until a colleague approves."""
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    second = make_users(app, suffix="b")
    regisseur = _client(app, users["regisseur"].email)
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES, status=S.IN_PROGRESS)
    before = _state(app, signal_id)
    page = _page(regisseur, signal_id)
    response = regisseur.post(f"/behandelen/meldingen/{signal_id}/doorzenden", data={
        "csrf_token": csrf_token(page), "version": _version(page), "authority": "politie",
        "legal_basis": "art. 160 Sv", "reason": "Strafbaar feit"})
    assert response.status_code == 302
    assert _state(app, signal_id) == before  # asked, not moved
    with app.app_context():
        approval = db.session.scalar(select(Approval))
        assert approval.state == ApprovalState.PENDING.value
        assert db.session.scalar(select(Forwarding.state)) == ForwardingState.PENDING.value
        approval_id = approval.id
    colleague = _client(app, second["regisseur"].email)
    approvals = colleague.get("/behandelen/akkoord").get_data(as_text=True)
    assert colleague.post(f"/behandelen/akkoord/{approval_id}", data={
        "csrf_token": csrf_token(approvals), "decision": "akkoord"}).status_code == 302
    with app.app_context():
        assert db.session.get(Signal, signal_id).status == S.FORWARDED.value
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == str(signal_id),
                                                           AuditEntry.action == "signal.transition"))
        assert '"path": "approval"' in entry.details and f'"approval_id": {approval_id}' in entry.details


def test_item_09_case_endpoint_refuses_a_meeting_row(app, users):
    """Linking through the case page a signal that sits "geagendeerd" without a case: that row is the meeting's."""
    regisseur = _client(app, users["regisseur"].email)
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=BUSJES, status=S.ON_AGENDA)
    page = regisseur.get("/behandelen/casussen/").get_data(as_text=True)
    regisseur.post("/behandelen/casussen/", data={"title": "Casus Noord", "csrf_token": csrf_token(page)})
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    before = _state(app, signal_id)
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    response = regisseur.post(f"/behandelen/casussen/{case_id}/meldingen", data={
        "csrf_token": csrf_token(detail), "reference": reference})
    assert response.status_code == 422
    assert "kan nu niet aan een casus worden gekoppeld" in response.get_data(as_text=True)
    assert _state(app, signal_id) == before


def test_item_09_case_close_with_four_eyes_moves_nothing_until_approved(app_factory):
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    regisseur = _client(app, users["regisseur"].email)
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                      status=S.LINKED_TO_CASE, in_case_by=users["regisseur"])
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    before = _state(app, signal_id)
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', detail).group(1))
    assert regisseur.post(f"/behandelen/casussen/{case_id}/afsluiten", data={
        "csrf_token": csrf_token(detail), "version": version, "reason": "Afgerond"}).status_code == 302
    assert _state(app, signal_id) == before
    with app.app_context():
        assert db.session.get(Case, case_id).status == CaseStatus.OPEN.value


def test_item_09_voorzitter_reaches_no_status_endpoint(app, users):
    """The chair's rows belong to the meeting path: the voorzitter has no signal page and no status endpoint."""
    chair = _client(app, users["voorzitter"].email)
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                      status=S.LINKED_TO_CASE, in_case_by=users["regisseur"])
    before = _state(app, signal_id)
    token = csrf_token(chair.get("/mijn-meldingen").get_data(as_text=True))
    response = chair.post(f"/behandelen/meldingen/{signal_id}/status", data={
        "csrf_token": token, "version": 1, "target": S.ON_AGENDA.value})
    assert response.status_code == 404
    assert _state(app, signal_id) == before


def test_item_09_status_buttons_offer_status_path_moves_only(app, users):
    """For every status, the buttons on the page are exactly the status-path rows of the handler's role."""
    for role, track in (("regisseur", Track.REGULAR), ("integriteit", Track.INTEGRITY)):
        client = _client(app, users[role].email)
        for status in S:
            signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                              status=status, about_colleague=track == Track.INTEGRITY)
            expected = {t.target.value for t in TRANSITIONS.values()
                        if t.source == status and Path.STATUS in t.paths and Role(role) in t.roles}
            if status == S.TO_INTEGRITY and track == Track.REGULAR:
                continue  # a regular signal never sits in "integriteitstraject" (the move changes its track)
            assert _status_targets(_page(client, signal_id)) == expected, (role, status)


# ----------------------------------------------------------------------------- item 10


def _link_through_pages(client, reference) -> str:
    page = client.get(f"/behandelen/casussen/?melding={reference}").get_data(as_text=True)
    response = client.post("/behandelen/casussen/", data={"title": "Casus Zuid", "references": reference,
                                                          "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def test_item_10_uit_de_casus_halen_on_the_signal_page_unlinks_so_it_can_be_linked_again_or_closed(app, users):
    regisseur = _client(app, users["regisseur"].email)
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=BUSJES, status=S.IN_PROGRESS)
    _link_through_pages(regisseur, reference)
    with app.app_context():
        first_case = db.session.scalar(select(CaseSignal.case_id).where(CaseSignal.signal_id == signal_id))
        assert first_case is not None

    # The button on the signal page, posted exactly as the browser would.
    action, fields = _form_with_button(_page(regisseur, signal_id), "Uit de casus halen")
    response = regisseur.post(action, data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/behandelen/meldingen/{signal_id}")
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        assert signal.status == S.ENRICHMENT.value
        assert db.session.scalar(select(CaseSignal).where(CaseSignal.signal_id == signal_id)) is None
        last = db.session.scalars(select(StatusChange).where(StatusChange.signal_id == signal_id)
                                  .order_by(StatusChange.id.desc())).first()
        assert (last.from_status, last.to_status) == (S.LINKED_TO_CASE.value, S.ENRICHMENT.value)
        actions = [a for a, in db.session.execute(select(AuditEntry.action).where(or_(
            AuditEntry.object_id == str(first_case), AuditEntry.details.contains(str(first_case)))).order_by(AuditEntry.id))]
        assert "case.remove_signal" in actions and actions.count("signal.transition") == 2  # linked, then unlinked
    regisseur.get(f"/behandelen/meldingen/{signal_id}")  # follow the redirect (shows the flash message)
    case_page = regisseur.get(f"/behandelen/casussen/{first_case}").get_data(as_text=True)
    assert "Er zijn nog geen meldingen gekoppeld." in case_page

    # Free again: it can join another case ...
    _link_through_pages(regisseur, reference)
    with app.app_context():
        second_case = db.session.scalar(select(CaseSignal.case_id).where(CaseSignal.signal_id == signal_id))
        assert second_case not in (None, first_case)
        assert db.session.get(Signal, signal_id).status == S.LINKED_TO_CASE.value
    # ... and, out of it once more (this time from the case page), be closed on its own.
    detail = regisseur.get(f"/behandelen/casussen/{second_case}").get_data(as_text=True)
    action, fields = _form_with_button(detail, "Uit de casus halen")
    assert regisseur.post(action, data=fields).headers["Location"].endswith(f"/behandelen/casussen/{second_case}")
    page = _page(regisseur, signal_id)
    assert "afgesloten" in _status_targets(page)
    response = regisseur.post(f"/behandelen/meldingen/{signal_id}/status", data={
        "csrf_token": csrf_token(page), "version": _version(page), "target": S.CLOSED.value, "reason": "Afgerond"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Signal, signal_id).status == S.CLOSED.value


def test_item_10_link_left_behind_by_the_old_button_can_still_be_removed(app, users):
    """Data from before the fix: "verrijking" but still linked. The page offers to take it out; it comes free."""
    regisseur = _client(app, users["regisseur"].email)
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                              status=S.ENRICHMENT, in_case_by=users["regisseur"])
    before = _state(app, signal_id)
    action, fields = _form_with_button(_page(regisseur, signal_id), "Uit de casus halen")
    assert regisseur.post(action, data=fields).status_code == 302
    after = _state(app, signal_id)
    assert after[0] == S.ENRICHMENT.value and after[2:5] == before[2:5]  # no status move was needed
    assert after[5] is None
    _link_through_pages(regisseur, reference)
    with app.app_context():
        assert db.session.get(Signal, signal_id).status == S.LINKED_TO_CASE.value


def test_item_10_on_the_agenda_stays_in_the_case(app, users):
    regisseur = _client(app, users["regisseur"].email)
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=BUSJES,
                                      status=S.ON_AGENDA, in_case_by=users["regisseur"])
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    before = _state(app, signal_id)
    page = _page(regisseur, signal_id)
    assert "Uit de casus halen" not in page
    response = regisseur.post(f"/behandelen/casussen/{case_id}/meldingen/{signal_id}/ontkoppelen",
                              data={"csrf_token": csrf_token(page)})
    assert response.status_code == 422 and "haal hem eerst van de agenda" in response.get_data(as_text=True)
    assert _state(app, signal_id) == before
