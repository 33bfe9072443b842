"""Issue 21 (weerbaarheid) through HTTP, on SQLite and PostgreSQL.

Items: 01 register of vulnerable processes and functions (regisseur keeps it, the beheerder may not edit);
02 link to signals (handler page, never the reporter's; counts per quarter); 03 improvement measures
(import, status, overdue reminder with a frozen clock); 04 progress report (frozen, HTML + PDF);
05 knowledge pages (sanitised Markdown, reachable from the form's help) and awareness sessions.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.resilience.models import Measure, ProgressReport, RegisterEntry
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full

RISK = "RISICO-omkoping-bij-exploitatievergunningen"
SCAN = "1. Voer het vier-ogenprincipe in bij vergunningen\n2) Screen nieuwe medewerkers van inkoop\n3.2 Maak een bijeenkomst over signalen\n"


def _post(client, page_url, url, data, **kwargs):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def _login(app, users, role):
    client = app.test_client()
    login_full(client, users[role].email)
    return client


def _entry(client, users, **extra):
    data = {"kind": "proces", "process_code": "vergunningen", "risks": RISK, "controls": ["vier_ogen", "bibob_toets"],
            "controls_note": "Steekproef per kwartaal", "owner_email": users["management"].email,
            "reviewed_on": "2026-10-01"}
    data.update(extra)
    return _post(client, "/weerbaarheid/register/nieuw", "/weerbaarheid/register/nieuw", data)


def _measures(app):
    with app.app_context():
        rows = list(db.session.scalars(select(Measure).order_by(Measure.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_item_01_register_kept_by_regisseur_with_owner_and_beheerder_cannot_edit(app_any_db):
    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    assert _entry(regisseur, users).status_code == 302
    function = _post(regisseur, "/weerbaarheid/register/nieuw", "/weerbaarheid/register/nieuw",
                     {"kind": "functie", "function_name": "BOA", "risks": "Druk bij controles",
                      "controls": ["functieroulatie"], "owner_email": ""})
    assert function.status_code == 302
    unknown = _post(regisseur, "/weerbaarheid/register/nieuw", "/weerbaarheid/register/nieuw",
                    {"kind": "functie", "function_name": "Inkoper", "owner_email": "niemand@test.example"})
    assert unknown.status_code == 422 and "geen actief account met dit e-mailadres" in unknown.get_data(as_text=True)
    assert 'value="Inkoper"' in unknown.get_data(as_text=True)  # nothing typed is lost
    duplicate = _entry(regisseur, users)
    assert duplicate.status_code == 422 and "staat al in het register" in duplicate.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(RegisterEntry).where(RegisterEntry.process_code == "vergunningen"))
        assert entry.control_list and entry.owner_id == users["management"].id
        assert entry.reviewed_on == date(2026, 10, 1)
        entry_id = entry.id
    page = regisseur.get("/weerbaarheid/register").get_data(as_text=True)
    assert RISK in page and "Test management" in page and "BOA" in page and "Bibob-toets" in page

    # Generic starting lines fill the gaps and never overwrite a line that exists.
    seeded = _post(regisseur, "/weerbaarheid/register", "/weerbaarheid/register/startregels", {})
    assert seeded.status_code == 302
    with app.app_context():
        assert db.session.get(RegisterEntry, entry_id).risks == RISK
        names = set(db.session.scalars(select(RegisterEntry.function_name)))
        assert {"Inkoper", "BOA"} <= names and "BOA / toezichthouder" in names
        count = db.session.scalar(select(func.count(RegisterEntry.id)))
    _post(regisseur, "/weerbaarheid/register", "/weerbaarheid/register/startregels", {})
    with app.app_context():
        assert db.session.scalar(select(func.count(RegisterEntry.id))) == count

    beheerder = _login(app, users, "beheerder")
    assert beheerder.get("/weerbaarheid/register").status_code == 403
    assert beheerder.post("/weerbaarheid/register/startregels",
                          data={"csrf_token": csrf_token(beheerder.get("/account").get_data(as_text=True))}
                          ).status_code == 403
    assert beheerder.get(f"/weerbaarheid/register/{entry_id}").status_code == 404
    token = csrf_token(beheerder.get("/account").get_data(as_text=True))
    changed = beheerder.post(f"/weerbaarheid/register/{entry_id}",
                             data={"csrf_token": token, "kind": "proces", "process_code": "vergunningen",
                                   "risks": "overschreven"})
    assert changed.status_code == 404
    assert beheerder.post("/weerbaarheid/register/nieuw", data={"csrf_token": token, "kind": "functie",
                                                                "function_name": "X"}).status_code == 403
    assert beheerder.post("/kennis/process/vergunningen/bewerken",
                          data={"csrf_token": token, "lookout_md": "overschreven"}).status_code == 404
    with app.app_context():
        assert db.session.get(RegisterEntry, entry_id).risks == RISK
        denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "authz.denied",
                                                             AuditEntry.actor_id == users["beheerder"].id)).all()
        assert len(denied) >= 3


def test_item_02_signal_on_vergunningen_shows_register_entry_to_handler_not_to_reporter(app_any_db):
    from meldpunt.intake.service import file_signal

    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    assert _entry(regisseur, users).status_code == 302
    with app.app_context():
        reporter = db.session.get(User, users["melder"].id)
        signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                             description="Vreemde aanvraag", process_code="vergunningen")
        db.session.commit()
        signal_id = signal.id
    handler_page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert RISK in handler_page and "Vier-ogenprincipe" in handler_page and "Test management" in handler_page

    melder = _login(app, users, "melder")
    for url in (f"/mijn-meldingen/{signal_id}", "/mijn-meldingen", "/berichten"):
        response = melder.get(url)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert RISK not in text and "Beheersmaatregelen" not in text and "Weerbaarheid" not in text
    # The register shows signals per process per quarter, counts only: 1 shows as "< 5".
    register = regisseur.get("/weerbaarheid/register").get_data(as_text=True)
    quarter = register.split('id="meldingen-per-kwartaal"')[1]
    assert "Vergunningverlening en ontheffingen" in quarter and "&lt; 5" in quarter
    assert "Vreemde aanvraag" not in register


def test_item_03_scan_import_creates_measures_and_overdue_owner_gets_a_content_free_reminder(app_any_db):
    from workers.notices import remind_measure_owners

    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    response = _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen/importeren",
                     {"scan-source": "weerbaarheidsscan", "scan-source_document": "Weerbaarheidsscan 2026",
                      "scan-lines": SCAN, "scan-owner_email": users["melder"].email, "scan-due_on": "2026-06-30"})
    assert response.status_code == 302
    measures = _measures(app)
    assert [m.number for m in measures] == ["1", "2", "3.2"]
    assert all(m.source == "weerbaarheidsscan" and m.source_document == "Weerbaarheidsscan 2026" for m in measures)
    assert all(b"vier-ogenprincipe" not in (m.text_ct or b"") for m in measures)  # sealed
    empty = _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen/importeren",
                  {"scan-source": "weerbaarheidsscan", "scan-source_document": "Leeg", "scan-lines": "  \n"})
    assert empty.status_code == 422 and "één per regel" in empty.get_data(as_text=True)

    # A CSV file works too.
    from io import BytesIO

    csv_file = (BytesIO("nummer;tekst;brondocument\n7;Logging van inzage invoeren;Rekenkamer 2025\n".encode()),
                "aanbevelingen.csv")
    response = _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen/importeren",
                     {"scan-source": "rekenkamer", "scan-source_document": "Rekenkamer", "scan-csv_file": csv_file},
                     content_type="multipart/form-data")
    assert response.status_code == 302
    assert _measures(app)[-1].source_document == "Rekenkamer 2025"

    # Frozen clock: not due on 30 June, overdue on 1 July; once per day.
    with app.app_context():
        assert remind_measure_owners.run(today="2026-06-30") == 0
        assert remind_measure_owners.run(today="2026-07-01") == 3
        assert remind_measure_owners.run(today="2026-07-01") == 0
        notices = db.session.scalars(select(Notice).where(Notice.kind == "maatregel_termijn")).all()
        assert len(notices) == 3 and {n.recipient_user_id for n in notices} == {users["melder"].id}
        assert all(n.signal_id is None and n.body_ct is None for n in notices)

    melder = _login(app, users, "melder")
    inbox = melder.get("/berichten").get_data(as_text=True)
    assert "Een verbetermaatregel van u is over de termijn" in inbox and "vier-ogenprincipe" not in inbox
    mine = melder.get("/mijn-maatregelen").get_data(as_text=True)
    assert "(te laat)" in mine and "Mijn maatregelen" in mine
    detail = melder.get(f"/weerbaarheid/maatregelen/{measures[0].id}").get_data(as_text=True)
    assert "Voer het vier-ogenprincipe in bij vergunningen" in detail
    assert melder.get("/weerbaarheid/maatregelen").status_code == 403
    # The regisseur's overview lists the overdue measures.
    overview = regisseur.get("/weerbaarheid/").get_data(as_text=True)
    assert "Maatregel 3.2" in overview.split('id="over-de-termijn"')[1]


def test_item_03_measure_status_rules_and_signal_link_never_shows_the_signal(app_any_db):
    from meldpunt.intake.service import file_signal

    app = app_any_db
    users = make_users(app)
    with app.app_context():
        reporter = db.session.get(User, users["melder"].id)
        signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                             description="GEHEIM-inhoud-melding", process_code="inkoop")
        db.session.commit()
        reference, signal_id = signal.reference, signal.id
    regisseur = _login(app, users, "regisseur")
    response = _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen",
                     {"source": "melding", "text": "Leverancierscheck bij inkoop", "signal_reference": reference,
                      "owner_email": users["voorzitter"].email, "due_on": "2030-01-01", "process_code": "inkoop"})
    assert response.status_code == 302
    measure_id = _measures(app)[0].id
    assert _measures(app)[0].signal_id == signal_id
    assert reference in regisseur.get(f"/weerbaarheid/maatregelen/{measure_id}").get_data(as_text=True)
    wrong = _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen",
                  {"source": "melding", "text": "x", "signal_reference": "MO-1999-0001"})
    assert wrong.status_code == 422 and "bestaat niet of u heeft er geen toegang toe" in wrong.get_data(as_text=True)

    owner = _login(app, users, "voorzitter")
    page = owner.get(f"/weerbaarheid/maatregelen/{measure_id}").get_data(as_text=True)
    assert "Leverancierscheck bij inkoop" in page
    assert reference not in page and "GEHEIM" not in page and "Een melding die u niet kunt inzien" in page
    # The owner records progress, but may not decide "niet overgenomen".
    url = f"/weerbaarheid/maatregelen/{measure_id}/voortgang"
    page_url = f"/weerbaarheid/maatregelen/{measure_id}"
    refused = _post(owner, page_url, url, {"status": "niet_overgenomen", "reason": "Geen geld"})
    assert refused.status_code == 422 and "Alleen de regisseur" in refused.get_data(as_text=True)
    assert _post(owner, page_url, url, {"status": "in_uitvoering", "note": "Offerte gevraagd"}).status_code == 302
    # Evidence: encrypted on disk like a signal's attachment, downloadable by the owner and the regisseur.
    from io import BytesIO

    added = _post(owner, page_url, f"/weerbaarheid/maatregelen/{measure_id}/bewijs",
                  {"file": (BytesIO(b"BEWIJS-werkinstructie inkoop\n"), "werkinstructie.txt")},
                  content_type="multipart/form-data")
    assert added.status_code == 302
    refused_file = _post(owner, page_url, f"/weerbaarheid/maatregelen/{measure_id}/bewijs",
                         {"file": (BytesIO(b"MZ\x90\x00binary"), "programma.exe")}, content_type="multipart/form-data")
    assert refused_file.status_code == 422 and "soort die wij niet aannemen" in refused_file.get_data(as_text=True)
    with app.app_context():
        evidence = db.session.get(Measure, measure_id).evidence
        assert len(evidence) == 1
        evidence_id, storage_name = evidence[0].id, evidence[0].storage_name
        folder = app.extensions["meldpunt.settings"].uploads.folder
    from pathlib import Path

    assert b"BEWIJS" not in (Path(folder) / storage_name).read_bytes()
    download_url = f"/weerbaarheid/maatregelen/{measure_id}/bewijs/{evidence_id}"
    assert "werkinstructie.txt" in owner.get(page_url).get_data(as_text=True)
    download = regisseur.get(download_url)
    assert download.status_code == 200 and download.data == b"BEWIJS-werkinstructie inkoop\n"
    assert "attachment" in download.headers["Content-Disposition"]
    # Another account (not owner, not regisseur) gets 404 on the measure and its evidence.
    other = _login(app, users, "deelnemer")
    assert other.get(page_url).status_code == 404
    assert other.get(download_url).status_code == 404
    # "Niet overgenomen" needs a reason.
    no_reason = _post(regisseur, page_url, url, {"status": "niet_overgenomen", "reason": ""})
    assert no_reason.status_code == 422 and "reden" in no_reason.get_data(as_text=True)
    assert _post(regisseur, page_url, url, {"status": "niet_overgenomen", "reason": "Past niet"}).status_code == 302
    detail = regisseur.get(page_url).get_data(as_text=True)
    assert "Offerte gevraagd" in detail and "Past niet" in detail
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        assert measure.status == "niet_overgenomen" and b"Past niet" not in measure.reason_ct
        assert all(b"Offerte" not in (n.body_ct or b"") for n in measure.notes)


def test_item_04_progress_report_counts_overdue_and_what_changed_html_and_pdf(app_any_db, tmp_path):
    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    _post(regisseur, "/weerbaarheid/maatregelen", "/weerbaarheid/maatregelen/importeren",
          {"scan-source": "weerbaarheidsscan", "scan-source_document": "Scan", "scan-lines": SCAN,
           "scan-owner_email": users["melder"].email, "scan-due_on": "2026-06-30"})
    first, second, third = _measures(app)
    melder = _login(app, users, "melder")
    assert _post(melder, f"/weerbaarheid/maatregelen/{first.id}", f"/weerbaarheid/maatregelen/{first.id}/voortgang",
                 {"status": "gereed", "note": "Ingevoerd"}).status_code == 302
    _post(regisseur, "/weerbaarheid/sessies", "/weerbaarheid/sessies",
          {"held_on": "2026-05-01", "department": "Vergunningen", "participants": "14", "topic": "Signalen"})

    issued = _post(regisseur, "/weerbaarheid/rapportages", "/weerbaarheid/rapportages",
                   {"title": "Voortgang tweede halfjaar 2026"})
    assert issued.status_code == 302
    page = regisseur.get(issued.headers["Location"]).get_data(as_text=True)
    assert "2 maatregelen zijn over de termijn" in page  # the clock of the page is past 30 June 2026
    assert "3 nieuwe maatregelen" in page and "14 deelnemers" in page
    assert "vier-ogenprincipe" not in page  # counts and numbers only
    with app.app_context():
        report_id = db.session.scalar(select(ProgressReport.id))

    # A later change does not alter the frozen report; the next report shows what changed.
    assert _post(melder, f"/weerbaarheid/maatregelen/{second.id}", f"/weerbaarheid/maatregelen/{second.id}/voortgang",
                 {"status": "in_uitvoering", "note": "Gestart"}).status_code == 302
    again = regisseur.get(f"/weerbaarheid/rapportages/{report_id}").get_data(as_text=True)
    assert "2 maatregelen zijn over de termijn" in again and "0 maatregelen kregen een andere status" in again
    next_report = _post(regisseur, "/weerbaarheid/rapportages", "/weerbaarheid/rapportages", {"title": "Volgende"})
    changed = regisseur.get(next_report.headers["Location"]).get_data(as_text=True)
    assert "0 nieuwe maatregelen" in changed and "1 maatregelen kregen een andere status" in changed

    pdf = regisseur.get(f"/weerbaarheid/rapportages/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Voortgang tweede halfjaar 2026" in text and "over de termijn" in text
    assert _login(app, users, "management").get(f"/weerbaarheid/rapportages/{report_id}").status_code == 404


def test_item_05_knowledge_pages_strip_script_and_javascript_link_and_are_reachable_from_form_help(app_any_db):
    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    markdown = ("- Let op **contante betalingen**\n- <script>alert('x')</script>Aanvrager met haast\n\n"
                "[klik hier](javascript:alert(1)) en <a href=\"javascript:alert(2)\">hier</a> "
                "en [RIEC](https://www.riec.nl)\n")
    saved = _post(regisseur, "/kennis/process/vergunningen/bewerken", "/kennis/process/vergunningen/bewerken",
                  {"lookout_md": markdown, "examples_md": "Een *voorbeeld* zonder namen."})
    assert saved.status_code == 302

    melder = _login(app, users, "melder")
    form = melder.get("/melden").get_data(as_text=True)
    assert 'href="/kennis"' in form
    index = melder.get("/kennis").get_data(as_text=True)
    assert 'href="/kennis/process/vergunningen"' in index and 'href="/kennis/phenomenon/omkoping"' in index
    page = melder.get("/kennis/process/vergunningen").get_data(as_text=True)
    assert "<strong>contante betalingen</strong>" in page and "<em>voorbeeld</em>" in page
    assert "<script>alert" not in page and "alert(" not in page and "javascript:" not in page
    assert 'href="https://www.riec.nl"' in page
    assert "5 werkdagen" in page and "integriteitscoördinator" in page  # the handelingskader
    assert "Pagina aanpassen" not in page
    assert melder.get("/kennis/process/bestaat-niet").status_code == 404
    assert melder.get("/kennis/iets/vergunningen").status_code == 404
    assert melder.get("/kennis/process/vergunningen/bewerken").status_code == 404


def test_item_05_awareness_sessions_recorded_and_listed_for_the_regisseur(app_any_db):
    app = app_any_db
    users = make_users(app)
    regisseur = _login(app, users, "regisseur")
    assert _post(regisseur, "/weerbaarheid/sessies", "/weerbaarheid/sessies",
                 {"held_on": "2026-03-12", "department": "Burgerzaken", "participants": "23"}).status_code == 302
    bad = _post(regisseur, "/weerbaarheid/sessies", "/weerbaarheid/sessies",
                {"held_on": "", "department": "Sociaal domein", "participants": "-1"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Vul een geldige datum in." in text and 'value="Sociaal domein"' in text  # nothing typed is lost
    listing = regisseur.get("/weerbaarheid/sessies").get_data(as_text=True)
    assert "Burgerzaken" in listing and "23" in listing and re.search(r"12 maart 2026", listing)
    assert _login(app, users, "beheerder").get("/weerbaarheid/sessies").status_code == 403
