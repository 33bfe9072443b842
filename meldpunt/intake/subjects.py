"""Subjects (betrokkenen) of a signal: values encrypted, identifiers blind-indexed.

All values a reporter gives about a person, company, address or vehicle are
stored as one encrypted JSON object (``Subject.data_ct``). Each identifier
(KvK number, postcode + huisnummer, name, licence plate, permit number) also gets
a ``SubjectIdentifier`` row: an HMAC digest of its normalised form under the
active index key, so signals about the same subject can be linked without
decrypting anything else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, union_all
from sqlalchemy.orm import Session
from flask_babel import gettext

from meldpunt.intake.models import Subject, SubjectIdentifier, SubjectKind, SubjectOrigin
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.vault.keys import (
    FieldCipher,
    Keyring,
    index_identifier,
    index_identifier_all_keys,
    normalise,
    normalise_huisnummer,
    normalise_kvk,
    normalise_postcode,
)
from meldpunt.vault.rotation import IndexUser, register_index_user
from meldpunt.vault.service import ShreddedError, cipher_for, seal_json, unseal_json
from meldpunt.i18n import N_

#: The values a subject may carry, in display order, with their Dutch labels.
SUBJECT_FIELDS = {
    "name": N_("Naam"),
    "kvk": N_("KvK-nummer"),
    "street": N_("Straat"),
    "huisnummer": N_("Huisnummer"),
    "postcode": N_("Postcode"),
    "city": N_("Plaats"),
    "plate": N_("Kenteken"),
    "permit": N_("Vergunningnummer"),
    "role": N_("Rol"),
}
FIELD_MAX = 200

KIND_LABELS = {
    SubjectKind.PERSON.value: N_("Persoon"),
    SubjectKind.COMPANY.value: N_("Bedrijf of organisatie"),
    SubjectKind.ADDRESS.value: N_("Adres of pand"),
    SubjectKind.VEHICLE.value: N_("Voertuig"),
}


class SubjectError(ValueError):
    """Invalid subject value; ``field`` names the input it belongs to. The message is Dutch."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def clean_subject_values(**values: str | None) -> dict[str, str]:
    """Trimmed non-empty values; KvK, postcode and huisnummer checked with the blind-index normalisers."""
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        if key not in SUBJECT_FIELDS:
            raise TypeError(f"unknown subject field {key!r}")
        text = (value or "").strip()
        if not text:
            continue
        if len(text) > FIELD_MAX:
            raise SubjectError(gettext("Dit is te lang: hoogstens %(limit)s tekens.", limit=FIELD_MAX), field=key)
        cleaned[key] = text
    for key, check in (("kvk", normalise_kvk), ("postcode", normalise_postcode), ("huisnummer", normalise_huisnummer)):
        if key in cleaned:
            try:
                check(cleaned[key])
            except ValueError as exc:
                raise SubjectError(gettext(str(exc)), field=key) from None
    return cleaned


def guess_kind(values: dict[str, str]) -> str:
    """The kind when the reporter did not choose one: company for a KvK number, and so on."""
    if "kvk" in values:
        return SubjectKind.COMPANY.value
    if "plate" in values:
        return SubjectKind.VEHICLE.value
    if "name" in values:
        return SubjectKind.PERSON.value
    return SubjectKind.ADDRESS.value


def _identifier_parts(values: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    parts: list[tuple[str, tuple[str, ...]]] = []
    if "kvk" in values:
        parts.append(("kvk", (values["kvk"],)))
    if "postcode" in values and "huisnummer" in values:
        parts.append(("address", (values["postcode"], values["huisnummer"])))
    for key in ("name", "plate", "permit"):
        if key in values:
            parts.append((key, (values[key],)))
    usable = []
    for kind, args in parts:
        try:
            normalise(kind, *args)
        except ValueError:
            continue  # e.g. a name that is only "B.V.": stored, not indexed
        usable.append((kind, args))
    return usable


def _add_identifiers(session: Session, *, keyring: Keyring, subject: Subject, values: dict[str, str]) -> None:
    seen = set()
    for kind, args in _identifier_parts(values):
        key_id, digest = index_identifier(keyring, kind, *args)
        if (kind, digest) in seen:
            continue
        seen.add((kind, digest))
        session.add(
            SubjectIdentifier(subject_id=subject.id, signal_id=subject.signal_id, kind=kind, key_id=key_id, digest=digest)
        )


def add_subject(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    cipher: FieldCipher,
    kind: str | None,
    name: str | None = None,
    kvk: str | None = None,
    postcode: str | None = None,
    huisnummer: str | None = None,
    street: str | None = None,
    city: str | None = None,
    plate: str | None = None,
    permit: str | None = None,
    role: str | None = None,
    added_by: SubjectOrigin | str = SubjectOrigin.HANDLER,
) -> Subject:
    """Store one subject of ``signal`` encrypted, with a blind-index row per identifier.

    ``added_by`` records who named it: ``SubjectOrigin.REPORTER`` only for what the reporter gave
    when filing; everything else is the handler's and never shown to the reporter.

    Raises ``SubjectError`` (Dutch, with the field name) for an invalid KvK number,
    postcode or huisnummer, or when no value at all was given.
    """
    values = clean_subject_values(
        name=name, kvk=kvk, postcode=postcode, huisnummer=huisnummer, street=street, city=city,
        plate=plate, permit=permit, role=role,
    )
    if not set(values) - {"role"}:
        raise SubjectError(gettext("Vul ten minste één gegeven in, bijvoorbeeld een naam of een adres."), field="name")
    kind = kind or guess_kind(values)
    if kind not in KIND_LABELS:
        raise SubjectError(gettext("Kies wat voor betrokkene het is."), field="kind")
    subject = Subject(id=uuid.uuid4(), signal_id=signal.id, kind=kind, added_by=SubjectOrigin(added_by).value)
    seal_json(cipher, subject, "data", values)
    session.add(subject)
    session.flush()
    _add_identifiers(session, keyring=keyring, subject=subject, values=values)
    session.flush()
    return subject


def read_subject(session: Session, *, keyring: Keyring, subject: Subject, cipher: FieldCipher | None = None) -> dict:
    """The decrypted values plus ``kind`` and ``kind_label``; ``{"shredded": True}`` when the key is gone."""
    base = {"id": subject.id, "kind": subject.kind, "kind_label": KIND_LABELS.get(subject.kind, subject.kind)}
    try:
        cipher = cipher or cipher_for(session, keyring=keyring, data_key_id=subject.signal.data_key_id)
    except ShreddedError:
        return {**base, "shredded": True}
    return {**base, **(unseal_json(cipher, subject, "data") or {})}


def reindex_subject(session: Session, *, keyring: Keyring, subject: Subject) -> None:
    """Replace the subject's digests with ones under the active index key (key rotation).

    A shredded subject can no longer be read: its digests are dropped.
    """
    session.execute(delete(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id))
    session.flush()
    session.expire(subject, ["identifiers"])
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=subject.signal.data_key_id)
    except ShreddedError:
        return
    values = unseal_json(cipher, subject, "data") or {}
    _add_identifiers(session, keyring=keyring, subject=subject, values=values)
    session.flush()


def linked_signal_ids(session: Session, *, keyring: Keyring, signal: Signal) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each subject of ``signal``: the other signals (of any track) that mention an equal identifier.

    Digests are compared under every index key in the keyring, so links hold while a rotation is half done.
    Subjects without links are left out. Unbounded: the handler's page uses ``subjects_with_links``.
    """
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        return {}
    links: dict[uuid.UUID, set[uuid.UUID]] = {}
    for subject in signal.subjects:
        digests = _link_digests(keyring, unseal_json(cipher, subject, "data") or {})
        if not digests:
            continue
        found = set(session.scalars(select(Signal.id).where(Signal.id.in_(_named_by(digests)), Signal.id != signal.id)))
        if found:
            links[subject.id] = found
    return links


# ---------------------------------------------------------------------------- a signal's subjects with their links, for handlers

#: How many linked signals the signal page lists per subject; "Toon alle" leads to the rest.
LINKS_SHOWN = 10


@dataclass(frozen=True)
class LinkedSignal:
    id: uuid.UUID
    reference: str
    status: SignalStatus
    created_at: datetime | None = None


@dataclass(frozen=True)
class SubjectView:
    id: uuid.UUID
    kind: str
    kind_label: str
    values: list[tuple[str, str]]  # (Dutch label, value), display order
    shredded: bool
    linked: list[LinkedSignal]  # the newest ``LINKS_SHOWN`` of ``linked_count``
    added_by: str = "behandelaar"  # SubjectOrigin: "melder" when the reporter named it when filing
    linked_count: int = 0  # all other signals on the handler's track naming an equal identifier


@dataclass(frozen=True)
class LinkedPage:
    """One page of the signals linked to a subject (``linked_signals_page``)."""

    subject: SubjectView
    items: list[LinkedSignal]
    total: int
    page: int
    pages: int
    per_page: int


def _link_digests(keyring: Keyring, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(kind, key_id, digest)`` of each identifier in ``values`` under every index key (links hold while a
    rotation is half done)."""
    return [
        (kind, key_id, digest)
        for kind, args in _identifier_parts(values)
        for key_id, digest in index_identifier_all_keys(keyring, kind, *args).items()
    ]


def _linked_where(digests: list[tuple[str, str, str]], *, signal_id: uuid.UUID, track: str) -> list:
    """The signals other than ``signal_id`` on ``track`` with an identifier among ``digests``.

    One branch per digest (UNION ALL), so each is an index-only scan of ``ix_subject_identifiers_lookup``
    (kind, digest, key_id, signal_id); an OR of the digests would make a bitmap scan that visits the table.
    The track is filtered in SQL, on the signals the digests name.
    """
    return [Signal.id.in_(_named_by(digests)), Signal.track == track, Signal.id != signal_id]


def _named_by(digests: list[tuple[str, str, str]]):
    """The ids of the signals with an identifier among ``digests``: one index-only scan per digest."""
    return union_all(*(
        select(SubjectIdentifier.signal_id).where(
            SubjectIdentifier.kind == kind, SubjectIdentifier.digest == digest, SubjectIdentifier.key_id == key_id)
        for kind, key_id, digest in digests
    ))


def _linked_rows(session: Session, digests, *, signal_id: uuid.UUID, track: str, limit: int,
                 offset: int = 0) -> tuple[list[LinkedSignal], int | None]:
    """The newest ``limit`` linked signals from ``offset``, and (in the same statement, a window count) how many
    there are in all; the count is None when the page is empty."""
    query = (
        select(Signal.id, Signal.reference, Signal.status, Signal.created_at, func.count().over().label("total"))
        .where(*_linked_where(digests, signal_id=signal_id, track=track))
        .order_by(Signal.created_at.desc(), Signal.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = session.execute(query).all()
    return [LinkedSignal(row.id, row.reference, SignalStatus(row.status), row.created_at) for row in rows], (
        rows[0].total if rows else None)


def _linked_count(session: Session, digests, *, signal_id: uuid.UUID, track: str) -> int:
    where = _linked_where(digests, signal_id=signal_id, track=track)
    return session.scalar(select(func.count()).select_from(Signal).where(*where)) or 0


def _subject_view(subject: Subject, data: dict, *, linked: list[LinkedSignal], linked_count: int) -> SubjectView:
    values = [(label, str(data[key])) for key, label in SUBJECT_FIELDS.items() if data.get(key)]
    return SubjectView(subject.id, subject.kind, data.get("kind_label", subject.kind), values,
                       bool(data.get("shredded")), linked, subject.added_by, linked_count)


def subjects_with_links(session: Session, *, keyring: Keyring, signal: Signal, track: str,
                        shown: int = LINKS_SHOWN) -> list[SubjectView]:
    """The signal's subjects decrypted, each with how many other signals on ``track`` name it and the newest
    ``shown`` of them.

    One statement per subject with identifiers (a limited select with a window count, the track filtered in SQL),
    however many signals name it. Only signals of ``track`` are counted or listed, so a count never leaks a signal of
    another track.
    """
    subjects = session.scalars(select(Subject).where(Subject.signal_id == signal.id).order_by(Subject.created_at)).all()
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        cipher = None
    views = []
    for subject in subjects:
        data = read_subject(session, keyring=keyring, subject=subject, cipher=cipher)  # no cipher: "shredded"
        digests = [] if data.get("shredded") else _link_digests(keyring, data)
        linked, count = _linked_rows(session, digests, signal_id=signal.id, track=track, limit=shown) if digests \
            else ([], 0)
        views.append(_subject_view(subject, data, linked=linked, linked_count=count or 0))
    return views


def linked_signals_page(session: Session, *, keyring: Keyring, subject: Subject, track: str, page: int = 1,
                        per_page: int = 25) -> LinkedPage:
    """All signals on ``track`` (other than the subject's own) naming an identifier of ``subject``, newest first,
    one page at a time; a page past the end gives the last page. Two statements: a count and a limited select.
    The caller checks need-to-know on the subject's signal."""
    data = read_subject(session, keyring=keyring, subject=subject)
    digests = [] if data.get("shredded") else _link_digests(keyring, data)
    total = _linked_count(session, digests, signal_id=subject.signal_id, track=track) if digests else 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = _linked_rows(session, digests, signal_id=subject.signal_id, track=track, limit=per_page,
                         offset=(page - 1) * per_page)[0] if total else []
    return LinkedPage(_subject_view(subject, data, linked=items, linked_count=total), items, total, page, pages,
                      per_page)


# ---------------------------------------------------------------------------- the vault's blind-index rotation
# Subject digests and receipt-code digests are this package's rows under a blind-index key: the vault's
# ``keys rotate-index`` / ``drop-index-key`` reach them through ``register_index_user``.


def _count_outdated_digests(session: Session, *, keyring: Keyring) -> int:

    active, _ = keyring.active_index_key()
    return (
        session.scalar(
            select(func.count(func.distinct(SubjectIdentifier.subject_id))).where(SubjectIdentifier.key_id != active)
        )
        or 0
    )


def _reindex_batch(session: Session, *, keyring: Keyring, batch_size: int = 500) -> int:
    """Recompute the digests of up to ``batch_size`` subjects indexed under an older index key.

    Subjects of a shredded signal cannot be decrypted; their old digests are deleted instead
    (a shredded signal must not stay linkable). Returns how many subjects were handled.
    """

    active, _ = keyring.active_index_key()
    subject_ids = session.scalars(
        select(SubjectIdentifier.subject_id)
        .where(SubjectIdentifier.key_id != active)
        .distinct()
        .order_by(SubjectIdentifier.subject_id)
        .limit(batch_size)
    ).all()
    for subject_id in subject_ids:
        subject = session.get(Subject, subject_id)
        signal = session.get(Signal, subject.signal_id) if subject is not None else None
        if subject is None or signal is None or signal.data_key_id is None:
            session.execute(delete(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject_id))
            continue
        reindex_subject(session, keyring=keyring, subject=subject)
    session.flush()
    return len(subject_ids)


def _count_using_index_key(session: Session, *, key_id: str) -> int:
    """Rows that still need index key ``key_id``: subject digests, and receipt-code digests
    (stored as ``<index key id>:<digest>``), which cannot be recomputed without the code."""

    digests = session.scalar(
        select(func.count()).select_from(SubjectIdentifier).where(SubjectIdentifier.key_id == key_id)
    ) or 0
    receipts = session.scalar(
        select(func.count()).select_from(Signal).where(Signal.receipt_digest.startswith(f"{key_id}:", autoescape=True))
    ) or 0
    return digests + receipts


register_index_user(IndexUser(name="subjects", count_outdated=_count_outdated_digests, reindex_batch=_reindex_batch,
                              count_using=_count_using_index_key))
