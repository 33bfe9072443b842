"""What numbers and sizes reveal (issue 15 item 8): references per track, padded ciphertexts, rounded sizes."""

from __future__ import annotations

import re

from sqlalchemy import select

from meldpunt.crypto import padded_size
from meldpunt.extensions import db
from meldpunt.intake.models import Attachment
from meldpunt.signals.models import Signal
from tests import factories
from tests.conftest import csrf_token, login, make_users
from tests.support.logins import login_full
from tests.support.forms import PDF, post_form, stored_files


def test_item_08_integrity_filings_leave_no_gaps_in_the_regular_sequence(app_any_db):
    app = app_any_db
    users = make_users(app)
    melder = app.test_client()
    login(melder, users["melder"].email)
    factories.filed_through_form(melder, "Eerste gewone melding")
    for n in range(3):
        factories.filed_through_form(melder, f"Collega {n} neemt geld aan", about_colleague=True)
    factories.filed_through_form(melder, "Tweede gewone melding")
    factories.filed_through_form(melder, "Derde gewone melding")

    with app.app_context():
        rows = db.session.execute(select(Signal.track, Signal.reference).order_by(Signal.created_at)).all()
    year = rows[0].reference.split("-")[1]
    regular = [r.reference for r in rows if r.track == "regulier"]
    integrity = [r.reference for r in rows if r.track == "integriteit"]
    assert regular == [f"MO-{year}-0001", f"MO-{year}-0002", f"MO-{year}-0003"]
    assert integrity == [f"MI-{year}-0001", f"MI-{year}-0002", f"MI-{year}-0003"]

    # The regisseur's queue shows a regular series without gaps and nothing of the other series.
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    queue = regisseur.get("/behandelen/?tab=alle").get_data(as_text=True)
    shown = sorted(set(re.findall(r"M[OI]-\d{4}-\d{4}", queue)))
    assert shown == regular


def test_item_08_a_signal_that_moves_track_keeps_its_reference(app, users):
    melder = app.test_client()
    login(melder, users["melder"].email)
    factories.filed_through_form(melder, "Gewone melding die over een collega blijkt te gaan")
    with app.app_context():
        signal_id, reference = db.session.execute(select(Signal.id, Signal.reference)).one()
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    moved = regisseur.post(f"/behandelen/meldingen/{signal_id}/status", data={
        "csrf_token": csrf_token(page), "version": version, "target": "integriteitstraject", "reason": "gaat over een collega",
    })
    assert moved.status_code == 302
    factories.filed_through_form(melder, "Nog een melding over een collega", about_colleague=True)
    factories.filed_through_form(melder, "Nog een gewone melding")
    with app.app_context():
        moved = db.session.scalar(select(Signal).where(Signal.reference == reference))
        assert moved.track == "integriteit" and moved.ref_series == "MO"
        references = set(db.session.scalars(select(Signal.reference)))
    year = reference.split("-")[1]
    assert references == {f"MO-{year}-0001", f"MO-{year}-0002", f"MI-{year}-0001"}


def test_item_08_descriptions_of_10_and_200_characters_are_stored_with_equal_lengths(app_any_db):
    app = app_any_db
    for text in ("a" * 10, "Een langere beschrijving. " * 7 + "x" * 18):
        assert post_form(app.test_client(), "/melden/anoniem", {"description": text}).status_code == 200
    with app.app_context():
        blobs = db.session.scalars(select(Signal.description_ct)).all()
    assert len(blobs) == 2 and len(blobs[0]) == len(blobs[1]) == 1 + 12 + 256 + 16
    assert {blob[0] for blob in blobs} == {2}


def test_item_08_attachment_size_is_stored_rounded_and_shown_approximately(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    small = PDF + b"%" + b"x" * 1000
    large = PDF + b"%" + b"y" * (200 * 1024 + 123)
    factories.filed_through_form(client, "Met twee bijlagen", files=[(small, "klein.pdf"), (large, "groot.pdf")])
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        sizes = sorted(db.session.scalars(select(Attachment.size)))
    assert sizes == [64 * 1024, 256 * 1024] == sorted([padded_size(len(small)), padded_size(len(large))])
    assert len(small) not in sizes and len(large) not in sizes
    # The encrypted files show the same rounded sizes, not the exact ones.
    folder = app.extensions["meldpunt.settings"].uploads.folder
    from meldpunt.crypto import encrypted_size

    assert sorted(p.stat().st_size for p in stored_files(folder)) == [encrypted_size(len(small)), encrypted_size(len(large))]
    assert encrypted_size(len(small)) == encrypted_size(0)
    page = client.get(f"/mijn-meldingen/{signal.id}").get_data(as_text=True)
    assert "klein.pdf <span class=\"muted\">(kleiner dan 64 kB)</span>" in page
    assert "groot.pdf <span class=\"muted\">(ca. 256 kB)</span>" in page
