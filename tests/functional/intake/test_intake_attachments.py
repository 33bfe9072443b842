"""Attachments through the form: refused files leave nothing behind; accepted ones are stored encrypted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meldpunt.crypto import padded_size
from meldpunt.extensions import db
from meldpunt.intake.attachments import open_attachment
from meldpunt.intake.models import Attachment
from meldpunt.signals.models import Signal
from tests.support.forms import EXE, PDF, office_zip, post_form, stored_files

LIMIT = 64 * 1024


@pytest.fixture
def small_app(app_factory):
    return app_factory(uploads={"max_bytes": LIMIT, "max_files": 3})


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([(b"%PDF-1.4\n" + b"x" * LIMIT, "groot.pdf")], "is te groot. Een bijlage mag hoogstens 64 kB zijn."),
        ([(b"", "leeg.pdf")], "is leeg."),
        ([(EXE, "factuur.pdf")], "heeft een soort die wij niet aannemen"),
        ([(PDF, "../../etc/passwd.pdf")], "kunnen wij niet aannemen"),
        ([(PDF, "..\\..\\boot.pdf")], "kunnen wij niet aannemen"),
        ([(PDF, "rapport.png")], "past niet bij de naam"),
        ([(b"hallo\x00wereld", "notitie.txt")], "heeft een soort die wij niet aannemen"),
        ([(b"caf\xe9 latin-1", "notitie.txt")], "heeft een soort die wij niet aannemen"),
        ([(PDF, "a.pdf"), (PDF, "b.pdf"), (PDF, "c.pdf"), (PDF, "d.pdf")], "hoogstens 3 bijlagen"),
        ([(PDF, "goed.pdf"), (EXE, "slecht.pdf")], "heeft een soort die wij niet aannemen"),
    ],
    ids=["oversized", "empty", "exe-as-pdf", "traversal", "backslash-traversal", "mismatch", "nul-text",
         "not-utf8", "too-many", "good-then-bad"],
)
def test_refused_files_store_nothing(small_app, files, message):
    client = small_app.test_client()
    response = post_form(client, "/melden/anoniem", {"description": "Met bijlage"}, files=files)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Kies uw bijlagen opnieuw" in page
    folder = small_app.extensions["meldpunt.settings"].uploads.folder
    assert stored_files(folder) == []
    with small_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 0


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (PDF, "brief.pdf", "application/pdf"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "foto.JPG", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 16, "plaatje.gif", "image/gif"),
        ("Notitie met é en ü\n".encode() * 100, "notitie.txt", "text/plain; charset=utf-8"),
        (b"From: a@example.org\r\nSubject: test\r\n\r\nHallo\r\n", "mail.eml", "message/rfc822"),
        (office_zip("docx"), "verslag.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (office_zip("xlsx"), "lijst.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (office_zip("odt"), "tekst.odt", "application/vnd.oasis.opendocument.text"),
        (PDF, "zonder-extensie", "application/pdf"),
    ],
)
def test_accepted_files_round_trip(small_app, content, name, mime):
    client = small_app.test_client()
    response = post_form(client, "/melden/anoniem", {"description": "Met bijlage"}, files=[(content, name)])
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    folder = small_app.extensions["meldpunt.settings"].uploads.folder
    (path,) = stored_files(folder)
    raw = path.read_bytes()
    assert content[:16] not in raw and len(path.name) == 32
    with small_app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert path.name == attachment.storage_name and attachment.size == padded_size(len(content)) == 64 * 1024
        assert name.encode() not in (attachment.filename_ct or b"")
        filename, found_mime, chunks = open_attachment(
            db.session, keyring=small_app.extensions["meldpunt.keyring"], attachment=attachment
        )
        assert (filename, found_mime, b"".join(chunks)) == (name, mime, content)


def test_big_upload_is_never_spooled_to_the_temp_folder(app):
    """Werkzeug spools file parts above 500 kB to a (nameless, O_TMPFILE) temp file; ours stay in memory."""
    import io

    content = b"%PDF-1.7\n" + b"A" * (2 * 1024 * 1024)
    streams: list[type] = []

    @app.before_request
    def _look():  # parse the form first and see where each file part went
        from flask import request

        streams.extend(type(f.stream) for f in request.files.getlist("attachments"))

    response = post_form(app.test_client(), "/melden/anoniem", {"description": "Groot bestand"}, files=[(content, "groot.pdf")])
    assert response.status_code == 200
    assert streams == [io.BytesIO]
