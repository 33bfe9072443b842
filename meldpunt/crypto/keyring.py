"""The keyring: key-encryption keys (KEKs) and blind-index keys.

The keyring lives outside the database, in a JSON file (mode 0600) or in an
environment variable. Its format::

    {
      "format": 1,
      "active_kek": "kek-2026-11-25-ab12cd",
      "keks": {"kek-2026-11-25-ab12cd": "<base64 of 32 bytes>"},
      "active_index_key": "idx-2026-11-25-0f9e8d",
      "index_keys": {"idx-2026-11-25-0f9e8d": "<base64 of 32 bytes>"}
    }

A :class:`Keyring` is treated as immutable: the ``with_*`` / ``without_*``
methods return modified copies. Key bytes never appear in ``repr()`` or in
error messages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeyNotFoundError, KeyringError

KEYRING_FORMAT = 1
KEY_LENGTH = 32  # bytes; AES-256 KEKs and HMAC-SHA256 index keys


def _new_key_id(prefix: str, existing: set[str] | dict[str, Any]) -> str:
    today = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    while True:
        key_id = f"{prefix}-{today}-{secrets.token_hex(3)}"
        if key_id not in existing:
            return key_id


def _check_keys(keys: dict[str, bytes], what: str, source: str) -> None:
    if not isinstance(keys, dict) or not keys:
        raise KeyringError(f"{source}: no {what}s")
    for key_id, key in keys.items():
        if not isinstance(key_id, str) or not key_id:
            raise KeyringError(f"{source}: {what} id must be a non-empty string")
        if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_LENGTH:
            raise KeyringError(
                f"{source}: {what} {key_id!r} must be {KEY_LENGTH} bytes"
                f" (got {len(key) if isinstance(key, (bytes, bytearray)) else type(key).__name__})"
            )


@dataclass
class Keyring:
    """KEKs (for wrapping data keys) and index keys (for blind indexes)."""

    keks: dict[str, bytes] = field(repr=False)
    active_kek_id: str
    index_keys: dict[str, bytes] = field(repr=False)
    active_index_key_id: str

    def __post_init__(self) -> None:
        self.keks = {k: bytes(v) if isinstance(v, bytearray) else v for k, v in dict(self.keks).items()}
        self.index_keys = {
            k: bytes(v) if isinstance(v, bytearray) else v for k, v in dict(self.index_keys).items()
        }
        self.validate("keyring")

    def validate(self, source: str = "keyring") -> None:
        """Raise :class:`KeyringError` unless the keyring is consistent."""
        _check_keys(self.keks, "KEK", source)
        _check_keys(self.index_keys, "index key", source)
        if self.active_kek_id not in self.keks:
            raise KeyringError(f"{source}: active KEK {self.active_kek_id!r} is not in keks")
        if self.active_index_key_id not in self.index_keys:
            raise KeyringError(
                f"{source}: active index key {self.active_index_key_id!r} is not in index_keys"
            )

    def __repr__(self) -> str:  # never show key material
        return (
            f"Keyring(keks={sorted(self.keks)}, active_kek_id={self.active_kek_id!r}, "
            f"index_keys={sorted(self.index_keys)}, active_index_key_id={self.active_index_key_id!r})"
        )

    # -- lookups ---------------------------------------------------------
    def active_kek(self) -> tuple[str, bytes]:
        return self.active_kek_id, self.keks[self.active_kek_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise KeyNotFoundError(f"KEK {kek_id!r} is not in the keyring") from None

    def active_index_key(self) -> tuple[str, bytes]:
        return self.active_index_key_id, self.index_keys[self.active_index_key_id]

    def index_key(self, key_id: str) -> bytes:
        try:
            return self.index_keys[key_id]
        except KeyError:
            raise KeyNotFoundError(f"index key {key_id!r} is not in the keyring") from None

    # -- rotation (copies) ----------------------------------------------
    def with_new_kek(self) -> Keyring:
        """Return a copy with a fresh random KEK that is made active."""
        kek_id = _new_key_id("kek", self.keks)
        return Keyring(
            keks={**self.keks, kek_id: AESGCM.generate_key(bit_length=256)},
            active_kek_id=kek_id,
            index_keys=dict(self.index_keys),
            active_index_key_id=self.active_index_key_id,
        )

    def without_kek(self, kek_id: str) -> Keyring:
        """Return a copy without ``kek_id``; refuses to drop the active KEK."""
        if kek_id == self.active_kek_id:
            raise KeyringError(f"refusing to remove the active KEK {kek_id!r}")
        if kek_id not in self.keks:
            raise KeyNotFoundError(f"KEK {kek_id!r} is not in the keyring")
        return Keyring(
            keks={k: v for k, v in self.keks.items() if k != kek_id},
            active_kek_id=self.active_kek_id,
            index_keys=dict(self.index_keys),
            active_index_key_id=self.active_index_key_id,
        )

    def with_new_index_key(self) -> Keyring:
        """Return a copy with a fresh random index key that is made active."""
        key_id = _new_key_id("idx", self.index_keys)
        return Keyring(
            keks=dict(self.keks),
            active_kek_id=self.active_kek_id,
            index_keys={**self.index_keys, key_id: os.urandom(KEY_LENGTH)},
            active_index_key_id=key_id,
        )

    def without_index_key(self, key_id: str) -> Keyring:
        """Return a copy without ``key_id``; refuses to drop the active index key."""
        if key_id == self.active_index_key_id:
            raise KeyringError(f"refusing to remove the active index key {key_id!r}")
        if key_id not in self.index_keys:
            raise KeyNotFoundError(f"index key {key_id!r} is not in the keyring")
        return Keyring(
            keks=dict(self.keks),
            active_kek_id=self.active_kek_id,
            index_keys={k: v for k, v in self.index_keys.items() if k != key_id},
            active_index_key_id=self.active_index_key_id,
        )


def generate_keyring() -> Keyring:
    """A new keyring with one random KEK and one random index key."""
    kek_id = _new_key_id("kek", {})
    idx_id = _new_key_id("idx", {})
    return Keyring(
        keks={kek_id: AESGCM.generate_key(bit_length=256)},
        active_kek_id=kek_id,
        index_keys={idx_id: os.urandom(KEY_LENGTH)},
        active_index_key_id=idx_id,
    )


# -- serialisation ---------------------------------------------------------

def dumps_keyring(keyring: Keyring) -> str:
    """The keyring as JSON text (contains secret keys!)."""
    doc = {
        "format": KEYRING_FORMAT,
        "active_kek": keyring.active_kek_id,
        "keks": {k: base64.b64encode(v).decode("ascii") for k, v in keyring.keks.items()},
        "active_index_key": keyring.active_index_key_id,
        "index_keys": {
            k: base64.b64encode(v).decode("ascii") for k, v in keyring.index_keys.items()
        },
    }
    return json.dumps(doc, indent=2) + "\n"


def _decode_keys(raw: Any, what: str, source: str) -> dict[str, bytes]:
    if not isinstance(raw, dict) or not raw:
        raise KeyringError(f"{source}: {what}s must be a non-empty object of id -> base64 key")
    keys: dict[str, bytes] = {}
    for key_id, value in raw.items():
        if not isinstance(value, str):
            raise KeyringError(f"{source}: {what} {key_id!r} is not a base64 string")
        try:
            key = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(f"{source}: {what} {key_id!r} is not valid base64") from None
        if len(key) != KEY_LENGTH:
            raise KeyringError(
                f"{source}: {what} {key_id!r} has the wrong length "
                f"({len(key)} bytes, expected {KEY_LENGTH})"
            )
        keys[key_id] = key
    return keys


def _parse_keyring(text: str, source: str) -> Keyring:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise KeyringError(f"{source} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    if not isinstance(doc, dict):
        raise KeyringError(f"{source} must contain a JSON object")
    if doc.get("format") != KEYRING_FORMAT:
        raise KeyringError(
            f"{source}: unsupported keyring format {doc.get('format')!r} (expected {KEYRING_FORMAT})"
        )
    for name in ("active_kek", "keks", "active_index_key", "index_keys"):
        if name not in doc:
            raise KeyringError(f"{source}: missing field {name!r}")
    if not isinstance(doc["active_kek"], str) or not isinstance(doc["active_index_key"], str):
        raise KeyringError(f"{source}: active_kek and active_index_key must be strings")
    keks = _decode_keys(doc["keks"], "KEK", source)
    index_keys = _decode_keys(doc["index_keys"], "index key", source)
    if doc["active_kek"] not in keks:
        raise KeyringError(f"{source}: active KEK {doc['active_kek']!r} is not in keks")
    if doc["active_index_key"] not in index_keys:
        raise KeyringError(
            f"{source}: active index key {doc['active_index_key']!r} is not in index_keys"
        )
    return Keyring(
        keks=keks,
        active_kek_id=doc["active_kek"],
        index_keys=index_keys,
        active_index_key_id=doc["active_index_key"],
    )


def load_keyring(path: str | os.PathLike[str]) -> Keyring:
    """Load the keyring file at ``path``.

    Refuses (with :class:`KeyringError`) a missing, unreadable or malformed
    file, keys of the wrong length, and a file that grants any permission to
    group or others.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise KeyringError(f"keyring {name} not found") from None
    except PermissionError:
        raise KeyringError(f"keyring {name} is not readable by this user (permission denied)") from None
    except OSError as exc:
        raise KeyringError(f"keyring {name} cannot be opened: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise KeyringError(f"keyring {name} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise KeyringError(
                f"keyring {name} is readable by group or others (mode {mode:04o}); run chmod 600"
            )
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as exc:
        raise KeyringError(f"keyring {name} cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise KeyringError(f"keyring {name} is not UTF-8 text") from None
    return _parse_keyring(text, f"keyring {name}")


def load_keyring_from_env_value(value: str) -> Keyring:
    """Load a keyring from an environment variable's value: the JSON itself or base64 of it."""
    source = "keyring from environment"
    text = (value or "").strip()
    if not text:
        raise KeyringError(f"{source} is empty")
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise KeyringError(f"{source} is neither JSON nor base64 of JSON") from None
    return _parse_keyring(text, source)


def write_keyring(path: str | os.PathLike[str], keyring: Keyring) -> None:
    """Atomically write ``keyring`` to ``path`` with mode 0600.

    A temporary file is created next to the target with O_EXCL and mode 0600,
    written, fsynced and renamed over the target; the directory is fsynced.
    """
    keyring.validate("keyring")
    name = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(name)
    data = dumps_keyring(keyring).encode("utf-8")
    tmp = os.path.join(directory, f".{os.path.basename(name)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise KeyringError(f"keyring {name} cannot be written: {exc.strerror}") from None
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise KeyringError(f"keyring {name} cannot be written: {exc.strerror}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
