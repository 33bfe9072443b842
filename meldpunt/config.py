"""Configuration: a TOML file plus environment overrides, validated into typed settings.

The file is named by ``MELDPUNT_CONFIG`` (default ``instance/config.toml``) and must be
private to its owner (mode 0600 or stricter), like the keyring. Secrets may come from the
environment instead of the file. There are no default secrets: a missing or weak one stops
the app with one line naming the setting.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_CONFIG_PATH = "instance/config.toml"

#: (section, key) -> environment variable that overrides it.
ENV_OVERRIDES: dict[tuple[str, str], str] = {
    ("app", "secret_key"): "MELDPUNT_SECRET_KEY",
    ("app", "base_url"): "MELDPUNT_BASE_URL",
    ("database", "url"): "MELDPUNT_DATABASE_URL",
    ("broker", "url"): "MELDPUNT_BROKER_URL",
    ("crypto", "keyring_file"): "MELDPUNT_KEYRING_FILE",
    ("crypto", "keyring"): "MELDPUNT_KEYRING",
    ("mail", "password"): "MELDPUNT_SMTP_PASSWORD",
    ("oidc", "client_secret"): "MELDPUNT_OIDC_CLIENT_SECRET",
    ("security", "ratelimit_storage_url"): "MELDPUNT_RATELIMIT_STORAGE_URL",
    ("security", "trusted_proxies"): "MELDPUNT_TRUSTED_PROXIES",
    ("audit", "checkpoint_file"): "MELDPUNT_AUDIT_CHECKPOINT_FILE",
    ("audit", "syslog_address"): "MELDPUNT_AUDIT_SYSLOG_ADDRESS",
}


class ConfigError(Exception):
    """A setting is missing or invalid. The message is one line naming the setting."""


@dataclass(frozen=True)
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 8025
    sender: str = "meldpunt@localhost"
    use_tls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0


@dataclass(frozen=True)
class UploadSettings:
    folder: Path = Path("uploads")
    max_bytes: int = 10 * 1024 * 1024
    max_files: int = 5
    allowed_types: tuple[str, ...] = ("pdf", "png", "jpeg", "gif", "txt", "docx", "xlsx", "odt", "eml")
    #: Attachment bytes (rounded sizes) all uploads together may store per calendar day (Europe/Amsterdam).
    daily_quota_bytes: int = 2 * 1024 * 1024 * 1024
    #: Uploads are refused while the upload folder's file system has less free space than this.
    min_free_bytes: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class SecuritySettings:
    behind_tls: bool = False
    #: Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: use the socket's address).
    trusted_proxies: int = 0
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    ratelimit_storage_url: str = "memory://"
    #: The code step (TOTP or recovery code): failed codes per account, from anywhere.
    login_limit_per_account: str = "5 per minute"
    #: Failed password checks and failed codes per client address, on any accounts.
    login_limit_per_client: str = "20 per minute"
    #: Failed password checks (login and re-authentication) per account from one client address.
    password_limit_per_account_client: str = "5 per minute"
    #: Growing delays per account (meldpunt.auth.throttle): from this many failures on the account,
    #: from all clients together, a client that failed waits 2**(failures - after) seconds ...
    password_backoff_after: int = 5
    #: ... at most this long ...
    password_backoff_max_seconds: int = 900
    #: ... and the account's failures are counted over this many hours.
    password_backoff_window_hours: int = 24
    receipt_limit_per_client: str = "10 per minute"
    #: Anonymous filings per client (keyed by an HMAC of the address) and for all clients together.
    anonymous_filing_limit_per_client: str = "5 per hour"
    anonymous_filing_limit_total: str = "200 per hour"
    four_eyes: bool = False
    totp_required_roles: tuple[str, ...] = ("regisseur", "voorzitter", "integriteit", "beheerder")


@dataclass(frozen=True)
class OidcSettings:
    enabled: bool = False
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    group_claim: str = "groups"
    role_map: dict[str, str] = field(default_factory=dict)
    #: Claim with the employee's department (a department code or label); "" = not read from OIDC.
    department_claim: str = ""


@dataclass(frozen=True)
class FeedbackSettings:
    """Delivery of notices (see docs/feedback.md)."""

    #: Seconds a delivery claim is held before another run may take it over (crashed worker).
    claim_lease_seconds: float = 120.0
    #: Seconds after publishing before the sweep publishes an undelivered notice again.
    republish_after_seconds: float = 300.0
    #: The retry budget (its one owner): e-mail attempts per notice. After the last failed one the
    #: e-mail is ``failed``, final: the worker and the sweep leave it until a handler retries it.
    max_attempts: int = 12
    #: Hour of the day (Europe/Amsterdam) the handler reminders go out.
    reminder_hour: int = 8
    #: Threatened reporter ("ik voel me onveilig of word bedreigd"): working days for first contact.
    threat_contact_working_days: int = 1
    #: Threatened reporter: hours without any action before the handler is reminded.
    threat_reminder_hours: int = 4


@dataclass(frozen=True)
class AuditSettings:
    """Where each audit checkpoint is also written, outside the database (see docs/security/access.md)."""

    #: Append-only file of signed checkpoints (default: ``audit-checkpoints.log`` next to the keyring file).
    checkpoint_file: Path = Path("audit-checkpoints.log")
    #: Syslog destination for the same lines: "" (off), a socket path such as "/dev/log", or "host:port" (UDP).
    syslog_address: str = ""


@dataclass(frozen=True)
class RetentionSettings:
    """Retention terms per outcome (see docs/privacy.md for the reasoning), in years after closing."""

    #: Niet-ontvankelijk: years after the decision.
    not_admissible_years: int = 1
    #: Afgesloten without a casus: years after closing.
    closed_years: int = 2
    #: Doorgezonden to a competent authority: years after forwarding.
    forwarded_years: int = 2
    #: A casus and every signal in it: years after the casus closes.
    case_years: int = 5
    #: The integrity track (own terms of the integriteitscoördinator): years after closing.
    integrity_years: int = 5
    #: The handler sees "verloopt op …" this many days before a signal expires.
    warning_days: int = 30
    #: Signals shredded per transaction by the daily job.
    batch_size: int = 500
    #: Hour of the day (Europe/Amsterdam) the daily job runs.
    run_hour: int = 3


@dataclass(frozen=True)
class Settings:
    """Typed, validated settings. ``source`` is the file they came from (or None)."""

    secret_key: str
    database_url: str
    broker_url: str
    broker_fallback_url: str
    keyring_file: Path | None
    keyring_value: str | None
    instance_path: Path
    base_url: str = "http://127.0.0.1:5000"
    organisation: str = "Gemeente Voorbeeld"
    publish_timeout: float = 2.0
    first_feedback_working_days: int = 5
    #: Published report cells below this count show "< k" (small-count suppression, docs/reports.md).
    report_min_count: int = 5
    log_level: str = "INFO"
    mail: MailSettings = field(default_factory=MailSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    oidc: OidcSettings = field(default_factory=OidcSettings)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    broker_queue: str = "meldpunt"
    #: The public anonymous form for inwoners and ondernemers (/melden/openbaar); off by default.
    public_form: bool = False
    source: Path | None = None


def _get(raw: dict[str, Any], section: str, key: str, default: Any = None) -> Any:
    env = ENV_OVERRIDES.get((section, key))
    if env and os.environ.get(env):
        return os.environ[env]
    value = raw.get(section, {}).get(key, default)
    return value


def _resolve(base: Path, value: str | os.PathLike[str]) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _resolve_sqlite(base: Path, url: str) -> str:
    """Make a relative SQLite path relative to the config file's folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        db_path = Path(parsed.database)
        if not db_path.is_absolute():
            return str(parsed.set(database=str((base / db_path).resolve())))
    return url


def _typed(section: str, key: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", "yes", "no"}:
            return value.lower() in {"true", "1", "yes"}
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    expected = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[kind]
    raise ConfigError(f"setting [{section}] {key} must be {expected}, got {value!r}")


def _rate_limit(key: str, value: Any) -> str:
    """A Flask-Limiter rate string ("5 per hour"), checked here so a typo stops the start, not a request."""
    from limits import parse_many

    try:
        if isinstance(value, str) and parse_many(value):
            return value
    except ValueError:
        pass
    raise ConfigError(f'setting [security] {key} must be a rate like "5 per hour", got {value!r}')


def _at_least_one(section: str, key: str, value: Any) -> int:
    number = _typed(section, key, value, int)
    if number < 1:
        raise ConfigError(f"setting [{section}] {key} must be at least 1, got {number}")
    return number


def _check_private(source: Path, mode: int) -> None:
    """The file holds secrets (secret key, passwords): like the keyring, only its owner may read it."""
    if mode & 0o077:
        raise ConfigError(
            f"configuration file {source} is readable or writable by group or others "
            f"(mode {stat.S_IMODE(mode):04o}); run chmod 600 {source}"
        )


def load_settings(path: str | os.PathLike[str] | None = None, *, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the TOML file (``MELDPUNT_CONFIG`` or the default), apply env overrides, validate.

    ``overrides`` is a nested dict merged over the file (used by tests and ``make run``).
    """
    raw: dict[str, Any] = {}
    source: Path | None = None
    if path is None and overrides is None:
        path = os.environ.get("MELDPUNT_CONFIG", DEFAULT_CONFIG_PATH)
    if path is not None:
        source = Path(path).expanduser().resolve()
        try:
            with open(source, "rb") as fh:
                _check_private(source, os.fstat(fh.fileno()).st_mode)
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(
                f"configuration file {source} not found (set MELDPUNT_CONFIG or copy config.example.toml)"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {source} is not valid TOML: {exc}") from None
    for section, values in (overrides or {}).items():
        raw.setdefault(section, {}).update(values)
    base = source.parent if source else Path(raw.get("app", {}).get("instance_path", "instance")).resolve()
    return _validate(raw, base=base, source=source)


def _validate(raw: dict[str, Any], *, base: Path, source: Path | None) -> Settings:
    secret_key = _get(raw, "app", "secret_key")
    if not secret_key:
        raise ConfigError(
            "setting [app] secret_key is missing (set MELDPUNT_SECRET_KEY or [app] secret_key); there is no default"
        )
    if not isinstance(secret_key, str) or len(secret_key) < 32:
        raise ConfigError("setting [app] secret_key is too short: use at least 32 random characters")

    database_url = _get(raw, "database", "url")
    if not database_url:
        raise ConfigError("setting [database] url is missing (set MELDPUNT_DATABASE_URL or [database] url)")
    try:
        backend = make_url(database_url).get_backend_name()
    except ArgumentError:
        raise ConfigError(f"setting [database] url is not a valid database URL: {database_url!r}") from None
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigError(f"setting [database] url must be sqlite or postgresql, got {backend!r}")
    database_url = _resolve_sqlite(base, database_url)

    broker_url = _get(raw, "broker", "url", "redis://127.0.0.1:6379/0")
    fallback = _get(raw, "broker", "fallback_url", "sqla+sqlite:///celery-broker.sqlite")
    if fallback.startswith("sqla+sqlite:///") and not fallback.startswith("sqla+sqlite:////"):
        fallback = "sqla+sqlite:///" + str(_resolve(base, fallback.removeprefix("sqla+sqlite:///")))

    keyring_value = _get(raw, "crypto", "keyring")
    keyring_file_raw = _get(raw, "crypto", "keyring_file")
    if not keyring_value and not keyring_file_raw:
        raise ConfigError(
            "setting [crypto] keyring_file is missing (set MELDPUNT_KEYRING_FILE; create one with "
            "'flask --app meldpunt keys init')"
        )
    keyring_file = _resolve(base, keyring_file_raw) if keyring_file_raw else None
    if keyring_file is not None and not keyring_value:
        try:
            mode = keyring_file.stat().st_mode
        except FileNotFoundError:
            raise ConfigError(
                f"setting [crypto] keyring_file: {keyring_file} does not exist "
                "(create it with 'flask --app meldpunt keys init')"
            ) from None
        except OSError as exc:
            raise ConfigError(f"setting [crypto] keyring_file: {keyring_file} is unreadable ({exc.strerror})") from None
        if mode & 0o077:
            raise ConfigError(
                f"setting [crypto] keyring_file: {keyring_file} is readable by group or others "
                f"(mode {stat.S_IMODE(mode):04o}); run chmod 600"
            )
        if not os.access(keyring_file, os.R_OK):
            raise ConfigError(f"setting [crypto] keyring_file: {keyring_file} is unreadable")

    mail_raw = raw.get("mail", {})
    mail = MailSettings(
        host=str(mail_raw.get("host", "127.0.0.1")),
        port=_typed("mail", "port", mail_raw.get("port", 8025), int),
        sender=str(mail_raw.get("sender", "meldpunt@localhost")),
        use_tls=_typed("mail", "use_tls", mail_raw.get("use_tls", False), bool),
        username=str(mail_raw.get("username", "")),
        password=str(_get(raw, "mail", "password", "") or ""),
        timeout=_typed("mail", "timeout", mail_raw.get("timeout", 10.0), float),
    )
    up_raw = raw.get("uploads", {})
    uploads = UploadSettings(
        folder=_resolve(base, up_raw.get("folder", "uploads")),
        max_bytes=_typed("uploads", "max_bytes", up_raw.get("max_bytes", 10 * 1024 * 1024), int),
        max_files=_typed("uploads", "max_files", up_raw.get("max_files", 5), int),
        allowed_types=tuple(up_raw.get("allowed_types", UploadSettings.allowed_types)),
        daily_quota_bytes=_typed(
            "uploads", "daily_quota_bytes", up_raw.get("daily_quota_bytes", UploadSettings.daily_quota_bytes), int
        ),
        min_free_bytes=_typed("uploads", "min_free_bytes", up_raw.get("min_free_bytes", UploadSettings.min_free_bytes), int),
    )
    sec_raw = raw.get("security", {})
    security = SecuritySettings(
        behind_tls=_typed("security", "behind_tls", sec_raw.get("behind_tls", False), bool),
        trusted_proxies=_typed("security", "trusted_proxies", _get(raw, "security", "trusted_proxies", 0), int),
        session_idle_minutes=_typed("security", "session_idle_minutes", sec_raw.get("session_idle_minutes", 30), int),
        session_absolute_hours=_typed(
            "security", "session_absolute_hours", sec_raw.get("session_absolute_hours", 10), int
        ),
        ratelimit_storage_url=str(_get(raw, "security", "ratelimit_storage_url", "memory://")),
        login_limit_per_account=str(sec_raw.get("login_limit_per_account", "5 per minute")),
        login_limit_per_client=str(sec_raw.get("login_limit_per_client", "20 per minute")),
        password_limit_per_account_client=str(sec_raw.get("password_limit_per_account_client", "5 per minute")),
        password_backoff_after=_typed("security", "password_backoff_after", sec_raw.get("password_backoff_after", 5), int),
        password_backoff_max_seconds=_typed(
            "security", "password_backoff_max_seconds", sec_raw.get("password_backoff_max_seconds", 900), int
        ),
        password_backoff_window_hours=_typed(
            "security", "password_backoff_window_hours", sec_raw.get("password_backoff_window_hours", 24), int
        ),
        receipt_limit_per_client=str(sec_raw.get("receipt_limit_per_client", "10 per minute")),
        anonymous_filing_limit_per_client=_rate_limit(
            "anonymous_filing_limit_per_client",
            sec_raw.get("anonymous_filing_limit_per_client", SecuritySettings.anonymous_filing_limit_per_client),
        ),
        anonymous_filing_limit_total=_rate_limit(
            "anonymous_filing_limit_total",
            sec_raw.get("anonymous_filing_limit_total", SecuritySettings.anonymous_filing_limit_total),
        ),
        four_eyes=_typed("security", "four_eyes", sec_raw.get("four_eyes", False), bool),
        totp_required_roles=tuple(sec_raw.get("totp_required_roles", SecuritySettings.totp_required_roles)),
    )
    for key in ("password_backoff_after", "password_backoff_max_seconds", "password_backoff_window_hours"):
        if getattr(security, key) < 1:
            raise ConfigError(f"setting [security] {key} must be at least 1")
    oidc_raw = raw.get("oidc", {})
    oidc = OidcSettings(
        enabled=_typed("oidc", "enabled", oidc_raw.get("enabled", False), bool),
        issuer=str(oidc_raw.get("issuer", "")),
        client_id=str(oidc_raw.get("client_id", "")),
        client_secret=str(_get(raw, "oidc", "client_secret", "") or ""),
        group_claim=str(oidc_raw.get("group_claim", "groups")),
        role_map=dict(oidc_raw.get("role_map", {})),
        department_claim=str(oidc_raw.get("department_claim", "")),
    )
    if oidc.enabled and not (oidc.issuer and oidc.client_id and oidc.client_secret):
        raise ConfigError("setting [oidc] needs issuer, client_id and client_secret when enabled = true")

    audit_file_raw = _get(raw, "audit", "checkpoint_file", "")
    if audit_file_raw:
        checkpoint_file = _resolve(base, _typed("audit", "checkpoint_file", audit_file_raw, str))
    else:
        checkpoint_file = (keyring_file.parent if keyring_file is not None else base) / "audit-checkpoints.log"
    syslog_address = _typed("audit", "syslog_address", _get(raw, "audit", "syslog_address", "") or "", str).strip()
    if syslog_address and not syslog_address.startswith("/"):
        host, _sep, port = syslog_address.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(
                f"setting [audit] syslog_address must be a socket path (/dev/log) or host:port, got {syslog_address!r}"
            )
    audit = AuditSettings(checkpoint_file=checkpoint_file, syslog_address=syslog_address)
    base_url = str(_get(raw, "app", "base_url", "http://127.0.0.1:5000")).rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ConfigError(
            f"setting [app] base_url must be the site's public address, scheme and host only, "
            f"like https://meldpunt.example.nl; got {base_url!r}"
        )

    ret_raw = raw.get("retention", {})
    retention = RetentionSettings(**{
        key: _at_least_one("retention", key, ret_raw.get(key, getattr(RetentionSettings, key)))
        for key in RetentionSettings.__dataclass_fields__
        if key != "run_hour"
    }, run_hour=_typed("retention", "run_hour", ret_raw.get("run_hour", RetentionSettings.run_hour), int))
    if not 0 <= retention.run_hour <= 23:
        raise ConfigError(f"setting [retention] run_hour must be between 0 and 23, got {retention.run_hour}")
    unknown = set(ret_raw) - set(RetentionSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"setting [retention] {sorted(unknown)[0]} is unknown")

    app_raw = raw.get("app", {})
    fb_raw = raw.get("feedback", {})
    return Settings(
        secret_key=secret_key,
        database_url=database_url,
        broker_url=str(broker_url),
        broker_fallback_url=str(fallback),
        keyring_file=keyring_file,
        keyring_value=keyring_value or None,
        instance_path=base,
        base_url=base_url,
        organisation=str(app_raw.get("organisation", "Gemeente Voorbeeld")),
        publish_timeout=_typed("broker", "publish_timeout", raw.get("broker", {}).get("publish_timeout", 2.0), float),
        first_feedback_working_days=_typed(
            "feedback", "first_feedback_working_days", fb_raw.get("first_feedback_working_days", 5), int
        ),
        report_min_count=_at_least_one("reports", "min_count", raw.get("reports", {}).get("min_count", 5)),
        log_level=str(app_raw.get("log_level", "INFO")).upper(),
        mail=mail,
        uploads=uploads,
        security=security,
        oidc=oidc,
        feedback=FeedbackSettings(
            claim_lease_seconds=_typed("feedback", "claim_lease_seconds", fb_raw.get("claim_lease_seconds", 120.0), float),
            republish_after_seconds=_typed(
                "feedback", "republish_after_seconds", fb_raw.get("republish_after_seconds", 300.0), float
            ),
            max_attempts=_at_least_one("feedback", "max_attempts", fb_raw.get("max_attempts", 12)),
            reminder_hour=_typed("feedback", "reminder_hour", fb_raw.get("reminder_hour", 8), int),
            threat_contact_working_days=_at_least_one(
                "feedback", "threat_contact_working_days", fb_raw.get("threat_contact_working_days", 1)),
            threat_reminder_hours=_at_least_one(
                "feedback", "threat_reminder_hours", fb_raw.get("threat_reminder_hours", 4)),
        ),
        audit=audit,
        retention=retention,
        broker_queue=str(raw.get("broker", {}).get("queue", "meldpunt")),
        public_form=_typed("app", "public_form", app_raw.get("public_form", False), bool),
        source=source,
    )
