"""Helpers for the intake tests: filing through the test client, sample files by content."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def office_zip(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "odt":
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


#: The anonymous forms (their filing answers 303 to the page that shows the receipt code once).
ANONYMOUS_FILING_FORMS = ("/melden/anoniem", "/melden/anoniem/openbaar")
FILING_FORMS = ("/melden", *ANONYMOUS_FILING_FORMS)


def post_form(client, path: str, data: dict, files: list[tuple[bytes, str]] | None = None, field: str = "attachments"):
    """GET the page for its CSRF token, then POST ``data`` (and files) as multipart.

    A filing form never files by itself (issue 22 item 4): a valid POST answers 303 to "Controleer uw
    melding", and that page's "Melding versturen" sends it. For the filing forms this goes form → check
    page → send, and answers what the send answers; a form that is refused (422, 429) answers that.
    An anonymous filing answers 303 to the page that shows the receipt code once (issue 22 item 3):
    that redirect is followed, so the answer is the page with the code. The form is asked for as
    "Nog een melding doen" (``?nieuw=1``), so a client that filed before gets a fresh form, not "al verstuurd".
    """
    page = client.get(path + "?nieuw=1", follow_redirects=True) if path in FILING_FORMS else client.get(path)
    payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
    if files:
        payload[field] = [(io.BytesIO(content), name) for content, name in files]
    response = client.post(path, data=payload, content_type="multipart/form-data")
    if path not in FILING_FORMS or response.status_code != 303:
        return response
    return send_checked(client, response.headers["Location"], follow=path in ANONYMOUS_FILING_FORMS)


def send_checked(client, check_url: str, *, follow: bool = False):
    """Open "Controleer uw melding" and press "Melding versturen" (with the page's CSRF token and key)."""
    assert check_url.rstrip("/").endswith("/controleren"), check_url
    page = client.get(check_url)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return client.post(check_url, data=send_data(page.get_data(as_text=True)), follow_redirects=follow)


def send_data(check_page: str) -> dict:
    """The fields of the check page's send form: its CSRF token and the form's idempotency key."""
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', check_page)
    return {"csrf_token": csrf_token(check_page), "idempotency_key": key.group(1) if key else ""}


def receipt_code_from(page: str) -> str:
    match = re.search(r'<p class="receipt-code" id="ontvangstcode"><code>([0-9A-Z ]+)</code>', page)
    assert match, "no receipt code on the page"
    return match.group(1)


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]
