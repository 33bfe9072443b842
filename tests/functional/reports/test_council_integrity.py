"""The council report of the integrity track: the integriteitscoördinator drafts it, management
approves it, the same suppression applies; the regisseur never sees it and the
integriteitscoördinator never sees the regular track's report. Everything through HTTP, per role."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from meldpunt.extensions import db
from tests.conftest import csrf_token
from tests.support.logins import login_full
from tests.support.report_rows import Row, insert_signals


def _rows(track: str, start_seq: int, per_phenomenon: dict[str, int]) -> list[Row]:
    start = datetime(2026, 1, 3, tzinfo=timezone.utc)
    return [Row(start + timedelta(days=(i * 7) % 80, hours=i % 5), code, "inkoop", "vth", "intern_formulier", track,
                "afgesloten", True, timedelta(days=1), timedelta(days=2), timedelta(days=9))
            for code, n in per_phenomenon.items() for i in range(n)]


def _draft(client) -> int:
    token = csrf_token(client.get("/rapportages/raad").get_data(as_text=True))
    response = client.post("/rapportages/raad", data={"csrf_token": token, "start": "2026-01-01", "end": "2026-03-31"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _themes(client, report_id: int) -> int:
    token = csrf_token(client.get(f"/rapportages/raad/{report_id}").get_data(as_text=True))
    data = {"csrf_token": token}
    for key in ("instroom", "afhandeling", "interventies", "acties"):
        data[f"rag_{key}"], data[f"explanation_{key}"] = "groen", "Toelichting"
    return client.post(f"/rapportages/raad/{report_id}/themas", data=data).status_code


def _approve(client, report_id: int) -> int:
    token = csrf_token(client.get("/rapportages/raad").get_data(as_text=True))
    return client.post(f"/rapportages/raad/{report_id}/vaststellen", data={"csrf_token": token}).status_code


def test_integrity_council_report_per_role(app, users):
    with app.app_context():
        insert_signals(db.session, _rows("integriteit", 1, {"omkoping": 8, "verduistering": 2}))
        insert_signals(db.session, _rows("regulier", 100, {"drugs": 6, "vastgoed": 7}), start_seq=100)
        db.session.commit()
    clients = {}
    for role in ("integriteit", "regisseur", "management", "beheerder", "melder"):
        clients[role] = app.test_client()
        login_full(clients[role], users[role].email)
    integrity, regisseur, management = clients["integriteit"], clients["regisseur"], clients["management"]

    integrity_id = _draft(integrity)
    regular_id = _draft(regisseur)  # the same period, the other track: both exist side by side

    # each drafting role sees its own track's report only; management sees both; the others none
    for role, visible, hidden in (("integriteit", integrity_id, regular_id), ("regisseur", regular_id, integrity_id)):
        page = clients[role].get("/rapportages/raad").get_data(as_text=True)
        assert f"/rapportages/raad/{visible}" in page and f"/rapportages/raad/{hidden}\"" not in page
        assert clients[role].get(f"/rapportages/raad/{visible}").status_code == 200
        for path in ("", ".pdf", ".csv"):
            assert clients[role].get(f"/rapportages/raad/{hidden}{path}").status_code == 404, (role, path)
    listing = management.get("/rapportages/raad").get_data(as_text=True)
    assert f"/rapportages/raad/{integrity_id}" in listing and f"/rapportages/raad/{regular_id}" in listing
    for role in ("beheerder", "melder"):
        assert clients[role].get("/rapportages/raad").status_code in (403, 404)
        assert clients[role].get(f"/rapportages/raad/{integrity_id}").status_code == 404

    # the regisseur can neither write in nor correct the integrity report (a hidden id: 404)
    assert _themes(regisseur, regular_id) == 302
    token = csrf_token(regisseur.get("/rapportages/raad").get_data(as_text=True))
    assert regisseur.post(f"/rapportages/raad/{integrity_id}/themas",
                          data={"csrf_token": token, "rag_instroom": "rood"}).status_code == 404
    # management does not draft, and approves only what another person wrote
    assert management.post("/rapportages/raad", data={"csrf_token": csrf_token(listing), "start": "2026-04-01",
                                                      "end": "2026-06-30"}).status_code == 403
    assert _approve(integrity, integrity_id) == 404  # the integriteitscoördinator does not approve
    assert _themes(integrity, integrity_id) == 302
    assert _approve(management, integrity_id) == 302

    with app.app_context():
        from meldpunt.reports.models import CouncilReport

        report = db.session.get(CouncilReport, integrity_id)
        assert (report.track, report.is_approved) == ("integriteit", True)
        data = json.loads(report.snapshot)
    # its figures are of the integrity track only, suppressed like the regular report (k = 5)
    rows = {row["label"]: row for row in data["tables"]["phenomenon"]["rows"]}
    assert rows["Omkoping"]["total"] == "8"
    # the regular track's 6 and 7 signals are not counted (zero is shown as "< 5" too)
    assert rows["Drugsproductie en -handel"]["total"] == rows["Vastgoedfraude"]["total"] == "< 5"
    assert rows["Verduistering"]["total"] == "< 5"
    assert "decisions" not in data["tables"]  # no casusoverleg on the integrity track
    page = integrity.get(f"/rapportages/raad/{integrity_id}").get_data(as_text=True)
    assert "Alleen het integriteitsspoor." in page and "Besluiten van het casusoverleg" not in page
    csv = integrity.get(f"/rapportages/raad/{integrity_id}.csv")
    assert csv.status_code == 200 and "Omkoping" in csv.get_data(as_text=True)
    assert regisseur.get(f"/rapportages/raad/{integrity_id}.csv").status_code == 404
