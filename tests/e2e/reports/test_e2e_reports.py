"""Issue 18 pages in a real browser at 320 and 1280 px: dashboard (charts with title, summary and table),
council report (draft and approved), ondermijningsbeeld and the results page; axe 0 violations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.app.test_e2e_layout import check_page
from tests.support.report_rows import Row, insert_signals


@pytest.fixture
def report_data(live_server):
    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.reports import service
    from meldpunt.reports.figures import Period

    app = live_server.app
    now = datetime.now(timezone.utc)
    start = now.replace(month=1, day=1, hour=9, minute=0, second=0, microsecond=0)
    rows = [Row(start + timedelta(days=(i * 5) % max(1, (now - start).days or 1)), ["drugs", "vastgoed", None][i % 3],
                "vergunningen", "vth", "intern_formulier", "regulier", "afgesloten" if i % 2 else "ontvangen",
                True, timedelta(days=i % 9), timedelta(days=3), None) for i in range(40)]
    with app.app_context():
        insert_signals(db.session, rows)
        regisseur = db.session.get(User, live_server.users["regisseur"].id)
        management = db.session.get(User, live_server.users["management"].id)
        draft = service.create_draft(db.session, author_id=regisseur.id, period=Period(start.date(), now.date()))
        approved = service.create_draft(db.session, author_id=regisseur.id,
                                        period=Period(start.date() - timedelta(days=90), start.date()))
        values = {key: ("oranje", "Meer meldingen dan vorig kwartaal.") for key in
                  ("instroom", "afhandeling", "interventies", "acties")}
        service.save_themes(db.session, report=approved, values=values)
        service.approve(db.session, report=approved, approver_id=management.id, k=5)
        db.session.commit()
        return {"draft": draft.id, "approved": approved.id}


@pytest.mark.parametrize("width", [320, 1280])
def test_reports_pages_pass_axe_and_fit_the_screen(new_page, live_server, shots, report_data, width):
    problems: list[str] = []
    regisseur = new_page(width=width, height=800)
    log_in(regisseur, live_server, "regisseur")
    for name, path in [
        ("dashboard", "/rapportages/"), ("raad", "/rapportages/raad"),
        ("raad-concept", f"/rapportages/raad/{report_data['draft']}"),
        ("raad-vastgesteld", f"/rapportages/raad/{report_data['approved']}"),
        ("ondermijningsbeeld", "/ondermijningsbeeld"), ("resultaten", "/wat-doen-we-met-uw-meldingen"),
    ]:
        response = regisseur.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(regisseur, name, width, shots)
    # Every chart has a title and a text alternative, and its numbers in a table beside it.
    regisseur.goto(live_server("/rapportages/"))
    charts = regisseur.locator("svg[role=img]")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.locator("title").count() == 1
        assert chart.get_attribute("aria-labelledby")
    management = new_page(width=width, height=800)
    log_in(management, live_server, "management")
    assert management.url.endswith("/rapportages/")
    problems += check_page(management, "dashboard-management", width, shots)
    assert not problems, "\n".join(problems)
