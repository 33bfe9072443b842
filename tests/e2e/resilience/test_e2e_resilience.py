"""Issue 21 pages in a real browser: 320 px without sideways scrolling and 1280 px, one h1, labels on every
control, 44 px click targets, no foreign requests (the basic checks of test_e2e_layout)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.app.test_e2e_layout import check_page


@pytest.fixture
def resilience_data(live_server):
    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal
    from meldpunt.resilience import service

    app = live_server.app
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        regisseur = db.session.get(User, live_server.users["regisseur"].id)
        melder = db.session.get(User, live_server.users["melder"].id)
        service.save_entry(db.session, actor=regisseur, kind="proces", process_code="vergunningen",
                           function_name=None, risks="Druk van aanvragers op medewerkers aan de balie.",
                           controls=["vier_ogen", "bibob_toets"], controls_note="", owner_email=melder.email,
                           reviewed_on=date(2026, 10, 1))
        signal = file_signal(db.session, keyring=keyring, reporter=melder, description="Aanvraag klopt niet.",
                             process_code="vergunningen")
        measures = service.import_scan(db.session, keyring=keyring, actor=regisseur,
                                       raw="1. Voer het vier-ogenprincipe in\n2. Screen nieuwe inkopers\n",
                                       source_document="Weerbaarheidsscan 2026", owner_email=melder.email,
                                       due_on=date(2026, 1, 31))
        service.update_measure(db.session, keyring=keyring, actor=melder, measure=measures[0], status="in_uitvoering",
                               note="Werkinstructie in concept.", reason="")
        service.record_awareness_session(db.session, actor=regisseur, held_on=date(2026, 3, 1),
                                         department="Vergunningen", participants=12, topic="Signalen",
                                         today=date(2026, 12, 1))
        service.save_knowledge_page(db.session, actor=regisseur, kind="process", code="vergunningen",
                                    lookout_md="- Aanvragers met **haast**\n- Contante betalingen",
                                    examples_md="Een aanvraag met een [stroman](https://example.org).")
        report = service.issue_report(db.session, actor=regisseur, title="Voortgang tweede halfjaar 2026",
                                      today=date(2026, 12, 1))
        db.session.commit()
        return {"measure": measures[0].id, "report": report.id, "signal": signal.id}


@pytest.mark.parametrize("width", [320, 1280])
def test_item_05_resilience_and_knowledge_pages_fit_the_screen_and_pass_basic_checks(
        new_page, live_server, shots, resilience_data, width):
    problems: list[str] = []
    regisseur = new_page(width=width, height=800)
    log_in(regisseur, live_server, "regisseur")
    for name, path in [
        ("weerbaarheid", "/weerbaarheid/"), ("register", "/weerbaarheid/register"),
        ("register-nieuw", "/weerbaarheid/register/nieuw"), ("maatregelen", "/weerbaarheid/maatregelen"),
        ("maatregel", f"/weerbaarheid/maatregelen/{resilience_data['measure']}"),
        ("rapportages", "/weerbaarheid/rapportages"),
        ("rapportage", f"/weerbaarheid/rapportages/{resilience_data['report']}"),
        ("sessies", "/weerbaarheid/sessies"), ("kennis-bewerken", "/kennis/process/vergunningen/bewerken"),
        ("melding-met-register", f"/behandelen/meldingen/{resilience_data['signal']}"),
    ]:
        response = regisseur.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(regisseur, name, width, shots)

    melder = new_page(width=width, height=800)
    log_in(melder, live_server, "melder")
    for name, path in [("kennis", "/kennis"), ("kennis-vergunningen", "/kennis/process/vergunningen"),
                       ("kennis-omkoping", "/kennis/phenomenon/omkoping"), ("mijn-maatregelen", "/mijn-maatregelen"),
                       ("maatregel-eigenaar", f"/weerbaarheid/maatregelen/{resilience_data['measure']}")]:
        response = melder.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(melder, name, width, shots)
    # From the form's help line to the knowledge page, with the keyboard-reachable link.
    melder.goto(live_server("/melden"))
    melder.get_by_role("link", name="Lees waar u op kunt letten").first.click()
    assert melder.url.endswith("/kennis")
    assert not problems, "\n".join(problems)
