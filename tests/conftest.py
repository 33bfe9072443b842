"""Shared fixtures: real databases (SQLite file and PostgreSQL), a real keyring, the app and its client.

Services: PostgreSQL at ``MELDPUNT_TEST_PG_URL`` (default postgresql+psycopg://127.0.0.1:5432/test)
and Redis at ``MELDPUNT_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/0). When one is
missing, its tests skip with the reason; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from meldpunt import create_app
from meldpunt.crypto import generate_keyring, write_keyring

PG_URL = os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MELDPUNT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct horse battery staple"

START_HINT = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def service_missing(name: str, url: str, error: Exception) -> None:
    """Skip (locally) or fail (CI) with a clear reason naming the service and how to start it."""
    message = f"{name} is not reachable at {url} ({type(error).__name__}: {error}); start it with: {START_HINT.get(name, '')}"
    if IN_CI:
        pytest.fail(f"CI needs {message}", pytrace=False)
    pytest.skip(message)


# ---------------------------------------------------------------------------- databases


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        service_missing("PostgreSQL", PG_URL, exc)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_database(pg_admin: sa.Engine) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    name = f"mp_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'meldpunt.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrised over both backends: the same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_database")
    return request.getfixturevalue("pg_database")


# ---------------------------------------------------------------------------- app


@pytest.fixture
def instance_path(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    write_keyring(path / "keyring.json", generate_keyring())
    (path / "uploads").mkdir()
    return path


def make_config(instance_path: Path, database_url: str, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    config: dict[str, dict[str, Any]] = {
        "app": {"secret_key": secrets.token_urlsafe(48), "instance_path": str(instance_path), "log_level": "INFO"},
        "database": {"url": database_url},
        "broker": {"url": "redis://127.0.0.1:1/0", "publish_timeout": 0.2},
        "crypto": {"keyring_file": str(instance_path / "keyring.json")},
        "uploads": {"folder": str(instance_path / "uploads")},
        "mail": {"host": "127.0.0.1", "port": 1},
        "security": {"ratelimit_storage_url": "memory://"},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    return config


class ClosingClient(FlaskClient):
    """A test client that reads every response whole and closes it, as a WSGI server does after sending it.

    Work the app defers until the response is closed (``response.call_on_close``: the audit entry
    of a refused id) has then happened when ``client.get``/``post`` returns.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def app_factory(instance_path: Path, sqlite_database: str) -> Iterator[Callable[..., Any]]:
    """Build an app with a fresh schema: ``app_factory(database_url=None, **config_sections)``."""
    built = []

    def build(database_url: str | None = None, **sections: dict[str, Any]):
        from meldpunt.extensions import db

        app = create_app(make_config(instance_path, database_url or sqlite_database, **sections))
        app.config["TESTING"] = True
        app.test_client_class = ClosingClient
        with app.app_context():
            db.create_all()
        built.append(app)
        return app

    yield build
    from meldpunt.extensions import db

    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    """The app on a fresh SQLite file."""
    return app_factory()


@pytest.fixture
def app_any_db(app_factory, database_url):
    """The app on SQLite and on PostgreSQL (parametrised)."""
    return app_factory(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(response_text: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response_text) or re.search(
        r'name="csrf_token" value="([^"]+)"', response_text
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    page = client.get("/inloggen")
    return client.post(
        "/inloggen",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))},
        follow_redirects=False,
    )


@pytest.fixture
def users(app) -> dict[str, Any]:
    """One account per role, all with ``PASSWORD``; keyed by role value."""
    return make_users(app)


_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    """The argon2id hash of ``PASSWORD``, computed once per run (logins still verify it for real)."""
    if not _PASSWORD_HASH:
        from meldpunt.auth.service import hash_password

        _PASSWORD_HASH.append(hash_password(PASSWORD))
    return _PASSWORD_HASH[0]


def make_users(app, suffix: str = "") -> dict[str, Any]:
    from meldpunt.auth.models import Role
    from meldpunt.auth.service import create_user
    from meldpunt.extensions import db
    from meldpunt.meetings.service import seed_meeting_types
    from meldpunt.taxonomy.service import seed_taxonomy

    with app.app_context():
        seed_taxonomy(db.session)
        seed_meeting_types(db.session)
        made = {
            role.value: create_user(
                db.session, email=f"{role.value}{suffix}@test.example", name=f"Test {role.value}{suffix}",
                role=role, password=None,
            )
            for role in Role
        }
        for user in made.values():
            user.password_hash = password_hash()
        db.session.commit()
        for user in made.values():
            db.session.refresh(user)
            db.session.expunge(user)
    return made
