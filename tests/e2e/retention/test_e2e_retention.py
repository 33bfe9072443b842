"""Issue 19 pages in a real browser at 320 and 1280 px: the basic checks of test_e2e_layout and axe-core
(the signal page with the "verloopt op" warning, the retention reports, the legal holds, the requests)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.app.test_e2e_layout import check_page


@pytest.fixture
def retention_data(live_server):
    from meldpunt.auth.models import User
    from meldpunt.database import utcnow
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal
    from meldpunt.retention import rights, service

    app = live_server.app
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        regisseur = db.session.get(User, live_server.users["regisseur"].id)
        melder = db.session.get(User, live_server.users["melder"].id)
        beheerder = db.session.get(User, live_server.users["beheerder"].id)
        signal = file_signal(db.session, keyring=keyring, reporter=melder, description="Een kapsalon zonder klanten.")
        signal.status, signal.closed_at = "afgesloten", utcnow() - timedelta(days=2 * 365 - 10)
        today = service.local_date(utcnow())
        service.propose_hold(db.session, keyring=keyring, actor=regisseur, target=signal, reason="Lopend onderzoek",
                             ends_on=today + timedelta(days=60), today=today)
        request = rights.record_request(db.session, keyring=keyring, actor=beheerder, kind="inzage",
                                        reporter_email=melder.email, details="Inzageverzoek per brief")
        db.session.commit()
        return {"signal": signal.id, "request": request.id}


@pytest.mark.parametrize("width", [320, 1280])
def test_retention_pages_fit_the_screen_and_pass_basic_checks(new_page, live_server, shots, retention_data, width):
    problems: list[str] = []
    regisseur = new_page(width=width, height=800)
    log_in(regisseur, live_server, "regisseur")
    for name, path in [("melding-verloopt", f"/behandelen/meldingen/{retention_data['signal']}"),
                       ("bewaartermijnen", "/bewaartermijnen/"), ("bewaarplicht", "/bewaartermijnen/bewaarplicht")]:
        response = regisseur.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(regisseur, name, width, shots)
    beheerder = new_page(width=width, height=800)
    log_in(beheerder, live_server, "beheerder")
    for name, path in [("avg-verzoeken", "/avg-verzoeken/"),
                       ("avg-verzoek", f"/avg-verzoeken/{retention_data['request']}")]:
        response = beheerder.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(beheerder, name, width, shots)
    assert not problems, "\n".join(problems)
