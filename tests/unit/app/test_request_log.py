"""Issue 15 item 6: the access-log filter recognises every way an anonymous route shows up in a log line."""

from __future__ import annotations

import logging

import pytest

from meldpunt.request_log import AnonymousAccessFilter, is_anonymous_path, mentions_anonymous_path


def _record(msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args or None, None)


@pytest.mark.parametrize("line", [
    '127.0.0.2 - - [01/Dec/2026 10:00:00] "POST /melden/anoniem HTTP/1.1" 200 -',
    '127.0.0.2 - - [01/Dec/2026 10:00:00] "\x1b[32mGET /ontvangstcode/melding HTTP/1.1\x1b[0m" 303 -',
    '127.0.0.2 - - [01/Dec/2026:10:00:00 +0000] "GET //ontvangstcode?x=1 HTTP/1.1" 200 5 "-" "UA"',
    '127.0.0.2 - - "GET /melden%2Fanoniem HTTP/1.1" 404 -',
    '127.0.0.2 - - "GET /static/css/meldpunt.css HTTP/1.1" 304 -',
    '127.0.0.2 - - "GET /favicon.ico HTTP/1.1" 404 5 "https://meldpunt.example.nl/ontvangstcode/melding" "UA"',
])
def test_item_06_access_lines_of_anonymous_routes_and_static_files_are_dropped(line):
    assert AnonymousAccessFilter().filter(_record(line)) is False
    assert AnonymousAccessFilter().filter(_record('%s - - "%s" %s', "127.0.0.2", line, "200")) is False


@pytest.mark.parametrize("line", [
    '127.0.0.1 - - [01/Dec/2026 10:00:00] "GET /inloggen HTTP/1.1" 200 -',
    '127.0.0.1 - - [01/Dec/2026 10:00:00] "POST /melden HTTP/1.1" 302 -',
    '127.0.0.1 - - [01/Dec/2026 10:00:00] "GET /behandelen/meldingen HTTP/1.1" 200 -',
])
def test_item_06_other_access_lines_stay(line):
    assert AnonymousAccessFilter().filter(_record(line)) is True


def test_item_06_anonymous_paths():
    for path in ("/melden/anoniem", "/ontvangstcode", "/ontvangstcode/melding", "/ontvangstcode/sluiten",
                 "/melden//anoniem"):
        assert is_anonymous_path(path), path
    for path in ("/melden", "/mijn-meldingen", "/inloggen", "/ontvangstcodes"):
        assert not is_anonymous_path(path), path
    assert mentions_anonymous_path("Referer: https://x/melden/anoniem") and not mentions_anonymous_path("/melden/")
