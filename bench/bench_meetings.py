"""The casusoverleg at a fixed size on PostgreSQL: a 30-item agenda pack to PDF, and the chair's overviews.

Seeds a fresh database (``flask db upgrade``) through the services: one recurring series of
``--meetings`` meetings (10 members each, every second one a partner) with ``--actions`` actions
spread over them (those of the last three meetings open or busy, the older ones done or lapsed;
deadlines spread, descriptions encrypted under each meeting's key), and
on the last meeting ``--items`` case items (one signal with a named subject each, pseudonymised).
Then measures, ``--repeat`` times each:

- the pack of the last meeting for its chair (all items): ``build_pack`` + WeasyPrint to PDF;
- the chair's overview pages through the Flask test client (logged in): the meeting list
  (``/overleg/``), the series' actions (``/overleg/<id>/acties``, every action) and the
  overdue filter (``?verlopen=1``).

Prints p50/p95 and the ratio to the issue's targets (3 s for the pack, 150 ms p95 for the overview).

    .venv/bin/python -m bench meetings [--meetings 100] [--actions 2000] [--items 30] [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.environment import add_pg_url_argument  # noqa: E402
from bench.report import record, summary  # noqa: E402

PACK_TARGET_S = 3.0
OVERVIEW_TARGET_MS = 150.0


def seed(app, *, meetings: int, actions: int, items: int) -> tuple[int, uuid.UUID]:
    """Returns (chair user id, id of the last meeting)."""
    from meldpunt.auth.models import User
    from meldpunt.auth.service import create_user
    from meldpunt.cases.service import create_case
    from meldpunt.extensions import db
    from meldpunt.signals.models import SignalStatus
    from meldpunt.intake.service import ReportInput, SubjectInput, file_signal
    from meldpunt.meetings import outcomes, service
    from meldpunt.meetings.models import ActionStatus, MeetingType
    from meldpunt.signals.service import transition_signal
    from meldpunt.signals.transitions import Path as StatusPath
    from meldpunt.vault.service import current_keyring
    from tests.conftest import make_users

    users = make_users(app)
    with app.app_context():
        keyring = current_keyring()
        chair = db.session.get(User, users["voorzitter"].id)
        regisseur = db.session.get(User, users["regisseur"].id)
        reporter = db.session.get(User, users["melder"].id)
        members = [create_user(db.session, email=f"lid{i}@bench.example", name=f"Lid {i}", role="deelnemer",
                               password=None) for i in range(10)]
        db.session.flush()
        type_id = db.session.scalar(db.select(MeetingType.id).where(MeetingType.code == "casusoverleg"))
        first = service.create_meeting(db.session, keyring=keyring, actor=chair, type_id=type_id,
                                       starts_at=datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc), duration_minutes=120,
                                       location="Stadhuis", video_url=None, interval_weeks=2)
        for i, member in enumerate(members):
            service.add_member(db.session, meeting=first, actor=chair, member=member,
                               organisation="Politie" if i % 2 else "Vergunningen", is_partner=bool(i % 2))
        series = [first]
        for _ in range(meetings - 1):
            series.append(service.next_in_series(db.session, keyring=keyring, meeting=series[-1], actor=chair))
        db.session.commit()
        statuses = [ActionStatus.OPEN, ActionStatus.BUSY, ActionStatus.DONE, ActionStatus.LAPSED]
        today = date.today()
        for n in range(actions):
            meeting = series[n % len(series)]
            action = outcomes.add_action(
                db.session, keyring=keyring, actor=chair, meeting=meeting, item=None,
                owner_user_id=members[n % len(members)].id, owner_organisation=None,
                deadline=today + timedelta(days=(n % 90) - 45), description=f"Actie {n}: dossier opvragen en nagaan")
            # Older meetings' actions are mostly done; the last three meetings' are still open or busy,
            # so the afsprakenlijst of the last meeting carries a realistic few dozen.
            recent = n % len(series) >= len(series) - 3
            action.status = statuses[n % 2 if recent else 2 + n % 2].value
            if n % 200 == 199:
                db.session.commit()
        last = series[-1]
        last.state = "gepland"  # actions marked it held; the agenda of this meeting is built next
        for n in range(items):
            signal = file_signal(db.session, keyring=keyring, reporter=reporter, description=f"Melding {n}",
                                 report=ReportInput(description=f"Melding {n} over een pand",
                                                    subjects=[SubjectInput(kind="persoon", name=f"Persoon Naam{n}")]))
            transition_signal(db.session, keyring=keyring, signal=signal, actor=regisseur,
                              target=SignalStatus.IN_PROGRESS, path=StatusPath.STATUS, four_eyes=False)
            case = create_case(db.session, keyring=keyring, actor=regisseur, title=f"Casus {n}", signals=[signal])
            proposal = service.propose(db.session, keyring=keyring, actor=regisseur, meeting=last,
                                       question=f"Wat doen we met Persoon Naam{n}? " * 8, case=case)
            service.accept_proposal(db.session, keyring=keyring, actor=chair, proposal=proposal)
        db.session.commit()
        return chair.id, last.id


def _page_count(pdf: bytes) -> int | str:
    """Pages of the PDF (pdfinfo from poppler-utils), or "?" without it."""
    import shutil
    import subprocess  # nosec B404 # pdfinfo on our own PDF

    if shutil.which("pdfinfo") is None:
        return "?"
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=False).stdout.decode()  # nosec B603 B607
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), "?")


def measure(app, *, chair_id: int, meeting_id: uuid.UUID, repeat: int, items: int, actions: int, meetings: int) -> None:
    from meldpunt.auth.models import User
    from meldpunt.documents.pdf import pdf_available
    from meldpunt.extensions import db
    from meldpunt.meetings.models import Meeting
    from meldpunt.meetings.packs import build_pack, render_pack_pdf
    from meldpunt.vault.service import current_keyring
    from tests.support.logins import login_full

    if pdf_available():
        times = []
        pages = 0
        with app.test_request_context():
            for _ in range(max(3, repeat // 5)):
                start = time.perf_counter()
                meeting = db.session.get(Meeting, meeting_id)
                chair = db.session.get(User, chair_id)
                pack = build_pack(db.session, keyring=current_keyring(), meeting=meeting, viewer=chair)
                pdf = render_pack_pdf(pack)
                times.append((time.perf_counter() - start) * 1000)
                pages = _page_count(pdf)
                db.session.rollback()
        p50, p95 = summary(times)
        print(f"pack: {items} items, {pages} pages, p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"({p95 / 1000 / PACK_TARGET_S:.2f} of the {PACK_TARGET_S:.0f} s target)", flush=True)
        record("meetings", f"{items}-item pack to PDF p50", p50, "ms")
        record("meetings", f"{items}-item pack to PDF p95", p95, "ms")
    else:
        print("pack: WeasyPrint's system libraries are missing; PDF not measured")
    with app.app_context():
        chair = db.session.get(User, chair_id)
        email = chair.email
        db.session.remove()
    client = app.test_client()
    login_full(client, email)
    pages = {
        "meeting list /overleg/": "/overleg/",
        f"series actions ({actions:,}, {meetings} meetings)": f"/overleg/{meeting_id}/acties",
        "series actions, overdue only": f"/overleg/{meeting_id}/acties?verlopen=1",
    }
    for label, url in pages.items():
        assert client.get(url).status_code == 200  # warm up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        p50, p95 = summary(times)
        print(f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms ({p95 / OVERVIEW_TARGET_MS:.2f} of the "
              f"{OVERVIEW_TARGET_MS:.0f} ms target)", flush=True)
        record("meetings", f"{label} p95", p95, "ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench meetings", description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    add_pg_url_argument(parser)
    args = parser.parse_args(argv)
    from bench.environment import migrated_app, new_instance, release, throwaway_postgres

    with throwaway_postgres(args.pg_url) as url:
        if url is None:
            return 0
        app = migrated_app(new_instance("meetings"), url)
        started = time.perf_counter()
        chair_id, meeting_id = seed(app, meetings=args.meetings, actions=args.actions, items=args.items)
        took = time.perf_counter() - started
        print(f"postgresql: {args.meetings} meetings, {args.actions:,} actions, {args.items} items seeded "
              f"in {took:.0f} s", flush=True)
        measure(app, chair_id=chair_id, meeting_id=meeting_id, repeat=args.repeat, items=args.items,
                actions=args.actions, meetings=args.meetings)
        release(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
