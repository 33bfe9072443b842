"""Issue 20, department bullet: from the account (beheerder or OIDC claim), changeable on the form,
optional on the anonymous form; the queue's Afdeling filter and the report per department use it."""

from __future__ import annotations

import re

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests import factories
from tests.conftest import csrf_token, login
from tests.support.logins import login_full
from tests.support.forms import post_form


def test_department_from_the_account_is_on_the_form_and_can_be_changed_there(app, users):
    beheerder = app.test_client()
    login_full(beheerder, users["beheerder"].email)
    url = f"/beheer/gebruikers/{users['melder'].id}"
    page = beheerder.get(url).get_data(as_text=True)
    response = beheerder.post(f"{url}/afdeling", data={"csrf_token": csrf_token(page), "department": "vergunningen"})
    assert response.status_code == 302
    assert "Vergunningen" in beheerder.get(url).get_data(as_text=True)
    refused = beheerder.post(f"{url}/afdeling", data={"csrf_token": csrf_token(page), "department": "bestaat_niet"})
    assert refused.status_code == 422 and "Kies een afdeling uit de lijst." in refused.get_data(as_text=True)

    melder = app.test_client()
    login(melder, users["melder"].email)
    form = melder.get("/melden").get_data(as_text=True)
    assert "Ik werk bij" in form
    assert re.search(r'<option selected value="vergunningen">|<option value="vergunningen" selected>', form)
    assert post_form(melder, "/melden", {"description": "Eerste", "feedback": "app",
                                         "department_code": "vergunningen"}).status_code == 303
    assert post_form(melder, "/melden", {"description": "Tweede", "feedback": "app",
                                         "department_code": "handhaving"}).status_code == 303
    with app.app_context():
        stored = dict(db.session.execute(select(Signal.ref_seq, Signal.department_code)).all())
        assert stored == {1: "vergunningen", 2: "handhaving"}
        from meldpunt.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "user.department")) is not None


def test_department_anonymous_form_asks_it_optionally_with_zeg_ik_liever_niet(app, users):
    client = app.test_client()
    page = client.get("/melden/anoniem").get_data(as_text=True)
    assert "Bij welke afdeling werkt u?" in page and "Zeg ik liever niet" in page
    assert post_form(client, "/melden/anoniem", {"description": "Met afdeling", "feedback": "code",
                                                 "department_code": "burgerzaken"}).status_code == 200
    assert post_form(client, "/melden/anoniem", {"description": "Zonder", "feedback": "code",
                                                 "department_code": ""}).status_code == 200
    with app.app_context():
        stored = dict(db.session.execute(select(Signal.ref_seq, Signal.department_code)).all())
        assert stored == {1: "burgerzaken", 2: None}


def test_department_from_an_oidc_claim(app):
    from meldpunt.auth.oidc import sign_in_oidc

    with app.app_context():
        user = sign_in_oidc(db.session, claims={"sub": "abc", "email": "nieuw@test.example", "email_verified": True,
                                                "groups": ["medewerkers"], "afdeling": "Burgerzaken"},
                            group_claim="groups", role_map={"medewerkers": "melder"}, department_claim="afdeling")
        db.session.commit()
        assert user.department == "Burgerzaken"
        from meldpunt.taxonomy.service import department_code_for, seed_taxonomy

        seed_taxonomy(db.session)
        assert department_code_for(db.session, text=user.department) == "burgerzaken"


def test_department_queue_filter_returns_the_signals_of_that_department(app_any_db):
    from tests.conftest import make_users

    app = app_any_db
    users = make_users(app)

    def file(department, **report):
        return factories.filed_in(app, reporter=users["melder"], description="Inhoud", department_code=department,
                                  **report).reference

    licensing = [file("vergunningen") for _ in range(3)]
    others = [file("handhaving"), file(None)]
    file("vergunningen", about_colleague=True)  # integrity track: not in the regisseur's queue
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/behandelen/?tab=alle&afdeling=vergunningen").get_data(as_text=True)
    shown = re.findall(r'<a href="/behandelen/meldingen/[^"]+">(M[OI]-\d{4}-\d{4})</a>', page)
    assert sorted(shown) == sorted(licensing) and not set(shown) & set(others)
    assert "3 meldingen" in page


def test_department_report_counts_signals_per_department(app, users):
    for department in ("vergunningen",) * 6 + ("handhaving",) * 2:
        factories.filed_in(app, reporter=users["melder"], description="Inhoud", department_code=department)
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/weerbaarheid/register").get_data(as_text=True)
    section = page.split('id="meldingen-per-afdeling"')[1]
    assert re.search(r"Vergunningen</th>(<td>[^<]*</td>)*<td>6</td>", section)
    assert re.search(r"Toezicht en handhaving</th>(<td>[^<]*</td>)*<td>&lt; 5</td>", section)
