"""Subjects on both backends: encrypted values, blind-index links across signals, re-indexing after rotation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.intake.models import SubjectIdentifier
from meldpunt.intake.service import SubjectInput
from meldpunt.intake.subjects import SubjectError, add_subject, linked_signal_ids, read_subject, reindex_subject
from meldpunt.vault.service import cipher_for
from tests import factories


def test_linked_signals_survive_index_key_rotation(app_any_db):
    app = app_any_db
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        first = factories.filed(keyring=keyring, description="melding", commit=False,
                                subjects=[SubjectInput(name="Jansen Bouw B.V.", kvk="12.34.56.78")])
        second = factories.filed(keyring=keyring, description="melding", commit=False,
                                 subjects=[SubjectInput(name="jansen  bouw bv")])  # same name, normalised
        third = factories.filed(keyring=keyring, description="melding", commit=False,
                                subjects=[SubjectInput(kvk="1234 5678", postcode="1234ab", huisnummer="7")])
        unrelated = factories.filed(keyring=keyring, description="melding", commit=False,
                                    subjects=[SubjectInput(name="Pietersen")])
        db.session.commit()
        subject = first.subjects[0]
        assert read_subject(db.session, keyring=keyring, subject=subject)["kvk"] == "12.34.56.78"
        assert linked_signal_ids(db.session, keyring=keyring, signal=first) == {subject.id: {second.id, third.id}}
        assert linked_signal_ids(db.session, keyring=keyring, signal=unrelated) == {}

        rotated = keyring.with_new_index_key()
        # half-way through a rotation: only the first signal's subject is re-indexed
        reindex_subject(db.session, keyring=rotated, subject=subject)
        db.session.commit()
        key_ids = {i.key_id for i in db.session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id))}
        assert key_ids == {rotated.active_index_key_id}
        assert linked_signal_ids(db.session, keyring=rotated, signal=first) == {subject.id: {second.id, third.id}}
        assert linked_signal_ids(db.session, keyring=rotated, signal=second) == {second.subjects[0].id: {first.id}}


def test_invalid_identifiers_are_refused_in_dutch(app_any_db):
    app = app_any_db
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        signal = factories.filed(keyring=keyring, description="melding", commit=False,
                                 subjects=[SubjectInput(name="iemand")])
        cipher = cipher_for(db.session, keyring=keyring, data_key_id=signal.data_key_id)
        with pytest.raises(SubjectError, match="Een KvK-nummer heeft 8 cijfers.") as error:
            add_subject(db.session, keyring=keyring, signal=signal, cipher=cipher, kind="bedrijf", kvk="123")
        assert error.value.field == "kvk"
        with pytest.raises(SubjectError, match="Een postcode bestaat uit 4 cijfers en 2 letters") as error:
            add_subject(db.session, keyring=keyring, signal=signal, cipher=cipher, kind="adres", postcode="AB 1234")
        assert error.value.field == "postcode"
        with pytest.raises(SubjectError, match="Vul ten minste één gegeven in"):
            add_subject(db.session, keyring=keyring, signal=signal, cipher=cipher, kind=None, role="eigenaar")
