"""Denial of service at intake (issue 15 items 12 and 13): zip bombs, anonymous flooding, disk filling."""

from __future__ import annotations

import functools
import io
import shutil
import struct
import tracemalloc
import zlib

import pytest
from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.intake.models import Attachment
from meldpunt.signals.models import Signal
from tests.conftest import REDIS_URL, csrf_token, service_missing
from tests.support.forms import PDF, post_form, send_checked, stored_files

MIB = 1024 * 1024

# ---------------------------------------------------------------------------- item 12: zip bombs

INFLATED = 200 * MIB
ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


@functools.cache
def _deflated(prefix: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data of ``prefix`` followed by spaces up to INFLATED bytes: ``(data, crc32, size)``."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc, size = [], 0, 0
    block = b" " * MIB
    for piece in [prefix, *([block] * (INFLATED // MIB))]:
        crc, size = zlib.crc32(piece, crc), size + len(piece)
        parts.append(compressor.compress(piece))
    parts.append(compressor.flush())
    return b"".join(parts), crc, size


def zip_of(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip archive from ``(name, data, crc32, inflated size, method)`` members (method 8 = deflate, 0 = stored)."""
    out, directory = bytearray(), bytearray()
    for name, data, crc, size, method in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        directory += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0, 0, 0, 0, 0o644 << 16, offset,
        ) + encoded
    start = len(out)
    out += directory
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0)
    return bytes(out)


def stored(name: str, content: bytes) -> tuple[str, bytes, int, int, int]:
    return name, content, zlib.crc32(content), len(content), 0


def office_bomb(kind: str) -> bytes:
    """A real-looking office document whose first member inflates to 200 MiB from about 200 kB."""
    if kind in ODF_MIMETYPES:
        data, crc, size = _deflated(ODF_MIMETYPES[kind])
        return zip_of([("mimetype", data, crc, size, 8), stored("content.xml", b"<office:document-content/>")])
    data, crc, size = _deflated(b"<?xml version='1.0'?><Types>")
    return zip_of([("[Content_Types].xml", data, crc, size, 8), stored(OOXML_MAIN_PART[kind], b"<x/>")])


def _nothing_stored(app) -> None:
    assert stored_files(app.extensions["meldpunt.settings"].uploads.folder) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 0


@pytest.mark.parametrize("kind", ["odt", "ods", "odp", "docx", "xlsx", "pptx"])
def test_item_12_office_zip_bomb_is_refused_without_inflating_it(app, kind):
    bomb = office_bomb(kind)
    assert len(bomb) < 400 * 1024  # a few hundred kB that inflate to 200 MiB
    client = app.test_client()
    client.get("/melden/anoniem")  # warm up (templates compiled) before measuring
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        response = post_form(client, "/melden/anoniem", {"description": "Zie bijlage"}, files=[(bomb, f"stuk.{kind}")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Het bestand „stuk.{kind}” kunnen wij niet aannemen: uitgepakt is het veel groter" in page
    assert "Zie bijlage" in page  # the text is kept
    assert peak - baseline < 20 * MIB, f"peak memory grew by {(peak - baseline) / MIB:.1f} MiB"
    _nothing_stored(app)


def test_item_12_too_many_members_are_refused_before_the_directory_is_parsed(app):
    members = [stored("[Content_Types].xml", b"<Types/>"), stored("word/document.xml", b"<x/>")]
    members += [stored(f"m/{n}", b"") for n in range(6000)]
    archive = zip_of(members)
    response = post_form(app.test_client(), "/melden/anoniem", {"description": "Veel onderdelen"},
                         files=[(archive, "veel.docx")])
    assert response.status_code == 422
    assert "of het bestaat uit te veel onderdelen" in response.get_data(as_text=True)
    _nothing_stored(app)


def test_item_12_ordinary_office_documents_still_pass(app):
    """A realistic document: compressible XML (about 20:1) well within the limits."""
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 10007}</v></c></row>' for n in range(1, 60_000))
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{rows}</sheetData></worksheet>")
    response = post_form(app.test_client(), "/melden/anoniem", {"description": "Lijst"}, files=[(buffer.getvalue(), "lijst.xlsx")])
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert len(stored_files(app.extensions["meldpunt.settings"].uploads.folder)) == 1


# ---------------------------------------------------------------------------- item 13: anonymous filing limits


def _file_anonymously(client, description: str, files=None):
    return post_form(client, "/melden/anoniem", {"description": description}, files=files)


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_item_13_sixth_anonymous_filing_from_one_client_within_the_hour_is_refused(app):
    client = _client_at(app, "198.51.100.23")
    for n in range(5):
        assert _file_anonymously(client, f"Melding nummer {n}").status_code == 200
    refused = _file_anonymously(client, "Zesde melding met veel details")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Uw melding is nog niet verstuurd." in page and "Wacht een uur" in page
    assert "Zesde melding met veel details" in page  # nothing typed is lost
    csrf_token(page)  # the form is there to send again later
    other = _client_at(app, "198.51.100.24")
    assert _file_anonymously(other, "Iemand anders meldt ook").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 6


def test_item_13_ipv6_clients_are_limited_per_64_network(app_factory):
    app = app_factory(security={"anonymous_filing_limit_per_client": "2 per hour"})
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        assert _file_anonymously(_client_at(app, host), "Melding").status_code == 200
    assert _file_anonymously(_client_at(app, "2001:db8:1:2:ffff::3"), "Melding").status_code == 429
    assert _file_anonymously(_client_at(app, "2001:db8:1:3::1"), "Melding").status_code == 200


def test_item_13_typos_do_not_count_but_filings_with_files_do(app_factory):
    app = app_factory(security={"anonymous_filing_limit_per_client": "2 per hour"})
    client = _client_at(app, "198.51.100.30")
    for _ in range(4):  # a form sent back without files (nothing stored) does not count
        assert _file_anonymously(client, "").status_code == 422
    assert _file_anonymously(client, "Met een verkeerd bestand", files=[(b"MZ\x90\x00", "x.pdf")]).status_code == 422
    assert _file_anonymously(client, "Eerste echte melding").status_code == 200
    assert _file_anonymously(client, "Tweede echte melding").status_code == 429


def test_item_13_global_limit_on_anonymous_filing(app_factory):
    app = app_factory(security={"anonymous_filing_limit_per_client": "100 per hour", "anonymous_filing_limit_total": "3 per hour"})
    for n in range(3):
        assert _file_anonymously(_client_at(app, f"192.0.2.{n + 1}"), f"Melding {n}").status_code == 200
    refused = _file_anonymously(_client_at(app, "192.0.2.99"), "Vierde melding van een nieuw adres")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Er komen nu erg veel anonieme meldingen binnen." in page and "Vierde melding van een nieuw adres" in page


def test_item_13_named_filing_and_the_refused_logged_in_choice_do_not_count(app_factory):
    """Only /melden/anoniem files anonymously (a logged-in browser must log out first, item 5), so only it counts."""
    from tests.conftest import login, make_users

    app = app_factory(security={"anonymous_filing_limit_per_client": "1 per hour"})
    users = make_users(app)
    client = _client_at(app, "198.51.100.40")
    login(client, users["melder"].email)
    assert post_form(client, "/melden", {"description": "Met naam", "identity": "naam"}).status_code == 303
    assert post_form(client, "/melden", {"description": "Met naam", "identity": "naam"}).status_code == 303
    assert post_form(client, "/melden", {"description": "Anoniem", "identity": "anoniem"}).status_code == 409
    assert post_form(client, "/melden", {"description": "Weer anoniem", "identity": "anoniem"}).status_code == 409
    assert _file_anonymously(_client_at(app, "198.51.100.40"), "Via de anonieme pagina").status_code == 200
    assert _file_anonymously(_client_at(app, "198.51.100.40"), "Nog een keer").status_code == 429


@pytest.mark.redis
def test_item_13_limiter_keys_in_redis_hold_no_client_address(app_factory):
    import redis

    url = REDIS_URL
    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", url, exc)
    app = app_factory(security={"ratelimit_storage_url": url})
    address = "203.0.113.187"
    assert _file_anonymously(_client_at(app, address), "Melding via Redis-limiter").status_code == 200
    server = redis.Redis.from_url(url)
    keys = [k.decode() for k in server.scan_iter(match="*anonymous-filing*")]
    assert any("anonymous-filing-client" in k for k in keys) and any("anonymous-filing-total" in k for k in keys)
    assert not any(address in k or address.replace(".", "") in k for k in keys)
    for key in keys:
        server.delete(key)


# ---------------------------------------------------------------------------- item 13: quota and disk floor


def test_item_13_daily_quota_refuses_files_keeps_the_text_and_allows_sending_without(app_factory):
    app = app_factory(uploads={"daily_quota_bytes": 3 * 64 * 1024})
    client = _client_at(app, "198.51.100.50")
    assert _file_anonymously(client, "Eerste", files=[(PDF, "a.pdf"), (PDF, "b.pdf")]).status_code == 200
    refused = _file_anonymously(client, "Tweede melding, met twee foto's", files=[(PDF, "c.pdf"), (PDF, "d.pdf")])
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Wij kunnen vandaag geen bijlagen meer aannemen." in page
    assert "U kunt zonder bijlagen versturen" in page
    assert "Tweede melding, met twee foto&#39;s" in page  # the text is kept in the form
    assert "Kies uw bijlagen opnieuw" not in page  # no advice to choose them again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 1
    assert len(stored_files(app.extensions["meldpunt.settings"].uploads.folder)) == 2
    # Sent again from the re-rendered form, without files: accepted.
    token = csrf_token(page)
    assert 'action="/melden/anoniem"' in page  # the form goes back through the check page
    checked = client.post("/melden/anoniem", data={"csrf_token": token, "description": "Tweede melding, met twee foto's"})
    assert checked.status_code == 303
    resent = send_checked(client, checked.headers["Location"], follow=True)
    assert resent.status_code == 200 and "ontvangstcode" in resent.get_data(as_text=True)
    # One more file of 64 kB still fits the quota.
    assert _file_anonymously(client, "Derde", files=[(PDF, "e.pdf")]).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 3
        assert db.session.scalar(select(func.sum(Attachment.size))) == 3 * 64 * 1024


def test_item_13_disk_floor_refuses_files_with_a_clear_message(app_factory, instance_path):
    free = shutil.disk_usage(instance_path).free
    app = app_factory(uploads={"min_free_bytes": free + 1024 * MIB})
    client = _client_at(app, "198.51.100.60")
    refused = _file_anonymously(client, "Melding met bijlage bij een volle schijf", files=[(PDF, "a.pdf")])
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Wij kunnen op dit moment geen bijlagen aannemen." in page
    assert "Melding met bijlage bij een volle schijf" in page
    _nothing_stored(app)
    assert _file_anonymously(client, "Melding met bijlage bij een volle schijf").status_code == 200


def test_item_13_quota_also_guards_added_information(app_factory):
    """Files added later with the receipt code count against the same quota."""
    from tests.support.forms import receipt_code_from

    app = app_factory(uploads={"daily_quota_bytes": 64 * 1024})
    client = _client_at(app, "198.51.100.70")
    code = receipt_code_from(_file_anonymously(client, "Melding", files=[(PDF, "a.pdf")]).get_data(as_text=True))
    token = csrf_token(client.get("/ontvangstcode").get_data(as_text=True))
    assert client.post("/ontvangstcode", data={"code": code, "csrf_token": token}).status_code == 303
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    refused = client.post("/ontvangstcode/bericht", data={
        "csrf_token": csrf_token(page), "body": "Nog een foto erbij",
        "attachments": [(io.BytesIO(PDF), "b.pdf")],
    }, content_type="multipart/form-data")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Wij kunnen vandaag geen bijlagen meer aannemen." in text and "Nog een foto erbij" in text
    assert "Kies uw bestanden opnieuw" not in text
    assert len(stored_files(app.extensions["meldpunt.settings"].uploads.folder)) == 1
