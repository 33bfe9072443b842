"""A canary typed into every field of every form never appears in the application log, the audit
trail or an error page (it may be echoed back inside the form it was typed in: nothing typed is lost).

Forms are discovered by walking the pages each role can reach, so new forms are covered automatically.
"""

from __future__ import annotations

import logging
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import text

from meldpunt.auth.models import Role
from meldpunt.extensions import db
from tests.conftest import make_users
from tests.support.logins import login_full

#: Forms that only carry a CSRF token and a button, or end the session: nothing to type into.
SKIP_ACTIONS = ("/uitloggen",)
MAX_PAGES_PER_ROLE = 60


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}, "enctype": a.get("enctype") or ""}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", tag)
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "file":
                self._form["fields"][a["name"]] = ("file", None)
            else:
                self._form["fields"].setdefault(a["name"], (kind, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _parse(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


def _without_echo(page: str) -> str:
    """The page minus what re-renders the user's own input: value attributes and textarea bodies."""
    page = re.sub(r'value="[^"]*"', 'value=""', page)
    return re.sub(r"(<textarea[^>]*>).*?(</textarea>)", r"\1\2", page, flags=re.S)


def _crawl(client, start: list[str]) -> dict[str, tuple[str, dict]]:
    """Pages reachable by links from ``start``: {form key: (page url, form)}."""
    seen, queue, forms = set(), list(start), {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or path.startswith("/static") or path.startswith("/uitloggen"):
            continue
        seen.add(path)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parsed = _parse(response.get_data(as_text=True))
        for link in parsed.links:
            target = urljoin(url, link)
            if urlsplit(target).netloc in ("", "localhost") and not urlsplit(target).path.startswith("/inloggen/oidc"):
                queue.append(urlsplit(target).path + (("?" + urlsplit(target).query) if urlsplit(target).query else ""))
        for form in parsed.forms:
            action = urljoin(url, form["action"] or url)
            key = f"{form['method']} {urlsplit(action).path} {sorted(form['fields'])}"
            forms.setdefault(key, (url, form))
    return forms


def _submit(client, url: str, form: dict, canary: str):
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    data = {}
    for name, (kind, _value) in form["fields"].items():
        if name == "csrf_token":
            data[name] = token.group(1) if token else ""
        elif kind == "file":
            continue
        else:
            data[name] = canary
    action = urljoin(url, form["action"] or url)
    if form["method"] == "post":
        return client.post(action, data=data)
    return client.get(action, query_string=data)


def test_a_500_logs_neither_form_fields_nor_sql_values(app_factory, caplog):
    """A database error while saving what someone typed: the log has the error, not the typed value."""
    from flask import request

    from meldpunt.taxonomy.models import TaxonomyTerm

    app = app_factory()
    app.config["TESTING"] = False  # let the 500 handler answer instead of raising into the test
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode():
        db.session.add(TaxonomyTerm(kind=request.form["kind"], code="x", label=request.form["label"]))
        db.session.flush()  # CHECK (kind IN ...) fails: IntegrityError with the statement's values
        return "unreachable"

    app.add_url_rule("/test-500", "test_500", explode, methods=["POST"])
    app.extensions["csrf"].exempt(explode)
    canary = f"kanarie{uuid.uuid4().hex[:10]}"
    caplog.set_level(logging.DEBUG)
    response = app.test_client().post("/test-500", data={"kind": canary, "label": canary})
    assert response.status_code == 500
    assert canary not in response.get_data(as_text=True)
    assert "IntegrityError" in caplog.text  # the error itself is logged
    assert canary not in caplog.text


def test_canary_never_reaches_logs_audit_or_error_pages(app, caplog, tmp_path):
    users = make_users(app)
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.DEBUG)
    used: list[str] = []
    submitted = 0
    problems = []
    try:
        anonymous = app.test_client()
        clients = [("anoniem", anonymous, ["/", "/inloggen", "/melden", "/melden/anoniem", "/ontvangstcode"])]
        for role in (Role.MELDER, Role.REGISSEUR, Role.INTEGRITEIT, Role.BEHEERDER, Role.VOORZITTER,
                     Role.DEELNEMER, Role.MANAGEMENT):
            client = app.test_client()
            login_full(client, users[role.value].email)
            clients.append((role.value, client, ["/", "/account", "/melden", "/mijn-meldingen"]))
        # Login forms with the canary as e-mail and password.
        for _label, client, start in clients[:1]:
            for key, (url, form) in _crawl(client, start).items():
                canary = f"kanarie{uuid.uuid4().hex[:10]}"
                used.append(canary)
                response = _submit(client, url, form, canary)
                submitted += 1
                if response.status_code >= 400 and canary in _without_echo(response.get_data(as_text=True)):
                    problems.append(f"anoniem {key}: canary on the {response.status_code} page")
        for label, client, start in clients[1:]:
            forms = _crawl(client, start)
            for key, (url, form) in forms.items():
                if any(urlsplit(urljoin(url, form["action"] or url)).path.startswith(s) for s in SKIP_ACTIONS):
                    continue
                if not [n for n in form["fields"] if n != "csrf_token"]:
                    continue
                canary = f"kanarie{uuid.uuid4().hex[:10]}"
                used.append(canary)
                response = _submit(client, url, form, canary)
                submitted += 1
                if response.status_code >= 400 and canary in _without_echo(response.get_data(as_text=True)):
                    problems.append(f"{label} {key}: canary on the {response.status_code} page")
        # An unknown URL holding a canary: the 404 page does not echo it.
        canary = f"kanarie{uuid.uuid4().hex[:10]}"
        used.append(canary)
        assert canary not in anonymous.get(f"/{canary}").get_data(as_text=True)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    print(f"canary: {submitted} form submissions")
    assert submitted >= 15, f"only {submitted} forms found"
    logged = log_file.read_text() + "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    with app.app_context():
        audit = "\n".join(str(tuple(row)) for row in db.session.execute(text("SELECT * FROM audit_entries")))
    for canary in used:
        if canary in logged:
            problems.append(f"{canary} is in the application log")
        if canary in audit:
            problems.append(f"{canary} is in the audit trail: " + [ln for ln in audit.splitlines() if canary in ln][0][:300])
    assert not problems, "\n".join(problems)
