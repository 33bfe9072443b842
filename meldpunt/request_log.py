"""Request logs that keep no trace of anonymous reporters.

A web server's access log writes one line per request with the client address, the time and
often the browser (user agent). For the anonymous reporter's routes (``/melden/anoniem`` and
``/ontvangstcode…``) such a line would tie an address and an exact moment to an anonymous
melding. ``install_request_log_filters`` adds logging filters, in every process that builds
the app, that drop those lines, and the lines of static files (every page, the anonymous ones
too, loads them right after the page), from:

- werkzeug's request log (``flask run``, ``make run``),
- gunicorn's access log (``gunicorn.access``, when ``--access-logfile`` switches it on),

and strip the client key from Flask-Limiter's "ratelimit exceeded" line on those routes (the
key is a keyed hash of the address). A reverse proxy in front of the app logs in its own
process: the production docs say what it must not log.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from flask import has_request_context, request

#: Path prefixes of the anonymous reporter's routes (the routes in ``intake.views.ANONYMOUS_ENDPOINTS``).
ANONYMOUS_PATHS = ("/melden/anoniem", "/ontvangstcode")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: An anonymous path anywhere in a line (request line, or a full URL such as a Referer), also with doubled slashes.
_MENTION = re.compile(r"/+melden/+anoniem(?![\w-])|/+ontvangstcode(?![\w-])")
#: A request for a static file (style sheet, script, icon): every page loads them, the anonymous ones too,
#: so their lines would give the address and moment of an anonymous page view all the same.
_STATIC_REQUEST = re.compile(r'(?:^|[\s"])/+static/')

ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
LIMITER_LOGGER = "flask-limiter"


def is_anonymous_path(path: str) -> bool:
    """True for ``/melden/anoniem``, ``/ontvangstcode`` and everything below them."""
    return bool(_MENTION.match(unquote(path or "")))


def mentions_anonymous_path(text: str) -> bool:
    """True when a log line names an anonymous route (percent-encoded or colour-coded too)."""
    return bool(_MENTION.search(_ANSI.sub("", unquote(text))))


def is_static_request(text: str) -> bool:
    return bool(_STATIC_REQUEST.search(_ANSI.sub("", unquote(text))))


class AnonymousAccessFilter(logging.Filter):
    """Drops access-log lines of the anonymous routes and of static files (address, time and user agent all go)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a line we cannot format: judge its raw parts
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            text = " ".join(str(part) for part in (record.msg, *args))
        return not (mentions_anonymous_path(text) or is_static_request(text))


class AnonymousLimiterFilter(logging.Filter):
    """Keeps Flask-Limiter's breach line on anonymous routes, without the client key in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and is_anonymous_path(request.path):
            record.msg = "ratelimit exceeded on an anonymous route (%s); the client is not logged"
            record.args = (request.endpoint or "",)
        return True


def _add_once(logger_name: str, kind: type[logging.Filter]) -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, kind) for existing in logger.filters):
        logger.addFilter(kind())


def install_request_log_filters() -> None:
    """Install the filters on the (process-wide) loggers; safe to call for every app that is built."""
    for name in ACCESS_LOGGERS:
        _add_once(name, AnonymousAccessFilter)
    _add_once(LIMITER_LOGGER, AnonymousLimiterFilter)
