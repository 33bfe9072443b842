"""Issue 20, registration by the handler: a phone tip and an .eml e-mail through HTTP, both in the queue
with their channel, the first history entry naming the channel, and no plaintext at rest (canary over
the database and the upload folder)."""

from __future__ import annotations

import re
import subprocess  # nosec B404 - runs pg_dump against the test database
import uuid
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from meldpunt.audit.models import AuditEntry
from meldpunt.channels.models import SignalSource
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import make_users
from tests.support.logins import login_full
from tests.support.forms import post_form
from tests.integration.intake.test_canary import PG_DUMP, find_traces


def eml_with_attachment(marker: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Tipgever {marker}-afzender <tip@example.org>"
    message["To"] = "meldpunt@gemeente.example"
    message["Subject"] = f"Loods {marker}-onderwerp"
    message["Date"] = "Mon, 30 Nov 2026 10:15:00 +0100"
    message.set_content(f"Er gebeurt iets vreemds: {marker}-inhoud.\nGroet.")
    message.add_attachment(f"Foto-notitie {marker}-bijlage".encode(), maintype="text", subtype="plain",
                           filename=f"{marker}-bestand.txt")
    return message.as_bytes()


def _references(page: str) -> list[str]:
    return re.findall(r'<a href="/behandelen/meldingen/[^"]+">(M[OI]-\d{4}-\d{4})</a>', page)


def _register(client, data: dict, files=None, field="original"):
    return post_form(client, "/behandelen/registreren", data, files=files, field=field)


def test_registration_phone_tip_and_eml_appear_in_the_queue_with_their_channel_and_leave_no_plaintext(app_any_db):
    app = app_any_db
    users = make_users(app)
    marker = "CANARY" + uuid.uuid4().hex
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/behandelen/registreren").get_data(as_text=True)
    assert "Melding registreren" in page and "Meld Misdaad Anoniem" not in page.split('id="channel"')[1].split("</select>")[0]

    phone = _register(client, {"channel": "telefoon", "received_on": "2026-11-30", "organisation": "geen",
                               "contact_person": f"{marker}-beller", "feedback": "telefoon",
                               "feedback_contact": f"{marker}-nummer", "description": f"Beller zag {marker}-telefoon"})
    assert phone.status_code == 302, phone.get_data(as_text=True)[:3000]
    mail = _register(client, {"channel": "email", "received_on": "2026-11-30", "organisation": "politie",
                              "organisation_name": f"{marker}-korps", "feedback": "geen", "description": ""},
                     files=[(eml_with_attachment(marker), "tip.eml")])
    assert mail.status_code == 302, mail.get_data(as_text=True)[:3000]

    queue = client.get("/behandelen/?tab=nieuw").get_data(as_text=True)
    with app.app_context():
        signals = {s.channel: s for s in db.session.scalars(select(Signal))}
        assert set(signals) == {"telefoon", "email"}
        phone_signal, mail_signal = signals["telefoon"], signals["email"]
        assert phone_signal.received_on == date(2026, 11, 30) and not phone_signal.wants_feedback
        assert len(mail_signal.attachments) == 2  # the e-mail itself and its attachment
        assert db.session.get(SignalSource, mail_signal.id).organisation == "politie"
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "signal.register")).all()
        assert {e.actor_label for e in entries} == {users["regisseur"].email} and len(entries) == 2
        references = {phone_signal.reference: "Telefoon", mail_signal.reference: "E-mail"}
        ids = {phone_signal.reference: phone_signal.id, mail_signal.reference: mail_signal.id}
    assert set(_references(queue)) == set(references)
    for reference, channel in references.items():
        row = queue.split(f">{reference}</a>")[1].split("</tr>")[0]
        assert channel in row

    detail = client.get(f"/behandelen/meldingen/{ids[next(iter(references))]}").get_data(as_text=True)
    assert "Binnengekomen via: Telefoon, op 30-11-2026." in detail  # the first history entry names the channel
    assert f"{marker}-beller" in detail and f"{marker}-nummer" in detail
    mail_page = client.get(f"/behandelen/meldingen/{ids[list(references)[1]]}").get_data(as_text=True)
    assert f"Er gebeurt iets vreemds: {marker}-inhoud." in mail_page
    assert f"Onderwerp: Loods {marker}-onderwerp" in mail_page and f"{marker}-bestand.txt" in mail_page

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    blobs: dict[str, bytes] = {}
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(f"{url.database}{suffix}")
            if path.exists():
                blobs[str(path)] = path.read_bytes()
    else:
        dump = subprocess.run(  # nosec B603 - fixed executable, URL of the test database
            [PG_DUMP, "--no-owner", "-d", url.set(drivername="postgresql").render_as_string(hide_password=False)],
            capture_output=True, check=True, timeout=120,
        )
        blobs["pg_dump"] = dump.stdout
    folder = app.extensions["meldpunt.settings"].uploads.folder
    files = {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert len(files) == 2
    blobs.update(files)
    assert find_traces({"plaintext": eml_with_attachment(marker)}, {"m": marker.encode()})  # the search works
    assert find_traces(blobs, {"marker": marker.encode()}) == []


def test_registration_refuses_bad_input_in_dutch_and_keeps_what_was_typed(app):
    users = make_users(app)
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    future = _register(client, {"channel": "brief", "received_on": "2999-01-01", "description": "Brief van een inwoner"})
    assert future.status_code == 422
    body = future.get_data(as_text=True)
    assert "Deze datum ligt in de toekomst." in body and "Brief van een inwoner" in body
    empty = _register(client, {"channel": "brief", "received_on": "2026-11-30", "description": ""})
    assert empty.status_code == 422
    assert "Beschrijf wat er gemeld is, of voeg de e-mail (.eml) toe." in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Signal.id)) is None


def test_registration_is_for_handlers_and_the_integrity_coordinator_registers_on_their_track(app):
    users = make_users(app)
    melder = app.test_client()
    login_full(melder, users["melder"].email)
    assert melder.get("/behandelen/registreren").status_code in (403, 404)
    integrity = app.test_client()
    login_full(integrity, users["integriteit"].email)
    response = _register(integrity, {"channel": "mondeling", "received_on": "2026-11-30",
                                     "description": "Collega vertelde in een gesprek"})
    assert response.status_code == 302
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert (signal.track, signal.ref_series, signal.channel) == ("integriteit", "MI", "mondeling")
