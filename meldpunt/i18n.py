"""Languages (issue 22 item 9): Dutch by default, English complete.

The language of a request is, in this order: the choice made with the switch in the footer (a
cookie), the browser's Accept-Language, Dutch. A logged-in user's choice is also kept on the account
(``User.language``) so that e-mails to them are in that language.

Catalogs live in ``meldpunt/translations/<lang>/LC_MESSAGES/messages.po``; the compiled ``.mo`` files
are built from them when the app starts (they are not committed). ``python -m meldpunt.i18n_check``
says when a catalog is stale or a string is untranslated (``make check``). See docs/i18n.md.

Importing this module loads no web framework: models mark their Dutch labels with ``N_``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

#: The languages, the default first.
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
#: The cookie the footer switch sets (a year; only the language, nothing that identifies anyone).
COOKIE = "meldpunt_taal"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: How the switch names each language, in that language itself.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a label for the catalog without translating it now (translate where it is shown)."""
    return text


def compile_catalogs(directory: Path = TRANSLATIONS, target: Path | None = None) -> Path:
    """Compile each ``<lang>/LC_MESSAGES/messages.po`` under ``directory`` to a ``messages.mo`` under
    ``target`` (default: next to it) when the ``.mo`` is missing or older. Returns the folder to load from.

    Written to a temporary file and renamed: several processes starting at once never read half a file.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = target or directory
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target / po_path.relative_to(directory).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(tmp, mo_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return target


def select_locale() -> str:
    """The switch's cookie, else the browser's best match, else Dutch."""
    from flask import has_request_context, request

    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the page being made (``nl`` or ``en``)."""
    from flask_babel import get_locale

    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def translate_label(text: object) -> str:
    """The ``|translate`` filter: a label that comes from Python or the database (marked with ``N_`` where
    it is defined), translated as plain text. Unlike Jinja's ``_()`` it is escaped like any value and is
    not %-formatted, so a stored label with ``<`` or ``%`` shows as typed. Untranslated: as it is."""
    from flask_babel import gettext

    value = "" if text is None else str(text)
    return gettext(value) if value else value


def translator() -> Callable[[str], str]:
    """The current language's plain ``gettext``, looked up once: for many labels in a loop (the taxonomy
    on every form). flask_babel's ``gettext`` finds the locale and catalog again on every call, which
    cost a filing several milliseconds. Like ``translate_label`` it does no %-formatting."""
    from flask_babel import get_translations

    return get_translations().gettext


#: Short dates on staff pages: Dutch exactly as before (``15-12-2026 om 09:30``), English spelled out.
SHORT_FORMATS = {
    "nl": {"date": "dd-MM-yyyy", "datetime": "dd-MM-yyyy HH:mm", "at": "dd-MM-yyyy 'om' HH:mm"},
    "en": {"date": "d MMM yyyy", "datetime": "d MMM yyyy, HH:mm", "at": "d MMM yyyy 'at' HH:mm"},
}
LOCAL_ZONE = "Europe/Amsterdam"


def short_date(value: object, style: str = "date") -> str:
    """A date or moment in the page's language (filters ``short_date``, ``short_datetime``,
    ``short_datetime_at``). A moment is shown in Dutch time (a naive one is UTC); outside a request: Dutch."""
    import datetime as _dt
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_datetime

    if value is None or value == "":
        return ""
    language = current_language() if _has_app() else DEFAULT_LANGUAGE
    pattern = SHORT_FORMATS[language][style]
    if isinstance(value, _dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)
        return format_datetime(moment.astimezone(ZoneInfo(LOCAL_ZONE)), pattern, locale=language)
    if isinstance(value, _dt.date):
        return format_date(value, pattern, locale=language)
    return str(value)


def _has_app() -> bool:
    from flask import has_app_context

    return has_app_context()


def init_app(app: Flask) -> None:
    """Babel with the locale selector, the compiled catalogs, the footer switch and template helpers."""
    from meldpunt.extensions import babel

    try:
        folder = compile_catalogs()
    except OSError:  # an installed, read-only package: compile into the instance folder instead
        folder = compile_catalogs(target=Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(folder)
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Amsterdam")

    # Imported by name, like the other blueprints (meldpunt.web): models import this module for ``N_``,
    # and must not reach the views through it (import contracts in pyproject.toml).
    from importlib import import_module

    app.register_blueprint(import_module("meldpunt.i18n_views").bp)

    app.add_template_filter(translate_label, "translate")
    app.add_template_filter(short_date, "short_date")
    app.add_template_filter(lambda value: short_date(value, "datetime"), "short_datetime")
    app.add_template_filter(lambda value: short_date(value, "at"), "short_datetime_at")

    @app.context_processor
    def _language_globals():
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES}
