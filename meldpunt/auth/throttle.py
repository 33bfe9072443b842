"""One limiter for every password check: login, re-authentication (new recovery codes, replacing the
second factor) and the password change.

Three rules, all counting only *failed* checks, all kept in the rate-limit storage
(``[security] ratelimit_storage_url``: Redis in production, so every process shares them):

1. **Per client** (``login_limit_per_client``, default 20/minute): one client address that fails
   this often, on any accounts, is refused for the rest of the window (password spraying).
2. **Per account and client** (``password_limit_per_account_client``, default 5/minute): one client
   that fails this often on one account is refused on that account for the rest of the window.
3. **Growing delays per account** (``password_backoff_after``, ``password_backoff_max_seconds``,
   ``password_backoff_window_hours``): all failures on the account, from every client, are counted
   over the window. From the ``password_backoff_after``-th failure on, each client that has failed on
   the account must wait ``2 ** (failures - after)`` seconds (at most the maximum) after its own
   last failure there before it may try again. Spreading the attack over many addresses therefore
   slows every one of them down, while a client that has **not** failed on the account (the
   victim's own browser) is not delayed at all: a targeted attack cannot lock the person out.

Keys are HMACs under the keyring's blind-index key: the storage holds neither e-mail addresses
nor client addresses, and an unknown e-mail address is throttled exactly like a known one.
When the shared storage is unreachable the limiter falls back to memory in the process (logged)
instead of switching off, and tries the shared storage again after ``RETRY_STORAGE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from meldpunt.auth.service import email_digest

log = logging.getLogger("meldpunt.auth.throttle")

EXTENSION_KEY = "meldpunt.password_throttle"
RETRY_STORAGE_SECONDS = 30.0
_T = TypeVar("_T")


@dataclass(frozen=True)
class Refusal:
    """A password check that may not run now; ``wait_seconds`` until the earliest next try."""

    wait_seconds: int
    reason: str  # "client", "account-client" or "backoff" (metadata for logs and tests)


@dataclass(frozen=True)
class ThrottleRules:
    per_client: str = "20 per minute"
    per_account_client: str = "5 per minute"
    backoff_after: int = 5
    backoff_max_seconds: int = 900
    backoff_window_hours: int = 24

    def delay_for(self, failures: int) -> int:
        """Seconds a client that failed must wait, given the account's failures from everywhere."""
        if failures < self.backoff_after:
            return 0
        exponent = min(failures - self.backoff_after, 30)
        return min(2**exponent, self.backoff_max_seconds)


class PasswordThrottle:
    """The shared limiter. One per app (``app.extensions[EXTENSION_KEY]``); thread-safe."""

    def __init__(self, storage_url: str, rules: ThrottleRules) -> None:
        self.rules = rules
        self._primary: Storage = storage_from_string(storage_url)
        self._fallback = MemoryStorage()
        self._dead_since: float | None = None
        self._lock = threading.Lock()
        self._per_client = parse(rules.per_client)
        self._per_pair = parse(rules.per_account_client)

    # ------------------------------------------------------------------ storage with fallback

    def _storage(self) -> Storage:
        with self._lock:
            if self._dead_since is not None and time.monotonic() - self._dead_since > RETRY_STORAGE_SECONDS:
                self._dead_since = None  # try the shared storage again
            return self._fallback if self._dead_since is not None else self._primary

    def _run(self, operation: Callable[[Storage], _T]) -> _T:
        storage = self._storage()
        try:
            return operation(storage)
        except Exception as exc:  # any storage failure: keep limiting, in memory
            if storage is self._fallback:
                raise
            with self._lock:
                self._dead_since = time.monotonic()
            log.warning("password throttle: rate-limit storage unreachable (%s); limiting in memory",
                        type(exc).__name__)
            return operation(self._fallback)

    # ------------------------------------------------------------------ the three rules

    def refusal(self, *, account: str, client: str) -> Refusal | None:
        """None when a password check for ``account`` from ``client`` may run now."""
        return self._run(lambda storage: self._refusal(storage, account, client))

    def _refusal(self, storage: Storage, account: str, client: str) -> Refusal | None:
        windows = FixedWindowRateLimiter(storage)
        if not windows.test(self._per_client, "pw-client", client):
            return Refusal(_until(windows.get_window_stats(self._per_client, "pw-client", client).reset_time),
                           "client")
        if not windows.test(self._per_pair, "pw-pair", account, client):
            stats = windows.get_window_stats(self._per_pair, "pw-pair", account, client)
            return Refusal(_until(stats.reset_time), "account-client")
        last_failure = storage.get(_last_key(account, client))
        if last_failure:
            delay = self.rules.delay_for(storage.get(_account_key(account)))
            wait = last_failure + delay - time.time()
            if wait > 0:
                return Refusal(math.ceil(wait), "backoff")
        return None

    def failed(self, *, account: str, client: str) -> None:
        """Count one failed password check."""
        self._run(lambda storage: self._failed(storage, account, client))

    def _failed(self, storage: Storage, account: str, client: str) -> None:
        windows = FixedWindowRateLimiter(storage)
        windows.hit(self._per_client, "pw-client", client)
        windows.hit(self._per_pair, "pw-pair", account, client)
        window = self.rules.backoff_window_hours * 3600
        storage.incr(_account_key(account), window)
        # The value of this key is the time of the client's last failure on the account (seconds).
        storage.clear(_last_key(account, client))
        storage.incr(_last_key(account, client), window, amount=int(time.time()))

    def succeeded(self, *, account: str, client: str) -> None:
        """The right password from this client: forget its own failures on the account (not the
        account's total, which only an attacker's clients keep raising)."""
        self._run(lambda storage: self._succeeded(storage, account, client))

    def _succeeded(self, storage: Storage, account: str, client: str) -> None:
        FixedWindowRateLimiter(storage).clear(self._per_pair, "pw-pair", account, client)
        storage.clear(_last_key(account, client))


def _account_key(account: str) -> str:
    return f"pw-account-failures/{account}"


def _last_key(account: str, client: str) -> str:
    return f"pw-last-failure/{account}/{client}"


def _until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


# ---------------------------------------------------------------------------- app wiring


def init_throttle(app: Flask) -> PasswordThrottle:
    security = app.extensions["meldpunt.settings"].security
    rules = ThrottleRules(
        per_client=security.login_limit_per_client,
        per_account_client=security.password_limit_per_account_client,
        backoff_after=security.password_backoff_after,
        backoff_max_seconds=security.password_backoff_max_seconds,
        backoff_window_hours=security.password_backoff_window_hours,
    )
    throttle = PasswordThrottle(security.ratelimit_storage_url, rules)
    app.extensions[EXTENSION_KEY] = throttle
    return throttle


def current_throttle() -> PasswordThrottle:
    return current_app.extensions[EXTENSION_KEY]


def account_key(keyring: Any, email: str) -> str:
    """The account's key: an HMAC of the normalised e-mail (the same key for login and re-authentication)."""
    return email_digest(keyring, email)[:32]


def client_key(keyring: Any, address: str | None) -> str:
    """The client's key: an HMAC of its address, so the storage holds no IP addresses."""
    _key_id, key = keyring.active_index_key()
    return hmac.new(key, b"password-client\x00" + (address or "unknown").encode("utf-8"), hashlib.sha256).hexdigest()[:32]
