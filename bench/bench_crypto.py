"""Cost of encryption at rest: store and load N signals with encryption on and off.

One code path (``store_signal`` / ``load_signal`` below, built on meldpunt.vault.service and
meldpunt.intake.subjects.add_subject) with the field cipher as a parameter:
``FieldCipher`` (AES-256-GCM, the application) or ``NullFieldCipher`` (no encryption).
Fixed sizes: a description of 1,000 characters and two subjects (a company with name and KvK
number, a person with a name) per signal. Both modes create and wrap a data key per signal and
compute the blind-index digests, so the ratio is the cost of field encryption itself; the cost of
key wrapping is printed separately.

    python -m bench.bench_crypto [--n 10000] [--batch 500] [--no-postgres]

Runs on a fresh SQLite file and, when reachable (MELDPUNT_BENCH_PG_URL, default
postgresql+psycopg://127.0.0.1:5432/test), on a fresh PostgreSQL database that is dropped after.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meldpunt.crypto import FieldCipher, Keyring, NullFieldCipher, generate_dek, generate_keyring, unwrap_dek, wrap_dek, write_keyring
from meldpunt.signals.models import Signal
from meldpunt.intake.subjects import add_subject
from meldpunt.vault.service import CipherClass, cipher_for, create_data_key, seal, unseal, unseal_json

PG_URL = os.environ.get("MELDPUNT_BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
DESCRIPTION_CHARS = 1_000
_WORDS = ("kapsalon", "contant", "geld", "huurder", "vergunning", "pand", "avond", "busje", "klanten", "nooit")


def description_for(i: int) -> str:
    """Exactly DESCRIPTION_CHARS characters of Dutch-looking text, different per signal."""
    words, n = [], i
    while sum(len(w) + 1 for w in words) < DESCRIPTION_CHARS:
        words.append(_WORDS[n % len(_WORDS)])
        n = n * 7 + 3
    return " ".join(words)[:DESCRIPTION_CHARS]


# ---------------------------------------------------------------- the measured code path


def store_signal(session: Session, *, keyring: Keyring, cipher_class: CipherClass, i: int) -> Signal:
    """Encrypt and store one signal with two subjects (identifiers blind-indexed)."""
    data_key, cipher = create_data_key(session, keyring=keyring, cipher_class=cipher_class)
    signal = Signal(id=uuid.uuid4(), reference=f"MO-2099-{i:06d}", ref_year=2099, ref_seq=i, data_key_id=data_key.id)
    seal(cipher, signal, "description", description_for(i))
    seal(cipher, signal, "location", f"Dorpsstraat {i % 200 + 1}, Voorbeeld")
    session.add(signal)
    session.flush()
    add_subject(session, keyring=keyring, signal=signal, cipher=cipher, kind="bedrijf",
                name=f"Kapsalon Knip {i} B.V.", kvk=f"{10_000_000 + i}")
    add_subject(session, keyring=keyring, signal=signal, cipher=cipher, kind="persoon", name=f"Jan de Vries {i}")
    return signal


def load_signal(session: Session, *, keyring: Keyring, cipher_class: CipherClass, signal: Signal) -> int:
    """Decrypt one signal and its subjects; returns the number of characters read."""
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id, cipher_class=cipher_class)
    chars = len(unseal(cipher, signal, "description") or "") + len(unseal(cipher, signal, "location") or "")
    for subject in signal.subjects:
        chars += sum(len(v) for v in (unseal_json(cipher, subject, "data") or {}).values())
    return chars


# ---------------------------------------------------------------- harness


@dataclass
class Result:
    backend: str
    mode: str
    store_s: float
    load_s: float
    n: int


def _app(database_url: str, folder: Path):
    from meldpunt import create_app
    from meldpunt.extensions import db

    keyring_path = folder / "keyring.json"
    if not keyring_path.exists():
        write_keyring(keyring_path, generate_keyring())
    app = create_app({
        "app": {"secret_key": secrets.token_urlsafe(48), "instance_path": str(folder), "log_level": "WARNING"},
        "database": {"url": database_url},
        "broker": {"url": "redis://127.0.0.1:1/0", "publish_timeout": 0.2},
        "crypto": {"keyring_file": str(keyring_path)},
        "uploads": {"folder": str(folder / "uploads")},
    })
    with app.app_context():
        db.create_all()
    return app


def run_mode(database_url: str, folder: Path, *, backend: str, mode: str, cipher_class: CipherClass, n: int,
             batch: int) -> Result:
    from meldpunt.extensions import db

    app = _app(database_url, folder)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        session = db.session
        start = time.perf_counter()
        for first in range(0, n, batch):
            for i in range(first, min(first + batch, n)):
                store_signal(session, keyring=keyring, cipher_class=cipher_class, i=i)
            session.commit()
            session.expunge_all()
        store_s = time.perf_counter() - start

        start = time.perf_counter()
        loaded = chars = 0
        last_ref = ""
        while True:  # keyset pagination, subjects loaded with one extra query per page
            page = session.scalars(
                select(Signal).where(Signal.reference > last_ref).order_by(Signal.reference).limit(batch)
                .options(selectinload(Signal.subjects))
            ).all()
            if not page:
                break
            for signal in page:
                chars += load_signal(session, keyring=keyring, cipher_class=cipher_class, signal=signal)
            loaded += len(page)
            last_ref = page[-1].reference
            session.expunge_all()
        load_s = time.perf_counter() - start
        assert loaded == n and chars > n * DESCRIPTION_CHARS
        db.session.remove()
        db.engine.dispose()
    return Result(backend, mode, store_s, load_s, n)


def wrap_cost(n: int) -> tuple[float, float]:
    """Seconds per data key to wrap and to unwrap (included in both modes above)."""
    keyring = generate_keyring()
    dek = generate_dek()
    start = time.perf_counter()
    blobs = [wrap_dek(keyring, dek, key_ref=str(i)) for i in range(n)]
    wrap_s = time.perf_counter() - start
    start = time.perf_counter()
    for i, (kek_id, blob) in enumerate(blobs):
        unwrap_dek(keyring, kek_id, blob, key_ref=str(i))
    return wrap_s / n, (time.perf_counter() - start) / n


def _pg_database() -> tuple[str, sa.Engine] | None:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); skipped")
        admin.dispose()
        return None
    return f"mp_bench_{uuid.uuid4().hex[:10]}", admin


def _report(results: list[Result]) -> None:
    print(f"{'backend':<11} {'mode':<14} {'phase':<15} {'seconds':>8} {'signals/s':>10} {'overhead':>9}")
    by_key = {(r.backend, r.mode): r for r in results}
    for r in results:
        base = by_key.get((r.backend, "off"))
        for phase, seconds, base_s in (("encrypt+store", r.store_s, base.store_s if base else None),
                                       ("load+decrypt", r.load_s, base.load_s if base else None)):
            ratio = f"{seconds / base_s:8.2f}x" if base_s else ""
            print(f"{r.backend:<11} {r.mode:<14} {phase:<15} {seconds:8.2f} {r.n / seconds:10.0f} {ratio:>9}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_crypto", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="signals per run (default 10000)")
    parser.add_argument("--batch", type=int, default=500, help="signals per transaction / page (default 500)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    modes = (("off", NullFieldCipher), ("on (AES-GCM)", FieldCipher))
    print(f"{args.n} signals, description {DESCRIPTION_CHARS} chars, 2 subjects each, batches of {args.batch}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="meldpunt-bench-") as tmp:
        for mode, cls in modes:
            folder = Path(tmp) / f"sqlite-{mode.split()[0]}"
            folder.mkdir()
            results.append(run_mode(f"sqlite:///{folder / 'bench.sqlite'}", folder, backend="sqlite", mode=mode,
                                    cipher_class=cls, n=args.n, batch=args.batch))
        pg = None if args.no_postgres else _pg_database()
        if pg is not None:
            name, admin = pg
            for mode, cls in modes:
                folder = Path(tmp) / f"pg-{mode.split()[0]}"
                folder.mkdir()
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                try:
                    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
                    results.append(run_mode(url, folder, backend="postgresql", mode=mode, cipher_class=cls,
                                            n=args.n, batch=args.batch))
                finally:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    _report(results)
    wrap_s, unwrap_s = wrap_cost(min(args.n, 10_000))
    print(f"data key wrap {wrap_s * 1e6:.1f} µs, unwrap {unwrap_s * 1e6:.1f} µs per key (in both modes)")


if __name__ == "__main__":
    main()
