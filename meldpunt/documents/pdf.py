"""HTML → PDF with WeasyPrint: bundled fonts, no network, one clear error when the system lacks Pango.

Every PDF the app makes (agenda packs, reports) goes through ``render_pdf``. Resources are resolved
only from the app's own static folder: a URL outside it (``http:``, ``https:``, ``file:`` elsewhere)
is refused, so rendering never reaches the network or the rest of the disk.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
FONTS = STATIC / "fonts"

#: Fonts for every PDF; templates use ``font-family: "Meldpunt Sans"``.
FONT_CSS = f"""
@font-face {{ font-family: "Meldpunt Sans"; font-weight: normal; src: url("{(FONTS / 'DejaVuSans.ttf').as_uri()}"); }}
@font-face {{ font-family: "Meldpunt Sans"; font-weight: bold; src: url("{(FONTS / 'DejaVuSans-Bold.ttf').as_uri()}"); }}
html {{ font-family: "Meldpunt Sans", sans-serif; }}
"""

UNAVAILABLE_MESSAGE = (
    "PDF maken kan op deze server niet: de systeembibliotheken van WeasyPrint (Pango) ontbreken. "
    "De HTML-versie werkt wel. Beheerder: installeer het Debian-pakket libpango-1.0-0 (en libpangoft2-1.0-0)."
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries are missing; the message is Dutch and safe to show."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)


@lru_cache(maxsize=1)
def _weasyprint():
    try:
        import weasyprint  # imported lazily: loading Pango is slow and may fail
    except (ImportError, OSError):
        return None
    return weasyprint


def pdf_available() -> bool:
    return _weasyprint() is not None


def _local_fetcher():
    """A WeasyPrint URL fetcher that serves only files under the app's static folder."""
    weasyprint = _weasyprint()

    class LocalOnlyFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://"):].split("?")[0]).resolve()
                if path.is_relative_to(STATIC) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError("external resources are not loaded in PDF documents")

    return LocalOnlyFetcher(allowed_protocols=("file",), allow_redirects=False)


def render_pdf(html: str, *, extra_css: str = "") -> bytes:
    """Render ``html`` (a full document) to PDF bytes; raises ``PdfUnavailable`` without WeasyPrint/Pango."""
    weasyprint = _weasyprint()
    if weasyprint is None:
        raise PdfUnavailable()
    fetcher = _local_fetcher()
    stylesheets = [weasyprint.CSS(string=FONT_CSS + extra_css, url_fetcher=fetcher)]
    document = weasyprint.HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets)
