"""Markup every page must get right, proved by crawling the app through HTTP as every role.

Issue 22 item 5: screen readers heard every field as invalid because the form macros rendered
``aria-invalid="None"`` / ``aria-describedby="None"``. The crawl opens every page a person can reach
by links (with seeded data: signals, cases, approvals, users, the receipt page) and submits every
form that has fields once empty (its error state), and fails on any attribute whose value is "None".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import csrf_token
from tests.support.logins import enrol_totp, login_full
from tests.page_data import seed_work_data

#: Links the crawl never follows: they end the session, download a file or leave the app.
SKIP_PATHS = ("/uitloggen", "/static/", "/inloggen/oidc")
#: Forms the crawl never submits: they end the session.
SKIP_ACTIONS = ("/uitloggen",)
MAX_PAGES = 400


@dataclass
class Form:
    action: str
    method: str
    fields: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    """Collects attribute values that read "None", links and forms with their data fields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.none_attributes: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value is not None and value.strip() in ("None", "none None", "None None"):
                self.none_attributes.append(f"<{tag} {name}=\"{value}\" id={values.get('id')!r} name={values.get('name')!r}>")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "form":
            self._form = Form(action=values.get("action") or "", method=(values.get("method") or "get").lower())
            self.forms.append(self._form)
        if self._form and tag in ("input", "select", "textarea"):
            if tag != "input" or (values.get("type") or "text") not in ("hidden", "submit", "button"):
                self._form.fields.append(values.get("name") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def crawl(client, start: list[str], who: str) -> tuple[dict[str, list[str]], int]:
    """Open every page reachable from ``start``; submit each data form once empty. Returns problems per URL."""
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    submitted: set[str] = set()
    queue = list(start)
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIP_PATHS):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.headers["Location"]).path)
            continue
        if "text/html" not in response.content_type:
            continue
        pages += 1
        text = response.get_data(as_text=True)
        parser = PageParser()
        parser.feed(text)
        if parser.none_attributes:
            problems[f"{who} GET {url}"] = parser.none_attributes
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for form in parser.forms:
            action = urlsplit(urljoin(url, form.action or url)).path
            if form.method != "post" or not [name for name in form.fields if name] or action.startswith(SKIP_ACTIONS):
                continue
            if action in submitted:
                continue
            submitted.add(action)
            failed = client.post(action, data={"csrf_token": csrf_token(text)}, follow_redirects=True)
            if "text/html" in failed.content_type:
                failed_parser = PageParser()
                failed_parser.feed(failed.get_data(as_text=True))
                if failed_parser.none_attributes:
                    problems[f"{who} POST {action} (empty)"] = failed_parser.none_attributes
    return problems, pages


@pytest.fixture
def seeded(app, users):
    data = seed_work_data(app, users)
    for role in ("regisseur", "integriteit", "voorzitter", "beheerder"):
        enrol_totp(app, users[role].email)
    return data


def test_item_05_no_page_renders_none_into_an_attribute(app, users, seeded):
    problems: dict[str, list[str]] = {}
    total = 0

    visitor = app.test_client()
    found, pages = crawl(visitor, ["/", "/melden", "/melden/anoniem", "/ontvangstcode", "/inloggen"], "anoniem")
    problems.update(found)
    total += pages
    # The receipt page (the anonymous reporter's own signal), reached with the code.
    receipt = visitor.get("/ontvangstcode").get_data(as_text=True)
    opened = visitor.post("/ontvangstcode", data={"code": seeded["receipt_code"], "csrf_token": csrf_token(receipt)},
                          follow_redirects=False)
    assert opened.status_code in (302, 303), opened.status_code
    found, pages = crawl(visitor, [urlsplit(opened.headers["Location"]).path], "ontvangstcode")
    problems.update(found)
    total += pages

    for role in ("melder", "regisseur", "integriteit", "voorzitter", "beheerder"):
        client = app.test_client()
        assert login_full(client, users[role].email).status_code == 302, f"login as {role} failed"
        found, pages = crawl(client, ["/"], role)
        problems.update(found)
        total += pages

    assert total >= 40, f"the crawl reached only {total} pages"
    assert not problems, "attributes with the value None:\n" + "\n".join(
        f"{where}: {', '.join(attrs[:5])}" for where, attrs in problems.items()
    )


def test_item_05_field_attributes_only_when_they_apply(app):
    """The macro's helper leaves absent ARIA attributes out and keeps real ones."""
    from wtforms import Form as WTForm, StringField
    from wtforms.validators import InputRequired

    from meldpunt.templating import control_attrs

    class Sample(WTForm):
        name = StringField("Naam", validators=[InputRequired("Vul uw naam in.")])

    form = Sample()
    assert control_attrs(form.name) == {}
    assert control_attrs(form.name, help="Uitleg") == {"aria-describedby": "name-help"}
    assert 'None' not in str(form.name(**control_attrs(form.name, rows=None)))
    form.validate()
    assert control_attrs(form.name, help=True, rows=3) == {
        "aria-describedby": "name-help name-error", "aria-invalid": "true", "rows": 3,
    }


def test_item_05_audit_table_is_a_focusable_region(app, users):
    """The audit table scrolls sideways on its own; keyboard users must be able to focus and scroll it."""
    enrol_totp(app, users["beheerder"].email)
    client = app.test_client()
    assert login_full(client, users["beheerder"].email).status_code == 302
    page = client.get("/beheer/audit").get_data(as_text=True)

    class Wrapper(HTMLParser):
        found: dict | None = None

        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if tag == "div" and "table-wrap" in (values.get("class") or "") and self.found is None:
                self.found = values

    parser = Wrapper()
    parser.feed(page)
    assert parser.found is not None, "no scrollable table wrapper on the audit page"
    assert parser.found.get("tabindex") == "0"
    assert parser.found.get("role") == "region"
    assert (parser.found.get("aria-label") or "").startswith("Audittrail")
