"""Signals in bulk for the queue benchmark and the query-plan tests: a realistic mix, by COPY.

Three years of signals in filing order (so the table's physical order follows ``created_at``,
as in production), 85 % of those older than 90 days closed, 5 % on the integrity track, open
signals spread over the regisseurs, 70 % of reporters wanting feedback and some of them still
waiting for it, ciphertext columns of realistic width (random bytes: nothing is decrypted in the
queue). ``seed`` writes them with COPY into PostgreSQL; ``signal_rows`` gives the same rows as
dicts for a plain INSERT (SQLite).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import datetime, timedelta, timezone
OPEN = ["in_behandeling", "verrijking", "gekoppeld_aan_casus", "geagendeerd", "besproken"]
EXITS = [("afgesloten", 0.75), ("niet_ontvankelijk", 0.12), ("doorgezonden", 0.08), ("integriteitstraject", 0.05)]
COLUMNS = ("id", "reference", "ref_year", "ref_seq", "status", "track", "channel", "phenomenon_code", "process_code",
           "location_type_code", "department_code", "certainty", "feels_unsafe", "is_anonymous", "reporter_id",
           "wants_feedback", "feedback_by_email", "assignee_id", "created_at", "updated_at", "first_feedback_at",
           "triaged_at", "closed_at", "version_id", "description_ct", "location_ct", "occurred_ct", "relation_ct",
           "contact_ct")


def _pick_exit(rng: random.Random) -> str:
    x = rng.random()
    for status, share in EXITS:
        if x < share:
            return status
        x -= share
    return EXITS[0][0]


def _rows(count: int, *, now: datetime, regisseurs: list[int], integrity: list[int], reporter: int,
          phenomena: list[str], processes: list[str], departments: list[str], locations: list[str]):
    """Signals in filing order (oldest first), as tuples in ``COLUMNS`` order."""
    rng = random.Random(23)
    span = 3 * 365 * 24 * 3600
    offsets = sorted((rng.random() * span for _ in range(count)), reverse=True)
    seqs: dict[int, int] = {}
    blob = os.urandom(1 << 16)

    def ct(n: int) -> bytes:  # ciphertext-like bytes of length n (random, so incompressible)
        start = rng.randrange(0, len(blob) - n)
        return blob[start:start + n]

    for offset in offsets:
        created = now - timedelta(seconds=offset)
        age = now - created
        year = created.year
        seqs[year] = seq = seqs.get(year, 0) + 1
        track = "integriteit" if rng.random() < 0.05 else "regulier"
        if age > timedelta(days=90):
            status = _pick_exit(rng) if rng.random() < 0.85 else rng.choice(OPEN)
        elif age < timedelta(days=10):
            status = "ontvangen" if rng.random() < 0.6 else rng.choice(OPEN)
        else:
            status = _pick_exit(rng) if rng.random() < 0.3 else rng.choice(OPEN)
        if track == "integriteit" and status == "integriteitstraject":
            status = "afgesloten"
        wants = rng.random() < 0.7
        anonymous = rng.random() < 0.3
        triaged = None if status == "ontvangen" else created + timedelta(hours=rng.randrange(1, 72))
        closed = created + timedelta(days=rng.randrange(3, 80)) if status in dict(EXITS) else None
        if closed and closed > now:
            closed = now
        # Most reporters who want feedback got it; some of the open ones are still waiting.
        feedback = None
        if wants and status != "ontvangen" and (closed is not None or rng.random() < 0.8):
            feedback = min(now, created + timedelta(days=rng.randrange(1, 12)))
        assignee = None
        if status != "ontvangen" and rng.random() < 0.9:
            assignee = rng.choice(integrity if track == "integriteit" else regisseurs)
        yield (
            uuid.uuid4(), f"MO-{year}-{seq:06d}", year, seq, status, track, "intern_formulier",
            rng.choice(phenomena), rng.choice(processes), rng.choice(locations), rng.choice(departments), "vermoeden",
            False, anonymous, None if anonymous else reporter, wants, wants and not anonymous and rng.random() < 0.5,
            assignee, created, closed or triaged or created, feedback, triaged, closed, 1,
            ct(rng.randrange(300, 1500)), ct(80), ct(60), ct(70), ct(90) if wants and not anonymous else None,
        )


def _codes(session, kind) -> list[str]:
    from sqlalchemy import select

    from meldpunt.taxonomy.models import TaxonomyTerm

    return list(session.scalars(select(TaxonomyTerm.code).where(TaxonomyTerm.kind == kind.value)))


def row_kwargs(session, *, reporter_id: int, now: datetime | None = None) -> dict:
    """What ``_rows`` needs from the database: the handlers to assign and the taxonomy codes."""
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.taxonomy.models import TermKind

    codes = {kind: _codes(session, kind) or [None] for kind in TermKind}
    return {
        "now": now or datetime.now(timezone.utc),
        "regisseurs": list(session.scalars(select(User.id).where(User.role == "regisseur").order_by(User.id))),
        "integrity": list(session.scalars(select(User.id).where(User.role == "integriteit").order_by(User.id))),
        "reporter": reporter_id, "phenomena": codes[TermKind.PHENOMENON], "processes": codes[TermKind.PROCESS],
        "departments": codes[TermKind.DEPARTMENT], "locations": codes[TermKind.LOCATION_TYPE],
    }


def seed(app, users: dict, count: int, *, now: datetime | None = None, quiet: bool = False) -> float:
    """COPY ``count`` signals into PostgreSQL; drops the plain indexes first and builds them again after
    (as a restore does), then VACUUM ANALYZE (what autovacuum does after a bulk load). Returns seconds."""
    from meldpunt.extensions import db

    with app.app_context():
        kwargs = row_kwargs(db.session, reporter_id=users["melder"].id, now=now)
        db.session.remove()
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("""SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
                           JOIN pg_class i ON i.oid = x.indexrelid
                           WHERE x.indrelid = 'signals'::regclass
                             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""")
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            with cur.copy(f"COPY signals ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for n, row in enumerate(_rows(count, **kwargs), 1):
                    copy.write_row(row)
                    if n % 200_000 == 0 and not quiet:
                        print(f"  copied {n:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
            copied = time.perf_counter() - started
            cur.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cur.execute(definition)
            raw.commit()
            if not quiet:
                print(f"  COPY {copied:.0f} s, indexes {time.perf_counter() - started - copied:.0f} s", flush=True)
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE signals")
        return time.perf_counter() - started


def signal_dicts(count: int, **kwargs) -> list[dict]:
    """The rows of ``_rows`` as dicts (for ``insert(Signal.__table__)`` on any backend)."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in _rows(count, **kwargs)]


def seed_subjects(app, *, shared: int, shared_kvk: str, shared_other_track: int = 0, per_signal: int = 2,
                  seed_value: int = 23) -> dict[str, int]:
    """COPY one subject into every signal already in the table, with ``per_signal`` identifiers of random digests
    (nobody else names them), and give ``shared`` signals of the regular track (plus ``shared_other_track`` of the
    integrity track) a third identifier: the KvK number ``shared_kvk`` under the active index key, as
    ``add_subject`` would. The subjects' ciphertext is random bytes (a linked signal is never decrypted for its
    link). Then VACUUM ANALYZE. Returns the counts written."""
    import secrets

    from meldpunt.extensions import db
    from meldpunt.vault.keys import index_identifier

    rng = random.Random(seed_value)
    with app.app_context():
        key_id, shared_digest = index_identifier(app.extensions["meldpunt.keyring"], "kvk", shared_kvk)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SELECT id, track, created_at FROM signals ORDER BY created_at")
            signals = cur.fetchall()
            regular = [row for row in signals if row[1] == "regulier"]
            other = [row for row in signals if row[1] != "regulier"]
            if len(regular) < shared or len(other) < shared_other_track:
                raise SystemExit(f"too few signals to share an identifier with {shared} + {shared_other_track}")
            sharing = {row[0] for row in rng.sample(regular, shared)} | {row[0] for row in rng.sample(other, shared_other_track)}
            blob = os.urandom(1 << 14)
            subjects = [(uuid.uuid4(), signal_id, created) for signal_id, _track, created in signals]
            with cur.copy("COPY subjects (id, signal_id, kind, added_by, data_ct, created_at) FROM STDIN") as copy:
                for subject_id, signal_id, created in subjects:
                    start = rng.randrange(0, len(blob) - 200)
                    copy.write_row((subject_id, signal_id, "bedrijf", "behandelaar", blob[start:start + 200], created))
            identifiers = 0
            with cur.copy("COPY subject_identifiers (subject_id, signal_id, kind, key_id, digest) FROM STDIN") as copy:
                for subject_id, signal_id, _created in subjects:
                    for kind in ("name", "permit", "plate", "address")[:per_signal]:
                        copy.write_row((subject_id, signal_id, kind, key_id, secrets.token_hex(32)))
                        identifiers += 1
                    if signal_id in sharing:
                        copy.write_row((subject_id, signal_id, "kvk", key_id, shared_digest))
                        identifiers += 1
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE subjects")
            conn.exec_driver_sql("VACUUM ANALYZE subject_identifiers")
        db.session.remove()
    return {"subjects": len(subjects), "identifiers": identifiers, "sharing": len(sharing)}
