"""Issue 20, taxonomy bullet: several phenomena per signal, re-classification during triage with history and audit."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from meldpunt.triage.models import ClassificationChange
from tests import factories
from tests.conftest import csrf_token, login
from tests.support.logins import login_full
from tests.support.forms import post_form


def _get(signal_id: str) -> Signal:
    return db.session.get(Signal, uuid.UUID(signal_id))


def _classify(client, signal_id: str, data: dict):
    page = client.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    version = re.search(r'action="/behandelen/meldingen/[^"]+/indeling".*?name="version"[^>]*value="(\d+)"', page, re.S)
    assert version, "no re-classify form on the signal page"
    return client.post(f"/behandelen/meldingen/{signal_id}/indeling",
                       data={"csrf_token": csrf_token(page), "version": version.group(1), **data})


def test_taxonomy_a_signal_may_name_more_than_one_phenomenon_on_the_form(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/melden").get_data(as_text=True)
    assert "Past er nog een verschijningsvorm bij?" in page and "Verduistering" in page
    response = post_form(client, "/melden", {"description": "Kas klopt niet en informatie lekt", "feedback": "app",
                                                   "phenomenon_code": "verduistering",
                                                   "other_phenomena": ["lekken_informatie", "verduistering"]})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert signal.phenomenon_code == "verduistering"
        assert signal.phenomenon_codes == ["verduistering", "lekken_informatie"]
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    detail = regisseur.get(f"/behandelen/meldingen/{signal.id}").get_data(as_text=True)
    assert "Ook: Lekken van informatie" in detail


def test_taxonomy_handler_reclassifies_during_triage_and_history_and_audit_record_it(app, users):
    signal_id = str(factories.filed_in(app, reporter=users["melder"],
                                         phenomenon_code="witwassen", process_code="subsidies").id)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    response = _classify(regisseur, signal_id, {"phenomenon_code": "belangenverstrengeling",
                                                "other_phenomena": ["witwassen"], "process_code": "inhuur_nevenwerkzaamheden"})
    assert response.status_code == 302
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Verschijningsvorm: Witwassen → Bevoordeling en belangenverstrengeling" in page
    assert "Werkproces: Subsidies → Inhuur en nevenwerkzaamheden" in page
    with app.app_context():
        signal = _get(signal_id)
        assert signal.phenomenon_codes == ["belangenverstrengeling", "witwassen"]
        assert signal.process_code == "inhuur_nevenwerkzaamheden"
        changes = db.session.scalars(select(ClassificationChange).where(ClassificationChange.signal_id == signal.id)).all()
        assert {c.field for c in changes} == {"verschijningsvorm", "verschijningsvormen", "werkproces"}
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "signal.reclassify")).all()
        assert len(entries) == 3 and all(e.actor_label == users["regisseur"].email for e in entries)
        assert {json.loads(e.details)["to"] for e in entries} >= {"belangenverstrengeling", "inhuur_nevenwerkzaamheden"}


def test_taxonomy_reclassify_refuses_an_unknown_code_in_dutch_and_changes_nothing(app, users):
    signal_id = str(factories.filed_in(app, reporter=users["melder"], phenomenon_code="witwassen").id)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    response = _classify(regisseur, signal_id, {"phenomenon_code": "bestaat_niet", "process_code": ""})
    assert response.status_code == 422
    assert "Kies een verschijningsvorm uit de lijst." in response.get_data(as_text=True)
    with app.app_context():
        assert _get(signal_id).phenomenon_code == "witwassen"
        assert db.session.scalar(select(ClassificationChange.id)) is None


def test_taxonomy_a_retired_process_code_keeps_its_label_and_can_stay(app, users):
    from meldpunt.taxonomy.models import TaxonomyTerm

    with app.app_context():  # as after migration 0007t: Bibob kept as an inactive process
        db.session.add(TaxonomyTerm(kind="process", code="bibob", label="Bibob (instrument, geen werkproces)",
                                    help_text="", position=99, is_active=False))
        db.session.commit()
    signal_id = str(factories.filed_in(app, reporter=users["melder"],
                                         phenomenon_code="witwassen", process_code="bibob").id)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Bibob (instrument, geen werkproces)" in page
    response = _classify(regisseur, signal_id, {"phenomenon_code": "witwassen", "process_code": "bibob"})
    assert response.status_code == 302
    intake = app.test_client()
    login(intake, users["melder"].email)
    assert 'value="bibob"' not in intake.get("/melden").get_data(as_text=True)  # not offered any more


def test_taxonomy_a_foreign_signal_cannot_be_reclassified(app, users):
    signal_id = str(factories.filed_in(app, reporter=users["melder"], phenomenon_code="witwassen",
                                       about_colleague=True).id)  # integrity track
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    page = regisseur.get("/behandelen/").get_data(as_text=True)
    response = regisseur.post(f"/behandelen/meldingen/{signal_id}/indeling",
                              data={"csrf_token": csrf_token(page), "version": "1", "phenomenon_code": "drugs"})
    assert response.status_code == 404


def test_taxonomy_reclassify_on_a_stale_page_answers_409_and_changes_nothing(app, users):
    signal_id = str(factories.filed_in(app, reporter=users["melder"], phenomenon_code="witwassen").id)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    with app.app_context():  # someone else changed the signal meanwhile
        _get(signal_id).process_code = "inkoop"
        db.session.commit()
    response = regisseur.post(f"/behandelen/meldingen/{signal_id}/indeling",
                              data={"csrf_token": csrf_token(page), "version": "1", "phenomenon_code": "drugs"})
    assert response.status_code == 409
    with app.app_context():
        assert _get(signal_id).phenomenon_code == "witwassen"
        assert db.session.scalar(select(ClassificationChange.id)) is None
