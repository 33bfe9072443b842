"""Meldpunt ondermijning: the Flask application factory.

``create_app`` is the only place that wires configuration, extensions,
blueprints and CLI commands together. Nothing is created at import time.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from meldpunt.config import Settings

# Flask, SQLAlchemy and the configuration are imported inside create_app: importing any meldpunt package
# (say meldpunt.crypto in a key tool) must not load the web framework or the database layer.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def bundled_folder(name: str, *, root: Path = PROJECT_ROOT) -> Path:
    """``templates`` or ``migrations``: the top-level folder of a checkout, else the copy in an installed wheel."""
    top_level = root / name
    return top_level if top_level.is_dir() else Path(__file__).resolve().parent / "_bundled" / name


def create_app(config: Settings | dict[str, Any] | None = None) -> Flask:
    """Build the app.

    ``config`` may be ready ``Settings``, a nested dict of overrides (tests), or
    None to read the file named by ``MELDPUNT_CONFIG``. A configuration error
    stops a real start with one clear line; tests get the ``ConfigError``.
    """
    from flask import Flask

    from meldpunt.config import ConfigError, Settings, load_settings

    try:
        settings = config if isinstance(config, Settings) else load_settings(overrides=config)
        keyring = _load_keyring(settings)
    except ConfigError as exc:
        if config is None:
            print(f"meldpunt: configuration error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        raise

    app = Flask(
        __name__,
        template_folder=str(bundled_folder("templates")),
        static_folder="static",
        instance_path=str(settings.instance_path),
    )
    _configure_flask(app, settings)
    from meldpunt.intake.attachments import InMemoryUploadRequest

    # Uploads are never spooled to a plaintext temporary file (werkzeug does so above 500 kB).
    app.request_class = InMemoryUploadRequest
    if settings.security.trusted_proxies > 0:
        # Behind a reverse proxy every request comes from the proxy: without this, the per-client limits
        # (login, receipt code) would be one global counter and audit origins would all name the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.security.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.extensions["meldpunt.settings"] = settings
    app.extensions["meldpunt.keyring"] = keyring
    # The wall clock (seconds since the epoch) that time-step checks read, such as the TOTP code; one
    # injected callable, so a caller (a test) can move time forward instead of waiting for it.
    app.extensions["meldpunt.clock"] = time.time
    _configure_logging(app, settings)

    from meldpunt import extensions as ext
    from meldpunt.database import install_sqlite_pragmas

    install_sqlite_pragmas()

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(bundled_folder("migrations")), render_as_batch=True, compare_type=True)
    ext.csrf.init_app(app)
    from meldpunt import i18n

    i18n.init_app(app)  # Dutch and English: the locale selector, catalogs, the language switch
    ext.limiter.init_app(app)
    ext.login_manager.init_app(app)

    from meldpunt import models  # noqa: F401  (registers every model on the metadata)
    from meldpunt.web import register_web

    register_web(app)  # the web layer, then each package's init_app (blueprints, CLI, hooks)

    from meldpunt.cli import register_cli

    register_cli(app)

    from meldpunt.broker import init_celery

    init_celery(app)
    return app


def _load_keyring(settings: Settings):
    from meldpunt.config import ConfigError
    from meldpunt.crypto import CryptoError, load_keyring, load_keyring_from_env_value

    try:
        if settings.keyring_value:
            return load_keyring_from_env_value(settings.keyring_value)
        if settings.keyring_file is None:
            raise ConfigError("setting [crypto] keyring_file is missing")
        return load_keyring(settings.keyring_file)
    except CryptoError as exc:
        raise ConfigError(f"setting [crypto] keyring: {exc}") from None


def _configure_flask(app: Flask, settings: Settings) -> None:
    secure = settings.security.behind_tls
    # hide_parameters: database errors must not carry statement values (what people typed) into logs.
    engine_options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if settings.database_url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}, "hide_parameters": True}
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
        SESSION_COOKIE_NAME="__Host-meldpunt" if secure else "meldpunt",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=0,
        PREFERRED_URL_SCHEME="https" if secure else "http",
        MAX_CONTENT_LENGTH=settings.uploads.max_bytes * max(settings.uploads.max_files, 1) + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=secure,
        BABEL_DEFAULT_LOCALE="nl",
        RATELIMIT_STORAGE_URI=settings.security.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=False,
        # When the shared (Redis) storage is down, limits keep working per process in memory
        # instead of silently switching off.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_STRATEGY="fixed-window",
    )


def _configure_logging(app: Flask, settings: Settings) -> None:
    level = getattr(logging, settings.log_level, logging.INFO)
    app.logger.setLevel(level)
    logging.getLogger("meldpunt").setLevel(level)
    from meldpunt.request_log import install_request_log_filters

    # No access-log line (address, time, user agent) for the anonymous reporter's routes.
    install_request_log_filters()
