"""The one PDF renderer: real WeasyPrint rendering, bundled fonts, no resource from outside the app."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from meldpunt.documents.pdf import PdfUnavailable, pdf_available, render_pdf


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def _needs_tools():
    if not pdf_available():
        pytest.fail("WeasyPrint's system libraries (Pango) are missing: `make test` installs them as root")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: `make test` installs it as root")


def test_renders_dutch_text_with_the_bundled_font(tmp_path):
    pdf = render_pdf("<html><body><h1>Agenda casusoverleg</h1><p>Één punt: afsprakenlijst</p></body></html>")
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf, tmp_path)
    assert "Agenda casusoverleg" in text and "Één punt" in text
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False).stdout.decode()
    if not fonts:  # older poppler reads no stdin
        path = tmp_path / "f.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "DejaVu-Sans" in fonts


def test_external_and_local_files_outside_static_are_not_loaded(tmp_path, caplog):
    secret = tmp_path / "secret.css"
    secret.write_text("h1::after { content: 'GEHEIM-CANARY'; }")
    html = (f'<html><head><link rel="stylesheet" href="{secret.as_uri()}">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
            '<body><h1>Kop</h1><img src="https://example.invalid/x.png" alt=""></body></html>')
    text = _text(render_pdf(html), tmp_path)
    assert "Kop" in text and "GEHEIM-CANARY" not in text


def test_missing_weasyprint_gives_a_dutch_message(monkeypatch):
    from meldpunt.documents import pdf

    monkeypatch.setattr(pdf, "_weasyprint", lambda: None)
    with pytest.raises(PdfUnavailable, match="HTML-versie werkt wel"):
        pdf.render_pdf("<p>x</p>")
