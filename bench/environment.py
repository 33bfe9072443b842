"""What every benchmark sets up the same way: a throwaway PostgreSQL database, an instance folder with a fresh
keyring, and an app migrated with ``flask db upgrade`` (the production schema, not ``create_all``)."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess  # nosec B404 - benchmarks start gunicorn and Celery
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "migrations"
DEFAULT_PG_URL = os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def add_pg_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (a database is made and dropped)")


@contextmanager
def throwaway_postgres(pg_url: str, *, name: str | None = None, keep: bool = False,
                       recreate: bool = False) -> Iterator[str | None]:
    """The URL of a new database on ``pg_url`` (or ``name``, reused when it exists), dropped afterwards unless
    ``keep``; None when the server does not answer (the caller says "skipped" and returns)."""
    import sqlalchemy as sa

    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - report and skip, as the tests do
        print(f"postgresql: not reachable at {pg_url} ({type(exc).__name__}); skipped")
        yield None
        return
    name = name or f"mp_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        if recreate:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_instance(prefix: str) -> Path:
    """A fresh instance folder (``uploads/`` and a new ``keyring.json``) in a temporary directory."""
    from meldpunt.crypto import generate_keyring, write_keyring

    instance = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-")) / "instance"
    (instance / "uploads").mkdir(parents=True)
    write_keyring(instance / "keyring.json", generate_keyring())
    return instance


def migrated_app(instance: Path, url: str, **sections: dict[str, Any]) -> Any:
    """The app on ``url`` after ``flask db upgrade`` from empty (idempotent on a reused database)."""
    from flask_migrate import upgrade

    from meldpunt import create_app
    from meldpunt.extensions import db
    from tests.conftest import make_config

    app = create_app(make_config(instance, url, **sections))
    app.config["TESTING"] = True
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        db.session.remove()
    return app


def release(app: Any) -> None:
    """Close the app's connections (before the database is dropped)."""
    from meldpunt.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class ServerStack:
    """What a benchmark against real servers runs on (``server_stack``)."""

    url: str  # the throwaway database
    folder: Path  # temporary folder: instance/, logs
    config: Path  # instance/config.toml, for MELDPUNT_CONFIG
    queue: str  # the Redis queue of this run (deleted afterwards)
    app: Any  # the migrated app (its connections closed by ``release`` before servers start)
    processes: list[subprocess.Popen] = field(default_factory=list)  # stopped (process group) afterwards


@contextmanager
def server_stack(prefix: str, *, pg_url: str, redis_url: str, extra_config: str = "") -> Iterator[ServerStack | None]:
    """A database, a Redis queue, an instance folder with its config file and a migrated app; afterwards every
    process in ``processes`` is stopped, the queue deleted and the database dropped. None (with a line saying
    why) when PostgreSQL or Redis does not answer."""
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as exc:
        print(f"{prefix}: Redis ({redis_url}) not reachable ({type(exc).__name__}); skipped")
        yield None
        return
    with throwaway_postgres(pg_url) as url:
        if url is None:
            yield None
            return
        from meldpunt import create_app
        from meldpunt.config import load_settings

        instance = new_instance(prefix)
        queue = f"meldpunt-{prefix}-{uuid.uuid4().hex[:8]}"
        config = instance / "config.toml"
        config.write_text(f"""[app]
secret_key = "{secrets.token_urlsafe(48)}"
log_level = "WARNING"
[database]
url = "{url}"
[broker]
url = "{redis_url}"
queue = "{queue}"
[crypto]
keyring_file = "keyring.json"
[mail]
host = "127.0.0.1"
port = 1
[uploads]
folder = "uploads"
{extra_config}""")
        config.chmod(0o600)
        from flask_migrate import upgrade

        app = create_app(load_settings(config))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS))
        stack = ServerStack(url=url, folder=instance.parent, config=config, queue=queue, app=app)
        try:
            yield stack
        finally:
            stop_processes(stack.processes)
            try:
                redis.Redis.from_url(redis_url).delete(queue)
            except redis.RedisError:
                pass
            release(app)


def stop_processes(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL what has not ended within 30 s."""
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
