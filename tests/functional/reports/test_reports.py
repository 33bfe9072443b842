"""Issue 18: dashboard, council report, ondermijningsbeeld, "Wat doen we met uw meldingen".

Figures are checked against counts computed here, in plain Python, from the fixture rows
(Hypothesis draws the rows); the pages are driven over HTTP as each role would.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings

from meldpunt.extensions import db
from tests.conftest import csrf_token
from tests.support.logins import login_full
from tests.support.report_rows import (
    EXIT, Row, insert_signals, percentile, rows_strategy, working_days_later,
)

TODAY = date(2026, 12, 1)


def _clear(app) -> None:
    from meldpunt.signals.models import Signal

    with app.app_context():
        db.session.execute(db.delete(Signal))
        db.session.commit()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy)
def test_dashboard_every_figure_equals_an_independent_count(app_any_db, rows):
    from meldpunt.reports import figures
    from meldpunt.reports.figures import Filters, Period

    app = app_any_db
    _clear(app)
    with app.app_context():
        insert_signals(db.session, rows)
        db.session.commit()
        period = Period(date(2026, 2, 1), date(2026, 10, 1))
        for track in (None, "integriteit"):
            board = figures.dashboard(db.session, period=period, filters=Filters(track=track), today=TODAY,
                                      working_days=5)
            mine = [r for r in rows if track is None or r.track == track]
            inside = [r for r in mine if period.start_at <= r.created_at < period.end_at]
            assert board.total == len(inside)
            months = Counter(f"{r.created_at.year:04d}-{r.created_at.month:02d}" for r in inside)
            assert board.per_month == [(m, months.get(m, 0)) for m in period.months()]
            for name, attr in (("phenomenon", "phenomenon"), ("process", "process"), ("department", "department"),
                               ("channel", "channel"), ("track", "track")):
                expected = Counter((getattr(r, attr) or "") for r in inside)
                assert board.by[name] == dict(expected), name
            assert board.by_status == dict(Counter(r.status for r in inside))
            for name, attr in (("feedback", "feedback_after"), ("triage", "triage_after"), ("closed", "closed_after")):
                days = [getattr(r, attr).total_seconds() / 86400 for r in inside if getattr(r, attr) is not None]
                lead = board.lead_times[name]
                assert lead.count == len(days)
                for got, p in ((lead.median_days, 0.5), (lead.p90_days, 0.9)):
                    want = percentile(days, p)
                    assert (got is None and want is None) or abs(got - want) <= 0.05 + 1e-6  # shown to 0.1 day
            wanted = [r for r in inside if r.wants_feedback]
            in_time = [r for r in wanted if r.feedback_after is not None and
                       (r.created_at + r.feedback_after).date() <= working_days_later(r.created_at.date(), 5)]
            assert (board.feedback_wanted, board.feedback_in_time) == (len(wanted), len(in_time))
            open_rows = [r for r in mine if r.status not in EXIT]
            overdue = [r for r in open_rows if r.wants_feedback and r.feedback_after is None
                       and working_days_later(r.created_at.date(), 5) < TODAY]
            assert (board.open_now, board.overdue_now) == (len(open_rows), len(overdue))
            assert (board.cases_by_status is None) == (track == "integriteit")


def _dashboard_rows() -> list[Row]:
    base = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    return [Row(base + timedelta(days=i), "drugs" if i % 3 else "vastgoed", "vergunningen", "vth",
                "intern_formulier", "integriteit" if i % 4 == 0 else "regulier", "ontvangen", True,
                timedelta(days=2) if i % 2 else None, None, None) for i in range(12)]


def test_dashboard_page_filters_in_url_and_integrity_sees_own_track_only(app, users):
    with app.app_context():
        insert_signals(db.session, _dashboard_rows())
        db.session.commit()
    client = app.test_client()
    login_full(client, users["management"].email)
    page = client.get("/rapportages/?van=2026-01-01&tot=2026-12-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'id="kpi-total">12<', html)
    assert "<svg" in html and "<title" in html and "samenvatting" in html
    filtered = client.get("/rapportages/?van=2026-01-01&tot=2026-12-31&spoor=integriteit").get_data(as_text=True)
    assert re.search(r'id="kpi-total">3<', filtered)
    assert client.get("/rapportages/?van=gisteren").status_code == 400

    integrity = app.test_client()
    login_full(integrity, users["integriteit"].email)
    own = integrity.get("/rapportages/?van=2026-01-01&tot=2026-12-31&spoor=regulier").get_data(as_text=True)
    assert re.search(r'id="kpi-total">3<', own), "the integriteitscoördinator sees the integrity track only"
    assert 'id="casussen"' not in own


def test_management_lands_on_the_dashboard_and_nav_shows_it(app, users):
    client = app.test_client()
    response = login_full(client, users["management"].email)
    assert response.headers.get("Location", "").endswith("/rapportages/")
    nav = client.get("/account").get_data(as_text=True)
    assert 'href="/rapportages/"' in nav
    melder = app.test_client()
    login_full(melder, users["melder"].email)
    html = melder.get("/account").get_data(as_text=True)
    assert 'href="/rapportages/"' not in html and "Wat doen we met uw meldingen" in html


# ------------------------------------------------------------------------------ council report


def _quarter_rows(start: datetime, per_phenomenon: dict[str, int]) -> list[Row]:
    out = []
    for code, n in per_phenomenon.items():
        for i in range(n):
            out.append(Row(start + timedelta(days=(i * 7) % 80, hours=i % 5), code, "inkoop", "vth",
                           "intern_formulier", "regulier", "afgesloten", True, timedelta(days=1),
                           timedelta(days=2), timedelta(days=9)))
    return out


def _draft(client, start: str, end: str) -> int:
    token = csrf_token(client.get("/rapportages/raad").get_data(as_text=True))
    response = client.post("/rapportages/raad", data={"csrf_token": token, "start": start, "end": end})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _themes(client, report_id: int, explanation: str = "Toelichting") -> int:
    token = csrf_token(client.get(f"/rapportages/raad/{report_id}").get_data(as_text=True))
    data = {"csrf_token": token}
    for key in ("instroom", "afhandeling", "interventies", "acties"):
        data[f"rag_{key}"] = "oranje"
        data[f"explanation_{key}"] = explanation
    return client.post(f"/rapportages/raad/{report_id}/themas", data=data).status_code


def _approve(client, report_id: int) -> int:
    token = csrf_token(client.get(f"/rapportages/raad/{report_id}").get_data(as_text=True))
    return client.post(f"/rapportages/raad/{report_id}/vaststellen", data={"csrf_token": token}).status_code


def _snapshot(app, report_id: int) -> str | None:
    from meldpunt.reports.models import CouncilReport

    with app.app_context():
        return db.session.get(CouncilReport, report_id).snapshot


def test_council_report_four_eyes_then_frozen_and_versioned(app, users):
    with app.app_context():
        insert_signals(db.session, _quarter_rows(datetime(2026, 1, 3, tzinfo=timezone.utc),
                                                 {"drugs": 9, "vastgoed": 2, "mensenhandel": 7}))
        db.session.commit()
    regisseur, management = app.test_client(), app.test_client()
    login_full(regisseur, users["regisseur"].email)
    login_full(management, users["management"].email)
    report_id = _draft(regisseur, "2026-01-01", "2026-03-31")
    assert _approve(management, report_id) == 302  # refused with a message: no explanations yet
    assert _snapshot(app, report_id) is None
    token = csrf_token(regisseur.get(f"/rapportages/raad/{report_id}").get_data(as_text=True))
    empty = regisseur.post(f"/rapportages/raad/{report_id}/themas", data={"csrf_token": token, "rag_instroom": "rood"})
    assert empty.status_code == 400 and "Schrijf een toelichting" in empty.get_data(as_text=True)
    assert _themes(regisseur, report_id) == 302
    assert _approve(regisseur, report_id) == 404  # the regisseur (the author) may not approve: refused like a hidden id
    assert _approve(management, report_id) == 302
    frozen = _snapshot(app, report_id)
    assert frozen and json.loads(frozen)["tables"]["phenomenon"]["rows"]

    # An approved report cannot change: new figures, a new explanation, a second approval are refused.
    with app.app_context():
        insert_signals(db.session, _quarter_rows(datetime(2026, 1, 5, tzinfo=timezone.utc), {"drugs": 30}),
                       start_seq=500)
        db.session.commit()
    assert regisseur.post(f"/rapportages/raad/{report_id}/themas",
                          data={"csrf_token": token, "rag_instroom": "groen",
                                "explanation_instroom": "later"}).status_code == 409
    assert _approve(management, report_id) == 409
    assert _snapshot(app, report_id) == frozen
    assert "Deze versie verandert niet meer" in management.get(f"/rapportages/raad/{report_id}").get_data(as_text=True)

    # A correction is a new version; the old one stays as it was.
    token = csrf_token(regisseur.get(f"/rapportages/raad/{report_id}").get_data(as_text=True))
    corrected = regisseur.post(f"/rapportages/raad/{report_id}/correctie", data={"csrf_token": token})
    new_id = int(corrected.headers["Location"].rsplit("/", 1)[1])
    assert new_id != report_id
    assert _approve(management, new_id) == 302
    assert _snapshot(app, report_id) == frozen
    assert json.loads(_snapshot(app, new_id))["version"] == 2


def test_council_report_pdf_text_equals_html_figures_and_csv(app, users):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is needed: `make test` installs poppler-utils as root")
    with app.app_context():
        insert_signals(db.session, _quarter_rows(datetime(2026, 4, 2, tzinfo=timezone.utc),
                                                 {"drugs": 11, "vastgoed": 3, "mensenhandel": 6}))
        db.session.commit()
    regisseur, management = app.test_client(), app.test_client()
    login_full(regisseur, users["regisseur"].email)
    login_full(management, users["management"].email)
    report_id = _draft(regisseur, "2026-04-01", "2026-06-30")
    assert _themes(regisseur, report_id, "Meer meldingen over drugs") == 302
    assert _approve(management, report_id) == 302
    data = json.loads(_snapshot(app, report_id))
    html = management.get(f"/rapportages/raad/{report_id}").get_data(as_text=True)
    pdf = management.get(f"/rapportages/raad/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout
    pdf_tokens = " ".join(text.decode().split()).replace("< ", "<")  # pdftotext drops the thin gap in "< 5"
    html_text = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&lt;", "<").split()).replace("< ", "<")
    for table in data["tables"].values():
        for row in table["rows"]:
            line = " ".join([row["label"], *row["cells"], row["total"]]).replace("< ", "<")
            at = pdf_tokens.find(row["label"].split()[0])
            assert line in pdf_tokens, f"PDF lacks: {line}; near: {pdf_tokens[max(0, at - 80):at + 200]}"
            assert line in html_text, f"HTML lacks: {line}"
    assert "Meer meldingen over drugs" in pdf_tokens
    csv_text = management.get(f"/rapportages/raad/{report_id}.csv").get_data(as_text=True)
    for row in data["tables"]["phenomenon"]["rows"]:
        assert ";".join([row["label"], *row["cells"], row["total"]]) in csv_text
    assert "< 5" in csv_text  # vastgoed: 3 signals


def test_council_report_previous_period_copied_as_published(app, users):
    """The trend column repeats the previous report's published totals, never a recomputed figure."""
    with app.app_context():
        insert_signals(db.session, _quarter_rows(datetime(2026, 1, 3, tzinfo=timezone.utc),
                                                 {"drugs": 8, "vastgoed": 3, "mensenhandel": 6}))
        insert_signals(db.session, _quarter_rows(datetime(2026, 4, 3, tzinfo=timezone.utc),
                                                 {"drugs": 9, "vastgoed": 7, "mensenhandel": 2}), start_seq=200)
        db.session.commit()
    regisseur, management = app.test_client(), app.test_client()
    login_full(regisseur, users["regisseur"].email)
    login_full(management, users["management"].email)
    first = _draft(regisseur, "2026-01-01", "2026-03-31")
    _themes(regisseur, first)
    _approve(management, first)
    # A late change to a Q1 signal: the Q1 figures recomputed now would differ from the published ones.
    with app.app_context():
        insert_signals(db.session, _quarter_rows(datetime(2026, 1, 9, tzinfo=timezone.utc), {"vastgoed": 1}),
                       start_seq=900)
        db.session.commit()
    second = _draft(regisseur, "2026-04-01", "2026-06-30")
    _themes(regisseur, second)
    _approve(management, second)
    q1, q2 = json.loads(_snapshot(app, first)), json.loads(_snapshot(app, second))
    published_q1 = {row["label"]: row["total"] for row in q1["tables"]["phenomenon"]["rows"]}
    for row in q2["trend"]:
        assert row["previous"] == published_q1.get(row["label"], "–")


def test_undermining_picture_counts_recurring_subjects_without_names(app, users):
    import uuid

    from meldpunt.intake.models import Subject, SubjectIdentifier
    from meldpunt.signals.models import Signal

    rows = _quarter_rows(datetime.now(timezone.utc).replace(day=1) - timedelta(days=60), {"drugs": 12})
    with app.app_context():
        insert_signals(db.session, rows)
        signals = list(db.session.scalars(db.select(Signal)))
        for signal in signals[:7]:  # one KvK number in seven signals
            subject = Subject(id=uuid.uuid4(), signal_id=signal.id, kind="bedrijf")
            db.session.add(subject)
            db.session.flush()
            db.session.add(SubjectIdentifier(subject_id=subject.id, signal_id=signal.id, kind="kvk",
                                             key_id="k1", digest="d" * 64))
        db.session.commit()
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/ondermijningsbeeld")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "KvK-nummers" in html and "d" * 64 not in html
    pdf = client.get("/ondermijningsbeeld.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_results_page_examples_need_a_second_person(app, users):
    from meldpunt.reports.models import ResultExample

    regisseur, management, melder = app.test_client(), app.test_client(), app.test_client()
    login_full(regisseur, users["regisseur"].email)
    login_full(management, users["management"].email)
    login_full(melder, users["melder"].email)
    page = regisseur.get("/wat-doen-we-met-uw-meldingen").get_data(as_text=True)
    quarter = re.search(r'<option value="([0-9]{4}-K[1-4])"', page).group(1)
    regisseur.post("/wat-doen-we-met-uw-meldingen/voorbeelden",
                   data={"csrf_token": csrf_token(page), "quarter": quarter,
                         "text": "Een melding leidde tot een Bibob-toets."})
    with app.app_context():
        example_id = db.session.scalar(db.select(ResultExample.id))
    assert "Bibob-toets." not in melder.get("/wat-doen-we-met-uw-meldingen").get_data(as_text=True)
    token = csrf_token(regisseur.get("/wat-doen-we-met-uw-meldingen").get_data(as_text=True))
    own = regisseur.post(f"/wat-doen-we-met-uw-meldingen/voorbeelden/{example_id}/goedkeuren",
                         data={"csrf_token": token})
    assert own.status_code == 404  # the author cannot approve their own example
    token = csrf_token(management.get("/wat-doen-we-met-uw-meldingen").get_data(as_text=True))
    assert management.post(f"/wat-doen-we-met-uw-meldingen/voorbeelden/{example_id}/goedkeuren",
                           data={"csrf_token": token}).status_code == 302
    assert "Een melding leidde tot een Bibob-toets." in melder.get("/wat-doen-we-met-uw-meldingen").get_data(as_text=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy)
def test_council_figures_every_shown_cell_equals_an_independent_count(app, rows):
    """Published cells equal the count here; a cell shown "< k" has a count below k; "x" at least k."""
    from meldpunt.reports import service
    from meldpunt.reports.figures import Period

    k = 3
    _clear(app)
    with app.app_context():
        insert_signals(db.session, rows)
        db.session.commit()
        period = Period(date(2026, 1, 1), date(2026, 4, 1))
        data = service.council_figures(db.session, period=period, k=k)
        names = service.labels(db.session)
    inside = [r for r in rows if r.track == "regulier" and period.start_at <= r.created_at < period.end_at]
    months = period.months()
    table = data["tables"]["phenomenon"]
    by_label = {service.label_for(names["phenomenon"], code or ""): code for code in
                set(names["phenomenon"]) | {r.phenomenon or "" for r in inside}}
    for row in table["rows"]:
        code = by_label[row["label"]]
        counts = [sum(1 for r in inside if (r.phenomenon or "") == (code or "")
                      and f"{r.created_at.year:04d}-{r.created_at.month:02d}" == m) for m in months]
        for shown, count in zip([*row["cells"], row["total"]], [*counts, sum(counts)]):
            if shown == f"< {k}":
                assert count < k
            elif shown == "x":
                assert count >= k
            else:
                assert int(shown) == count
    grand = table["totals"]["total"]
    assert grand in (f"< {k}", "x") or int(grand) == len(inside)
