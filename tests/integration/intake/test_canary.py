"""Encryption canary: a marker typed into every confidential field leaves no trace at rest.

A signal is filed through the test client whose description, subject name, KvK
number, attachment (content and file name) and a follow-up message carry a unique
marker. Afterwards the raw SQLite file (with -wal/-shm) or a pg_dump of the
PostgreSQL database, the upload folder and the temp folder must not contain it in
UTF-8, UTF-16-LE/BE or base64 (at all three alignments) form.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess  # nosec B404 - runs pg_dump against the test database
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token
from tests.support.forms import post_form, receipt_code_from

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"


def forms_of(marker: bytes) -> dict[str, bytes]:
    """Every encoding of ``marker`` we look for."""
    text = marker.decode("ascii")
    found = {
        "utf-8": marker,
        "utf-8 lower": marker.lower(),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
    }
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + marker)
        start = -(-8 * offset // 6)  # first character made only of marker bits
        end = 8 * (offset + len(marker)) // 6  # last such character, exclusive
        found[f"base64+{offset}"] = encoded[start:end]
        found[f"base64url+{offset}"] = base64.urlsafe_b64encode(b"\x00" * offset + marker)[start:end]
    return found


def valid_unique_kvk() -> str:
    """An 8-digit KvK number unique to this run (no leading zero, so it keeps its 8 digits everywhere)."""
    return str(10_000_000 + secrets.randbelow(90_000_000))


def find_traces(blobs: dict[str, bytes], markers: dict[str, bytes]) -> list[str]:
    hits = []
    for where, blob in blobs.items():
        for name, marker in markers.items():
            for form, needle in forms_of(marker).items():
                if needle and needle in blob:
                    hits.append(f"{name} as {form} in {where}")
    return hits


def test_forms_of_finds_base64_at_every_alignment():
    marker = b"CANARY" + uuid.uuid4().hex.encode()
    for offset in range(3):
        blob = b"junk" + base64.b64encode(os.urandom(offset) + marker + os.urandom(2)) + b"junk"
        assert find_traces({"blob": blob}, {"m": marker}), offset


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_no_trace_of_confidential_input_at_rest(app_any_db, tmp_path, monkeypatch):
    app = app_any_db
    spool = tmp_path / "tmp-for-request"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    monkeypatch.setattr(tempfile, "tempdir", str(spool))

    marker = "CANARY" + uuid.uuid4().hex
    kvk = valid_unique_kvk()
    markers = {
        "description": f"{marker}-omschrijving".encode(),
        "subject": f"{marker}-naam".encode(),
        "kvk": kvk.encode(),
        "attachment": f"{marker}-bijlage".encode(),
        "file name": f"{marker}-bestand".encode(),
        "message": f"{marker}-bericht".encode(),
    }
    # > 500 kB, so werkzeug's default would have spooled it to a temp file
    attachment = (f"Notitie {markers['attachment'].decode()}\n" * 20_000).encode()
    client = app.test_client()
    response = post_form(
        client, "/melden/anoniem",
        {
            "description": f"Gezien: {markers['description'].decode()}",
            "subjects-0-name": markers["subject"].decode(),
            "subjects-0-kvk": f"{kvk[:4]} {kvk[4:]}",
            "location": f"{marker}-plek",
        },
        files=[(attachment, f"{markers['file name'].decode()}.txt")],
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    code = receipt_code_from(response.get_data(as_text=True))
    token = csrf_token(client.get("/ontvangstcode").get_data(as_text=True))
    assert client.post("/ontvangstcode", data={"code": code, "csrf_token": token}).status_code == 303
    reply = client.post("/ontvangstcode/bericht", data={"body": markers["message"].decode(), "csrf_token": token})
    assert reply.status_code == 303
    markers["location"] = f"{marker}-plek".encode()
    markers["receipt code"] = code.replace(" ", "").encode()

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert signal is not None and len(signal.attachments) == 1 and len(signal.subjects) == 1
        db.session.remove()
        db.engine.dispose()

    blobs: dict[str, bytes] = {}
    if url.get_backend_name() == "sqlite":
        database = Path(url.database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(f"{database}{suffix}")
            if path.exists():
                blobs[str(path)] = path.read_bytes()
        assert str(database) in blobs
    else:
        dump = subprocess.run(  # nosec B603 - fixed executable, URL of the test database
            [PG_DUMP, "--no-owner", "-d", url.set(drivername="postgresql").render_as_string(hide_password=False)],
            capture_output=True, check=True, timeout=120,
        )
        blobs["pg_dump"] = dump.stdout
        assert b"COPY public.signals" in dump.stdout
    uploads = _files(app.extensions["meldpunt.settings"].uploads.folder)
    assert len(uploads) == 1
    blobs.update(uploads)
    blobs.update(_files(spool))

    # the search itself works: the plaintext attachment would be caught
    assert find_traces({"plaintext": attachment}, {"attachment": markers["attachment"]})
    assert find_traces(blobs, markers) == []
