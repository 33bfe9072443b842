"""Exceptions raised by :mod:`meldpunt.crypto`.

No message produced here ever contains plaintext or key material.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for every error raised by meldpunt.crypto."""


class KeyringError(CryptoError):
    """The keyring file or value is missing, unreadable, malformed or unsafe.

    The message is one line naming the file (if any) and the problem.
    """


class DecryptionError(CryptoError):
    """Integrity check failed: wrong key, wrong associated data, or tampering.

    The message starts with "integrity check failed" and names the context
    (table/column/row id, stream context, key reference) but never plaintext.
    """


class KeyNotFoundError(CryptoError):
    """A key id is not (or no longer) present in the keyring."""


class PlaintextTooLarge(CryptoError):
    """More plaintext than the caller's ``max_bytes`` limit was read."""
