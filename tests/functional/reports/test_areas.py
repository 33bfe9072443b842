"""Issue 18: areas in the ondermijningsbeeld. The reporter may give the four digits of the postcode (PC4);
the regisseur sees counts per area, suppressed below k like every other table; bad input gets a Dutch error."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login
from tests.support.forms import post_form, send_checked
from tests.support.logins import login_full


def _report_with_area(client, *, area: str | None, description: str = "Contante betalingen bij de loods"):
    data = {"description": description, "identity": "naam"}
    if area is not None:
        data["area_code"] = area
    return post_form(client, "/melden", data)


def _area_rows(html: str) -> dict[str, str]:
    section = html.split("Meldingen per postcodegebied", 1)[1].split("</table>", 1)[0]
    return {unescape(label).strip(): unescape(cell).strip() for label, cell in
            re.findall(r'<th scope="row">([^<]+)</th>\s*<td[^>]*>([^<]*)</td>', section)}


def test_item_areas_the_pc4_is_kept_shown_to_the_handler_and_counted_with_suppression(app, users):
    reporter = app.test_client()
    login(reporter, users["melder"].email)
    for _ in range(6):
        assert _report_with_area(reporter, area="7731").status_code == 303
    for _ in range(2):
        assert _report_with_area(reporter, area=" 7741 ").status_code == 303  # spaces around the digits are fine
    assert _report_with_area(reporter, area=None).status_code == 303
    with app.app_context():
        stored = dict(db.session.execute(select(Signal.area_code, func.count()).group_by(Signal.area_code)).all())
    assert stored == {"7731": 6, "7741": 2, None: 1}

    handler = app.test_client()
    login_full(handler, users["regisseur"].email)
    with app.app_context():
        signal_id = db.session.scalar(select(Signal.id).where(Signal.area_code == "7741"))
    page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Postcodegebied" in page and "7741" in page

    today = date.today()  # the filings above are of today: the default period ends with last month
    picture = handler.get(f"/ondermijningsbeeld?van={today.replace(day=1).isoformat()}&tot={today.isoformat()}")
    assert picture.status_code == 200
    rows = _area_rows(picture.get_data(as_text=True))
    assert rows["7731"] == "6"
    assert rows["7741"] == "< 5" and rows["Onbekend"] == "< 5"  # small counts never show


def test_item_areas_a_bad_postcode_gets_a_dutch_error_and_files_nothing(app, users):
    reporter = app.test_client()
    login(reporter, users["melder"].email)
    for bad in ("77A1", "7731AB", "0123", "12345"):
        response = _report_with_area(reporter, area=bad)
        assert response.status_code == 422, bad
        assert "Vul alleen de 4 cijfers van de postcode in" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signal)) == 0


def test_item_areas_the_anonymous_form_takes_the_area_too(app):
    client = app.test_client()
    page = client.get("/melden/anoniem?nieuw=1", follow_redirects=True).get_data(as_text=True)
    assert 'name="area_code"' in page
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/melden/anoniem", data={"csrf_token": csrf_token(page), "idempotency_key": key,
                                                    "description": "Iets gezien", "area_code": "9401"})
    assert response.status_code == 303  # to the check page, whose send files it (issue 22 item 4)
    assert send_checked(client, response.headers["Location"]).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Signal.area_code)) == "9401"
