"""Issue 23, linked signals of a subject: the signal page shows how many other signals name the subject and only
the newest ten; "Toon alle" leads to a paginated page of all of them, checked for need-to-know and audited."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from meldpunt.intake.models import Subject
from meldpunt.signals.models import Signal
from tests import factories
from tests.support.logins import login_full

KVK = "12345678"
COMPANY = {"kind": "bedrijf", "name": "Koppeling Opslag B.V.", "kvk": KVK}
START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def _client(app, users, role):
    client = app.test_client()
    login_full(client, users[role].email)
    return client


def _file_linked(app, users, count: int, *, about_colleague: bool = False, start: datetime = START) -> list:
    """``count`` signals naming the same company, one minute apart (oldest first)."""
    return [
        factories.filed_in(app, reporter=users["melder"], handler_subjects=[COMPANY], about_colleague=about_colleague,
                           now=start + timedelta(minutes=i))
        for i in range(count)
    ]


def _viewed(app, users, *, about_colleague: bool = False):
    """The newest signal naming the company, and the id of its subject."""
    filed = factories.filed_in(app, reporter=users["melder"], handler_subjects=[COMPANY], about_colleague=about_colleague,
                               now=START + timedelta(days=1))
    with app.app_context():
        subject_id = db.session.scalar(select(Subject.id).where(Subject.signal_id == filed.id))
    return filed, subject_id


def _subjects_section(page: str) -> str:
    return page.split('id="subjecten"', 1)[1].split('id="verrijking"', 1)[0]


def _listed_references(page: str) -> list[str]:
    return re.findall(r'<a href="/behandelen/meldingen/[0-9a-f-]{36}">(M[OI]-\d{4}-\d+)</a>', page)


def test_linked_signals_page_shows_count_and_first_ten(app, users):
    linked = _file_linked(app, users, 12)
    viewed, subject_id = _viewed(app, users)
    page = _client(app, users, "regisseur").get(f"/behandelen/meldingen/{viewed.id}")
    assert page.status_code == 200
    section = _subjects_section(page.get_data(as_text=True))
    assert "12 andere meldingen over deze betrokkene" in section
    newest_first = [f.reference for f in reversed(linked)]
    assert _listed_references(section) == newest_first[:10]  # the newest ten; the two oldest only on "Toon alle"
    assert f'href="/behandelen/meldingen/{viewed.id}/betrokkenen/{subject_id}/meldingen">Toon alle 12</a>' in section


def test_linked_signals_few_links_show_all_without_more_link(app, users):
    linked = _file_linked(app, users, 3)
    viewed, _subject_id = _viewed(app, users)
    section = _subjects_section(_client(app, users, "regisseur").get(f"/behandelen/meldingen/{viewed.id}")
                                .get_data(as_text=True))
    assert "3 andere meldingen over deze betrokkene" in section
    assert _listed_references(section) == [f.reference for f in reversed(linked)]
    assert "Toon alle" not in section


def test_linked_signals_all_page_paginates_and_audits(app, users, monkeypatch):
    monkeypatch.setattr("meldpunt.triage.views.PER_PAGE", 5)
    linked = _file_linked(app, users, 12)
    viewed, subject_id = _viewed(app, users)
    client = _client(app, users, "regisseur")
    url = f"/behandelen/meldingen/{viewed.id}/betrokkenen/{subject_id}/meldingen"
    newest_first = [f.reference for f in reversed(linked)]
    seen = []
    for number, expected in ((1, newest_first[:5]), (2, newest_first[5:10]), (3, newest_first[10:])):
        response = client.get(f"{url}?pagina={number}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Meldingen over deze betrokkene" in page and "Koppeling Opslag B.V." in page and KVK in page
        assert "12 andere meldingen over deze betrokkene" in page
        assert f"Pagina {number} van 3" in page
        assert _listed_references(page) == expected
        seen += expected
    assert seen == newest_first and viewed.reference not in seen
    assert f'href="{url}?pagina=2" rel="next"' in client.get(url).get_data(as_text=True)
    last = client.get(f"{url}?pagina=99").get_data(as_text=True)  # past the end: the last page
    assert "Pagina 3 van 3" in last and _listed_references(last) == newest_first[10:]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "signal.linked_read")
                                     .order_by(AuditEntry.id)).all()
    assert [json.loads(e.details)["page"] for e in entries] == [1, 2, 3, 1, 3]
    first = entries[0]
    assert first.object_type == "subject" and first.object_id == str(subject_id)
    assert first.actor_id == users["regisseur"].id
    assert json.loads(first.details) == {"signal_id": str(viewed.id), "page": 1, "count": 12}
    assert KVK not in first.details and "Koppeling" not in first.details  # no subject values in the trail


def test_linked_signals_other_track_never_counted(app, users):
    regular = _file_linked(app, users, 2)
    _file_linked(app, users, 3, about_colleague=True, start=START + timedelta(hours=1))  # integrity track
    viewed, subject_id = _viewed(app, users)
    regisseur = _client(app, users, "regisseur")
    section = _subjects_section(regisseur.get(f"/behandelen/meldingen/{viewed.id}").get_data(as_text=True))
    assert "2 andere meldingen over deze betrokkene" in section
    assert _listed_references(section) == [f.reference for f in reversed(regular)]
    listing = regisseur.get(f"/behandelen/meldingen/{viewed.id}/betrokkenen/{subject_id}/meldingen")
    page = listing.get_data(as_text=True)
    assert "2 andere meldingen over deze betrokkene" in page and "MI-" not in page
    assert _listed_references(page) == [f.reference for f in reversed(regular)]
    # The integrity coordinator sees the integrity signals only, never the regular ones.
    integrity, integrity_subject = _viewed(app, users, about_colleague=True)
    coordinator = _client(app, users, "integriteit")
    section = _subjects_section(coordinator.get(f"/behandelen/meldingen/{integrity.id}").get_data(as_text=True))
    assert "3 andere meldingen over deze betrokkene" in section
    page = coordinator.get(f"/behandelen/meldingen/{integrity.id}/betrokkenen/{integrity_subject}/meldingen")
    assert "3 andere meldingen over deze betrokkene" in page.get_data(as_text=True)
    assert all(ref.startswith("MI-") for ref in _listed_references(page.get_data(as_text=True)))
    with app.app_context():
        regular_refs = set(db.session.scalars(select(Signal.reference).where(Signal.track == "regulier")))
    assert not regular_refs & set(_listed_references(page.get_data(as_text=True)))


def test_linked_signals_guessed_subject_id_answers_404(app, users):
    _file_linked(app, users, 2)
    viewed, subject_id = _viewed(app, users)
    other, other_subject = _viewed(app, users)  # another regular signal the regisseur may see
    integrity, integrity_subject = _viewed(app, users, about_colleague=True)
    regisseur = _client(app, users, "regisseur")
    base = f"/behandelen/meldingen/{viewed.id}/betrokkenen"
    assert regisseur.get(f"{base}/{subject_id}/meldingen").status_code == 200
    assert regisseur.get(f"{base}/{uuid.uuid4()}/meldingen").status_code == 404  # no such subject
    assert regisseur.get(f"{base}/{other_subject}/meldingen").status_code == 404  # a subject of another signal
    assert regisseur.get(f"{base}/{integrity_subject}/meldingen").status_code == 404  # ... of another track
    # The signal is checked too: a handler of the other track, or any other role, gets 404 on this subject.
    for role in ("integriteit", "melder", "deelnemer", "voorzitter", "beheerder", "management"):
        assert _client(app, users, role).get(f"{base}/{subject_id}/meldingen").status_code == 404, role
    integrity_url = f"/behandelen/meldingen/{integrity.id}/betrokkenen/{integrity_subject}/meldingen"
    assert regisseur.get(integrity_url).status_code == 404
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "authz.denied",
                                                             AuditEntry.actor_id == users["regisseur"].id)).all()
        read = db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "signal.linked_read")).all()
    assert {e.object_type for e in denied} >= {"subject", "signal"}
    assert str(integrity_subject) in {e.object_id for e in denied}
    assert read == [str(subject_id)]  # only the allowed read is audited as a read
    assert other.id != viewed.id
