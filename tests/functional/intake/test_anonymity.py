"""Issue 15, items 5, 6, 7 and 18: nothing links an anonymous reporter to an account, an address or a moment.

Item 5: the anonymous routes refuse a logged-in browser (offering to log out first), and no row of
an account changes while anonymous requests run (every timestamp column of every table, found by
reflecting the database, is compared with the time windows of those requests).
Item 6: what an anonymous reporter does is stored with the hour only, the audit entries join the
chain after the hour, and Flask-Limiter's log line names no client (the access-log lines of a real
server are in tests/integration/intake/test_anonymous_request_log.py).
Item 7: the receipt grant lives on the server, behind a random handle; the app's secret key opens nothing.
Item 18: the confirmation page's link comes from ``base_url``, never from the Host header.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import select

from meldpunt.audit.models import AuditEntry, DeferredAuditEntry
from meldpunt.audit.service import append_deferred, verify_chain
from meldpunt.auth.models import AuthSession, User
from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice, NoticeDelivery
from meldpunt.intake.messages import post_message
from meldpunt.intake.models import Message, MessageSender, ReceiptGrant
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login, make_users
from tests.support.forms import PDF, post_form, receipt_code_from, send_data

ANONYMOUS_REPORT = {
    "description": "Loods aan de Havenweg wordt 's nachts gebruikt",
    "subjects-0-kind": "bedrijf",
    "subjects-0-name": "Havenweg Opslag B.V.",
    "subjects-0-kvk": "12345678",
    "feedback": "code",
}


# ----------------------------------------------------------------------------- helpers


class Windows:
    """The wall-clock spans of the anonymous requests (the app runs in this process: one clock)."""

    def __init__(self) -> None:
        self.spans: list[tuple[datetime, datetime]] = []

    @contextmanager
    def measure(self):
        start = datetime.now(timezone.utc)
        try:
            yield
        finally:
            self.spans.append((start, datetime.now(timezone.utc)))

    def contain(self, value: datetime) -> bool:
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return any(start <= value <= end for start, end in self.spans)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _on_the_hour(value: datetime) -> bool:
    return (value.minute, value.second, value.microsecond) == (0, 0, 0)


def timestamp_rows(app) -> list[tuple[str, dict, str, datetime]]:
    """(table, row, column, value) for every non-NULL timestamp in the database, found by reflection."""
    found = []
    with app.app_context():
        reflected = sa.MetaData()
        reflected.reflect(bind=db.engine)
        assert set(db.metadata.tables) <= set(reflected.tables), "reflection missed a model table"
        with db.engine.connect() as conn:
            for table in reflected.sorted_tables:
                columns = [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
                if not columns:
                    continue
                for row in conn.execute(sa.select(table)).mappings():
                    for column in columns:
                        if row[column] is not None:
                            found.append((table.name, dict(row), column, _aware(row[column])))
    return found


def account_columns(app) -> dict[str, list[str]]:
    """Per table, the columns that point at an account (foreign keys to users, and the audit actor)."""
    with app.app_context():
        reflected = sa.MetaData()
        reflected.reflect(bind=db.engine)
    columns = {
        table.name: [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "users"]
        for table in reflected.sorted_tables
    }
    columns["audit_entries"].append("actor_id")
    return columns


def belongs_to_account(table: str, row: dict, columns: dict[str, list[str]]) -> bool:
    return table == "users" or any(row.get(c) is not None for c in columns.get(table, []))


def token_of(client, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def file_anonymously(client, report: dict | None = None, files=None):
    """Form → "Controleer uw melding" → send; answers the page with the receipt code."""
    return post_form(client, "/melden/anoniem", report or ANONYMOUS_REPORT, files=files)


def open_receipt(client, code: str):
    return client.post("/ontvangstcode", data={"code": code, "csrf_token": token_of(client, "/ontvangstcode")})


def new_anonymous_signal(app) -> tuple[str, Signal]:
    """File through HTTP from a fresh browser; returns (receipt code, the signal, detached)."""
    response = file_anonymously(app.test_client())
    assert response.status_code == 200
    code = receipt_code_from(response.get_data(as_text=True))
    with app.app_context():
        signal = db.session.scalar(select(Signal).order_by(Signal.ref_seq.desc()))
        db.session.expunge(signal)
    return code, signal


def age_session(app, email: str, minutes: int = 5) -> None:
    """As if the person logged in a while ago: the next request would move ``last_seen_at``."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        earlier = utcnow() - timedelta(minutes=minutes)
        for row in db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)):
            row.created_at = row.last_seen_at = earlier
        user.last_login_at = earlier
        db.session.commit()


def handler_asks(app, users, signal_id, body: str = "Weet u het huisnummer nog?") -> datetime:
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        handler = db.session.get(User, users["regisseur"].id)
        message = post_message(db.session, keyring=keyring, signal=signal, sender=MessageSender.HANDLER,
                               author=handler, body=body)
        db.session.commit()
        return _aware(message.created_at)


def session_payload(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def with_forged_session(app, payload: dict):
    """A browser whose session cookie is signed with the app's own secret key, carrying ``payload``."""
    client = app.test_client()
    value = app.session_interface.get_signing_serializer(app).dumps(payload)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return client


# ----------------------------------------------------------------------------- item 5


def test_item_05_anonymous_routes_refuse_a_logged_in_browser_and_touch_no_account_row(app_any_db):
    app = app_any_db
    users = make_users(app)
    code, signal = new_anonymous_signal(app)
    email = users["melder"].email
    client = app.test_client()
    login(client, email)
    age_session(app, email)
    columns = account_columns(app)
    before = {(t, c, str(r.get("id"))): v for t, r, c, v in timestamp_rows(app) if belongs_to_account(t, r, columns)}

    # Logged in: every anonymous route answers with the "log out first" page and does nothing else.
    windows = Windows()
    with windows.measure():
        form_page = client.get("/melden/anoniem")
        token = csrf_token(form_page.get_data(as_text=True))
        answers = {
            "GET /melden/anoniem": form_page,
            "POST /melden/anoniem": client.post("/melden/anoniem", data={"csrf_token": token, **ANONYMOUS_REPORT}),
            "GET /melden/anoniem/controleren": client.get("/melden/anoniem/controleren"),
            "POST /melden/anoniem/controleren": client.post("/melden/anoniem/controleren", data={"csrf_token": token}),
            "GET /ontvangstcode": client.get("/ontvangstcode"),
            "POST /ontvangstcode": client.post("/ontvangstcode", data={"csrf_token": token, "code": code}),
            "GET /ontvangstcode/melding": client.get("/ontvangstcode/melding"),
            "POST /ontvangstcode/bericht": client.post("/ontvangstcode/bericht", data={"csrf_token": token, "body": "x"}),
            "POST /ontvangstcode/sluiten": client.post("/ontvangstcode/sluiten", data={"csrf_token": token}),
        }
    for route, response in answers.items():
        page = response.get_data(as_text=True)
        assert response.status_code == (200 if route.startswith("GET") else 409), route
        assert "Eerst uitloggen" in page and 'action="/uitloggen"' in page, route
        assert ('value="ontvangstcode"' if "ontvangstcode" in route else 'value="anoniem-melden"') in page, route
    assert "Er is niets verstuurd." in answers["POST /melden/anoniem"].get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Signal)) == 1  # nothing filed
        assert db.session.scalar(select(sa.func.count()).select_from(Message)) == 0
        assert db.session.scalar(select(sa.func.count()).select_from(ReceiptGrant)) == 0

    # "Uitloggen en anoniem melden": logs out, then continues to the anonymous form.
    logout = client.post("/uitloggen", data={"csrf_token": token, "verder": "anoniem-melden"})
    assert logout.status_code == 303 and logout.headers["Location"].endswith("/melden/anoniem")
    assert "U bent uitgelogd." in client.get("/melden/anoniem").get_data(as_text=True)

    # Now every anonymous route works, from this same browser.
    with windows.measure():
        filed = file_anonymously(client, files=[(PDF, "brief.pdf")])
    assert filed.status_code == 200
    own_code = receipt_code_from(filed.get_data(as_text=True))
    with app.app_context():
        own = db.session.scalar(select(Signal).order_by(Signal.ref_seq.desc()))
        own_id, own_digest, own_reference = own.id, own.receipt_digest, own.reference
    handler_asks(app, users, own_id)  # a handler's question (their time, outside the windows)
    with windows.measure():
        assert open_receipt(client, "ABCD EFGH JKMN PQRS TVWX").status_code == 422
        assert open_receipt(client, own_code).status_code == 303
        page = client.get("/ontvangstcode/melding")
        assert page.status_code == 200 and "Weet u het huisnummer nog?" in page.get_data(as_text=True)
        reply = client.post(
            "/ontvangstcode/bericht", content_type="multipart/form-data",
            data={"csrf_token": csrf_token(page.get_data(as_text=True)), "body": "Nummer 12",
                  "attachments": [(io.BytesIO(PDF), "foto.pdf")]},
        )
        assert reply.status_code == 303
        closed = client.post("/ontvangstcode/sluiten", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
        assert closed.status_code == 303
        assert client.get("/ontvangstcode/melding").status_code == 303

    rows = timestamp_rows(app)
    after = {(t, c, str(r.get("id"))): v for t, r, c, v in rows if belongs_to_account(t, r, columns)}
    changed = sorted(key for key, value in after.items() if before.get(key) != value and windows.contain(value))
    assert not changed, f"account rows changed during anonymous requests: {changed}"
    in_windows = sorted({(t, c) for t, r, c, v in rows if windows.contain(v)})
    # The only rows written at an anonymous moment: receipt grants, which name no signal without the cookie.
    assert {t for t, _c in in_windows} <= {"receipt_grants"}, in_windows
    for table, row, _column, value in rows:
        if table == "receipt_grants":
            raw = repr(row)
            assert own_digest not in raw and str(own_id) not in raw and str(own_id.hex) not in raw
            assert own_reference not in raw


# ----------------------------------------------------------------------------- item 6


def _rows_of_signal(app, signal_id: uuid.UUID) -> list[tuple[str, str, datetime]]:
    """(table, column, value) of every timestamp in a row that belongs to the signal."""
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        data_key_id = signal.data_key_id
        notice_ids = set(db.session.scalars(select(Notice.id).where(Notice.signal_id == signal_id)))
    def same(value, wanted: uuid.UUID) -> bool:  # reflected UUIDs are strings on SQLite
        return value is not None and str(value).replace("-", "") == wanted.hex

    result = []
    for table, row, column, value in timestamp_rows(app):
        mine = (
            (table == "signals" and same(row["id"], signal_id))
            or same(row.get("signal_id"), signal_id)
            or (table == "data_keys" and same(row["id"], data_key_id))
            or (table == "notice_deliveries" and row["notice_id"] in notice_ids)
            or (table in ("audit_entries", "audit_deferred") and row["object_id"] == str(signal_id))
        )
        if mine:
            result.append((table, column, value))
    return result


def test_item_06_anonymous_rows_store_only_the_hour(app_any_db):
    app = app_any_db
    make_users(app)
    client = app.test_client()
    response = file_anonymously(client, files=[(PDF, "brief.pdf")])
    code = receipt_code_from(response.get_data(as_text=True))
    assert open_receipt(client, code).status_code == 303
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    reply = client.post("/ontvangstcode/bericht", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "body": "Nog een foto", "attachments": [(io.BytesIO(PDF), "foto.pdf")]})
    assert reply.status_code == 303
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    assert re.search(r"<dt>Gemeld op</dt><dd>vandaag</dd>", page)  # the page says "vandaag", not a time
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        signal_id = signal.id
        assert signal.subjects and len(signal.attachments) == 2 and signal.messages
        notice = db.session.scalar(select(Notice).where(Notice.signal_id == signal_id))
        assert notice.delivered_at is not None and notice.published_at is None  # never given to a worker
        assert [d.channel for d in db.session.scalars(select(NoticeDelivery))] == ["receipt"]

    rows = _rows_of_signal(app, signal_id)
    tables = {t for t, _c, _v in rows}
    assert {"signals", "data_keys", "subjects", "attachments", "messages", "status_changes", "notices",
            "notice_deliveries", "audit_deferred"} <= tables, tables
    assert ("signals", "updated_at") in {(t, c) for t, c, _v in rows}
    off_the_hour = [(t, c, v.isoformat()) for t, c, v in rows if not _on_the_hour(v)]
    assert not off_the_hour, off_the_hour

    # A handler's later action keeps its own, exact time; the reporter's rows stay on the hour.
    later = utcnow() + timedelta(hours=1)
    with app.app_context():
        assert append_deferred(db.session, now=later) >= 4  # file, receipt.open, signal.read, message, attachments
        db.session.commit()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(signal_id))).all()
        assert entries and all(_on_the_hour(_aware(e.created_at)) for e in entries)
        assert all(e.actor_id is None and e.actor_label == "anoniem" and e.origin == "" for e in entries)
        assert verify_chain(db.session) == []


def test_item_06_anonymous_answer_keeps_its_place_after_the_question(app):
    users = make_users(app)
    code, signal = new_anonymous_signal(app)
    asked_at = handler_asks(app, users, signal.id)
    client = app.test_client()
    open_receipt(client, code)
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    client.post("/ontvangstcode/bericht", data={"csrf_token": csrf_token(page), "body": "Nummer 12, denk ik"})
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    assert page.index("Weet u het huisnummer nog?") < page.index("Nummer 12, denk ik")
    with app.app_context():
        answer = db.session.scalar(select(Message).where(Message.sender == "melder"))
        hour = utcnow().replace(minute=0, second=0, microsecond=0)
        # the hour, moved to just after the question when that came later in the same hour
        assert _aware(answer.created_at) == max(hour, asked_at + timedelta(microseconds=1))
    assert re.search(r"<strong>U</strong>\s*· vandaag</p>", page)


def test_item_06_anonymous_audit_entries_join_the_chain_after_the_hour(app_any_db):
    """The chain is ordered: an entry appended at once would sit between the staff entries around the
    exact moment (a logout, a login). Anonymous entries wait, then join stamped with their hour."""
    app = app_any_db
    users = make_users(app)
    _code, signal = new_anonymous_signal(app)
    staff = app.test_client()
    login(staff, users["melder"].email)  # an account's entry after the anonymous filing
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(signal.id))).all() == []
        waiting = db.session.scalars(select(DeferredAuditEntry)).all()
        # the form kept for "Controleer uw melding", and the filing: both wait for the hour to end
        assert sorted(w.action for w in waiting) == ["intake.draft_save", "signal.file"]
        waiting = [w for w in waiting if w.action == "signal.file"]
        assert all(_on_the_hour(_aware(w.hour)) for w in waiting)
        assert append_deferred(db.session) == 0  # the hour has not ended yet
        staff_last = db.session.scalar(select(sa.func.max(AuditEntry.id)))
        assert staff_last is not None
        assert append_deferred(db.session, now=utcnow() + timedelta(hours=1)) == 2
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == str(signal.id)))
        assert entry.id > staff_last and _aware(entry.created_at) == _aware(waiting[0].hour)
        assert (entry.actor_id, entry.actor_label, entry.origin) == (None, "anoniem", "")
        assert db.session.scalar(select(sa.func.count()).select_from(DeferredAuditEntry)) == 0
        assert verify_chain(db.session) == []


def test_item_06_audit_verify_appends_ended_hours_and_reports_the_waiting_ones(app):
    _code, first = new_anonymous_signal(app)
    _code, second = new_anonymous_signal(app)
    with app.app_context():  # the first melding's entry is from an hour that has ended
        waiting = db.session.scalar(select(DeferredAuditEntry).where(DeferredAuditEntry.object_id == str(first.id)))
        waiting.hour = waiting.hour - timedelta(hours=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact: 1 entries" in result.output
    # still waiting: both draft saves ("Controleer uw melding") and the second filing
    assert "3 anonymous entries of the current hour join the chain after the hour ends" in result.output
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_label == "anoniem")).all()
        assert entry.object_id == str(first.id)
        [left] = db.session.scalars(select(DeferredAuditEntry).where(DeferredAuditEntry.action == "signal.file")).all()
        assert left.object_id == str(second.id)


def test_item_06_beat_appends_deferred_entries_every_hour(app):
    from workers.audit import append_deferred as task

    schedule = app.extensions["celery"].conf.beat_schedule["append-deferred-audit"]
    assert schedule["task"] == task.name == "workers.audit.append_deferred"
    assert schedule["schedule"].minute == {1}  # every hour, just after it ended
    _code, signal = new_anonymous_signal(app)
    with app.app_context():
        waiting = db.session.scalar(select(DeferredAuditEntry).where(DeferredAuditEntry.action == "signal.file"))
        waiting.hour = waiting.hour - timedelta(hours=1)
        db.session.commit()
        assert task.run() == 1
        db.session.remove()
        assert db.session.scalar(select(AuditEntry.object_id).where(AuditEntry.actor_label == "anoniem")) == str(signal.id)


def test_item_06_limiter_log_line_names_no_client(app, caplog):
    client = app.test_client()
    token = token_of(client, "/ontvangstcode")
    address = "198.51.100.77"
    caplog.set_level(logging.INFO, logger="flask-limiter")
    for _ in range(11):
        client.post("/ontvangstcode", data={"code": "ABCD EFGH JKMN PQRS TVWX", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": address})
    lines = [record.getMessage() for record in caplog.records if record.name == "flask-limiter"]
    assert any("anonymous route" in line for line in lines), lines  # the breach is still logged
    assert not any(address in line or "receipt:" in line for line in lines), lines


# ----------------------------------------------------------------------------- item 7


def test_item_07_cookie_carries_only_a_random_handle(app):
    code, signal = new_anonymous_signal(app)
    client = app.test_client()
    assert open_receipt(client, code).status_code == 303
    payload = session_payload(app, client)
    handle = payload["receipt_grant"]
    assert isinstance(handle, str) and len(handle) >= 43  # 256 random bits
    raw = repr(payload)
    for secret in (str(signal.id), signal.id.hex, signal.reference, signal.receipt_digest, code.replace(" ", "")):
        assert secret not in raw
    with app.app_context():
        [grant] = db.session.scalars(select(ReceiptGrant)).all()
        assert grant.id != handle and handle not in repr(grant.__dict__)
        assert grant.id == hashlib.sha256(b"meldpunt:receipt-grant:id:v1\x00" + handle.encode()).hexdigest()
        stored = bytes(grant.digest_ct)
        assert signal.receipt_digest.encode() not in stored and signal.id.bytes not in stored


def test_item_07_copied_cookie_stops_working_after_close(app):
    code, _signal = new_anonymous_signal(app)
    owner = app.test_client()
    assert open_receipt(owner, code).status_code == 303
    page = owner.get("/ontvangstcode/melding").get_data(as_text=True)
    token = csrf_token(page)
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, owner.get_cookie(name).value)
    assert copy.get("/ontvangstcode/melding").status_code == 200  # a copy works while the grant lives

    assert owner.post("/ontvangstcode/sluiten", data={"csrf_token": token}).status_code == 303
    refused = copy.get("/ontvangstcode/melding")
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/ontvangstcode")
    assert copy.post("/ontvangstcode/bericht", data={"csrf_token": token, "body": "nog iets"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(ReceiptGrant)) == 0
        assert db.session.scalar(select(sa.func.count()).select_from(Message)) == 0


def test_item_07_forged_cookie_signed_with_the_secret_key_opens_nothing(app):
    code, signal = new_anonymous_signal(app)
    far = int((utcnow() + timedelta(days=1)).timestamp())
    forgeries = [
        {"receipt_signal": {"signal": str(signal.id), "until": far}},  # the first wave's cookie
        {"receipt_grant": str(signal.id)},
        {"receipt_grant": signal.receipt_digest},
        {"receipt_grant": signal.reference},
        {"receipt_grant": secrets.token_urlsafe(32)},
        {"receipt_grant": {"signal": str(signal.id)}},
    ]
    for payload in forgeries:
        client = with_forged_session(app, payload)
        response = client.get("/ontvangstcode/melding")
        assert response.status_code == 303, payload
        assert "Loods aan de Havenweg" not in client.get("/ontvangstcode").get_data(as_text=True)
    # The real code still works.
    client = app.test_client()
    assert open_receipt(client, code).status_code == 303
    assert "Loods aan de Havenweg" in client.get("/ontvangstcode/melding").get_data(as_text=True)


def test_item_07_grant_expires_when_idle_and_after_its_absolute_lifetime(app):
    from meldpunt.intake.receipts import GRANT_ABSOLUTE, GRANT_IDLE

    code, _signal = new_anonymous_signal(app)
    for column, age in (("last_used_at", GRANT_IDLE), ("created_at", GRANT_ABSOLUTE)):
        client = app.test_client()
        assert open_receipt(client, code).status_code == 303
        assert client.get("/ontvangstcode/melding").status_code == 200
        with app.app_context():
            grant = db.session.scalar(select(ReceiptGrant))
            setattr(grant, column, utcnow() - age - timedelta(seconds=5))
            db.session.commit()
        response = client.get("/ontvangstcode/melding")
        assert response.status_code == 303, column
        with app.app_context():
            assert db.session.scalar(select(sa.func.count()).select_from(ReceiptGrant)) == 0  # deleted


def test_item_07_grant_service_uses_an_injected_clock(app):
    from meldpunt.intake.receipts import GRANT_ABSOLUTE, GRANT_IDLE, open_grant, signal_for_grant

    _code, signal = new_anonymous_signal(app)
    start = utcnow()
    with app.app_context():
        loaded = db.session.get(Signal, signal.id)
        handle = open_grant(db.session, signal=loaded, now=start)
        # used every 20 minutes: alive until the absolute lifetime ends
        moment = start
        while moment + timedelta(minutes=20) - start <= GRANT_ABSOLUTE:
            moment += timedelta(minutes=20)
            assert signal_for_grant(db.session, handle=handle, now=moment).id == signal.id
        assert signal_for_grant(db.session, handle=handle, now=start + GRANT_ABSOLUTE + timedelta(minutes=1)) is None
        handle = open_grant(db.session, signal=loaded, now=start)
        assert signal_for_grant(db.session, handle=handle, now=start + GRANT_IDLE + timedelta(seconds=1)) is None
        db.session.rollback()


def test_item_07_grant_is_rechecked_against_the_signal_on_every_request(app):
    from meldpunt.intake.receipts import issue_receipt_code

    code, signal = new_anonymous_signal(app)
    client = app.test_client()
    assert open_receipt(client, code).status_code == 303
    assert client.get("/ontvangstcode/melding").status_code == 200
    with app.app_context():  # a new code for the signal: the grant opened with the old digest stops working
        issue_receipt_code(db.session, keyring=app.extensions["meldpunt.keyring"], signal=db.session.get(Signal, signal.id))
        db.session.commit()
    assert client.get("/ontvangstcode/melding").status_code == 303


# ----------------------------------------------------------------------------- item 18


def test_item_18_confirmation_link_comes_from_base_url_not_the_host_header(app_factory):
    app = app_factory(app={"base_url": "https://meldpunt.gemeente.example"})
    client = app.test_client()
    token = csrf_token(client.get("/melden/anoniem", headers={"Host": "phish.example"}).get_data(as_text=True))
    phish = {"Host": "phish.example", "X-Forwarded-Host": "phish.example"}
    checked = client.post("/melden/anoniem", data={"csrf_token": token, "description": "Iets gezien"}, headers=phish)
    assert checked.status_code == 303  # to "Controleer uw melding" (issue 22 item 4), which sends it
    check_page = client.get(checked.headers["Location"], headers=phish).get_data(as_text=True)
    response = client.post(checked.headers["Location"], data=send_data(check_page), headers=phish)
    assert response.status_code == 303  # post/redirect/get (issue 22 item 3): the code is on the next page
    response = client.get(response.headers["Location"], headers={"Host": "phish.example", "X-Forwarded-Host": "phish.example"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ">https://meldpunt.gemeente.example/ontvangstcode</a>" in page
    assert "phish.example" not in page
