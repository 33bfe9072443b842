"""A forbidden id answers exactly like a missing one (issue 15 item 19).

For every route with an object id in its URL, for every role, for every HTTP method the route
takes, with an empty and with a nonsense form: the id of a real object the role may not see and
an id that does not exist give the same status code and the same page. Access is checked before
anything in the request is validated, also for a sub-object under a parent the user may see (a
subject of an integrity signal under the regisseur's case answered 422 before). The refusal is
still audited: after the response has been sent, in its own transaction; a missing id gets a
"not found" entry the same way, so both cost the server the same work.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import Role
from meldpunt.extensions import db
from tests.conftest import csrf_token, login
from tests.support.logins import login_full
from tests.functional.app.test_route_matrix import ID_FACTORIES, PUBLIC, _build, _build_world

_CSRF = re.compile(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+(")')
#: Field names of every form behind an id, filled with nonsense (a form that cannot validate).
_JUNK = {name: "x" * 300 for name in (
    "target", "reason", "version", "authority", "recipient", "legal_basis", "assignee_id", "note-register",
    "note-consulted_on", "note-source", "note-legal_basis", "note-content", "kind", "name", "kvk", "postcode",
    "huisnummer", "body", "decision", "value", "title", "risk_picture", "status", "reference", "role", "label",
    "help_text", "text", "template", "send",
)}


def _missing(rule, arg: str):
    converter = type(rule._converters[arg]).__name__
    if converter == "UUIDConverter":
        return uuid.uuid4()
    if converter == "IntegerConverter":
        return 987654
    return "MO-2099-99999"


def _visible_parent(world, role: str, arg: str):
    """A parent object the role may see, to put a hidden sub-object under."""
    if arg == "signal_id":
        return {"regisseur": world.signal_regular.id, "integriteit": world.signal_integrity.id}.get(role)
    if arg == "case_id":
        return world.other_case if role == "regisseur" else None
    return None


def _variants(rule, world, role: str):
    """(description, values with a real hidden id, values with a missing id, refusal audited?)."""
    args = list(rule.arguments)
    ordered = [a for a in ("case_id", "signal_id") if a in args] + [a for a in args if a not in ("case_id", "signal_id")]
    first = ordered[0]
    hidden = ID_FACTORIES[first](world, role)
    if hidden is not None:
        rest = {a: ID_FACTORIES[a](world, role) or _missing(rule, a) for a in ordered[1:]}
        yield f"{first} hidden", {first: hidden, **rest}, {first: _missing(rule, first), **rest}, True
    if len(ordered) == 2:
        parent = _visible_parent(world, role, first)
        child = ordered[1]
        if parent is not None:
            value = world.intervention.id if child == "intervention_id" else ID_FACTORIES[child](world, role)
            # An intervention of another case is visible to the regisseur, just not under this case: not a refusal.
            audited = child != "intervention_id"
            yield (f"{child} hidden under a visible {first}", {first: parent, child: value},
                   {first: parent, child: _missing(rule, child)}, audited)


def _requests(rule, token: str):
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        if method == "GET":
            yield "GET", None
        else:
            yield "POST (empty form)", {"csrf_token": token}
            yield "POST (nonsense form)", {"csrf_token": token, **_JUNK}


def _send(client, how: str, path: str, data):
    return client.get(path) if data is None else client.post(path, data=data)


def _denials(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "authz.denied"))
        db.session.remove()
        return count


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_item_19_forbidden_and_missing_ids_answer_alike_and_refusals_are_audited(app, role):
    from meldpunt.auth.models import User
    from meldpunt.cases.models import Case

    world = _build_world(app)
    with app.app_context():
        creator = db.session.scalar(select(User.id).where(User.email == "regisseur2@test.example"))
        other = Case(id=uuid.uuid4(), reference="C-2026-9998", ref_year=2026, ref_seq=9998, created_by_id=creator)
        db.session.add(other)
        db.session.commit()
        world.other_case = other.id
    client = app.test_client()
    login_full(client, world.users[role].email)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    problems, compared = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or not rule.arguments:
            continue
        for what, hidden_values, missing_values, audited in _variants(rule, world, role):
            hidden_path, missing_path = _build(rule, hidden_values), _build(rule, missing_values)
            for how, data in _requests(rule, token):
                before = _denials(app)
                forbidden = _send(client, how, hidden_path, data)
                denied = _denials(app) - before
                missing = _send(client, how, missing_path, data)
                compared += 1
                label = f"{role} {how} {rule.rule} ({what})"
                if forbidden.status_code != missing.status_code:
                    problems.append(f"{label}: {forbidden.status_code} for a hidden id, {missing.status_code} for a missing one")
                    continue
                if forbidden.status_code != 404:
                    problems.append(f"{label}: {forbidden.status_code}, expected 404")
                bodies = [_CSRF.sub(r"\1…\2", r.get_data(as_text=True)) for r in (forbidden, missing)]
                if bodies[0] != bodies[1]:
                    problems.append(f"{label}: the pages differ")
                if audited and denied != 1:
                    problems.append(f"{label}: {denied} refusal entries, expected 1")
    assert compared > 10
    assert not problems, "\n".join(problems)
    assert client.get("/account").status_code == 200


def test_item_19_refusal_is_audited_after_the_response_in_its_own_transaction(app, users):
    """The refused request itself writes nothing: the entry appears once the server closes the response."""
    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal

    with app.app_context():
        other = db.session.get(User, users["deelnemer"].id)
        signal_id = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=other,
                                description="van een ander").id
        db.session.commit()
    client = app.test_client()
    login(client, users["melder"].email)
    before = _denials(app)
    response = client.get(f"/mijn-meldingen/{signal_id}", buffered=False)  # not closed yet: still "sending"
    assert response.status_code == 404
    assert _denials(app) == before
    response.close()  # what every WSGI server does after the last byte
    assert _denials(app) == before + 1
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "authz.denied")
                                  .order_by(AuditEntry.id.desc()))
        assert (entry.actor_id, entry.object_type, entry.object_id, entry.result) == (
            users["melder"].id, "signal", str(signal_id), "denied")
        assert '"endpoint": "intake.my_signal"' in entry.details and '"permission": "view_own_signal"' in entry.details
    # A missing id costs the same work after the answer: a "not found" entry, written the same way.
    response = client.get(f"/mijn-meldingen/{uuid.uuid4()}", buffered=False)
    assert response.status_code == 404
    response.close()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert (entry.action, entry.actor_id, entry.result) == ("request.not_found", users["melder"].id, "failed")
    assert _denials(app) == before + 1
