"""Helpers for the key-management and shredding tests: a signal with everything encrypted
hanging off it, a config.toml for the real ``flask --app meldpunt keys …`` CLI, and readers
that decrypt it all again (raising ShreddedError / DecryptionError / KeyNotFoundError)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.intake.models import Attachment, MessageSender
from meldpunt.signals.models import Signal
from meldpunt.intake.service import file_signal
from meldpunt.vault.service import cipher_for, unseal, unseal_json

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


# ------------------------------------------------------------------ the real CLI


def write_config_toml(app) -> Path:
    """A config.toml in the app's instance folder with the app's own settings (for subprocesses)."""
    settings = app.extensions["meldpunt.settings"]
    path = Path(settings.instance_path) / "config.toml"
    path.write_text(
        "\n".join(
            [
                "[app]",
                f'secret_key = "{settings.secret_key}"',
                "[database]",
                f'url = "{settings.database_url}"',
                "[broker]",
                'url = "redis://127.0.0.1:1/0"',
                "[crypto]",
                f'keyring_file = "{settings.keyring_file}"',
                "[uploads]",
                f'folder = "{settings.uploads.folder}"',
                "",
            ]
        )
    )
    path.chmod(0o600)  # the app refuses a config file others can read
    return path


def run_keys(
    config: Path, *args: str, check: bool = True, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``flask --app meldpunt keys <args>`` in a fresh process with MELDPUNT_CONFIG=config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env["MELDPUNT_CONFIG"] = str(config)
    result = subprocess.run(
        [FLASK, "--app", "meldpunt", "keys", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )
    if check:
        assert result.returncode == 0, f"keys {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


# ------------------------------------------------------------------ building encrypted content


@dataclass(frozen=True)
class Content:
    """Plaintext of one signal as the test wrote it, to compare with what decrypts."""

    signal_id: uuid.UUID
    description: str
    subjects: dict[uuid.UUID, dict]
    messages: dict[uuid.UUID, str]
    attachments: dict[uuid.UUID, tuple[str, bytes]]  # id -> (file name, bytes)
    notes: dict[uuid.UUID, str]  # enrichment notes (content)


def add_attachment(session, *, keyring, signal: Signal, filename: str, data: bytes) -> Attachment:
    """Through intake's own upload path: streamed encryption under the signal's DEK."""
    from flask import current_app

    from meldpunt.intake.attachments import Upload, store_attachment

    return store_attachment(
        session, keyring=keyring, signal=signal,
        cipher=cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id),
        upload=Upload(filename=filename, stream=io.BytesIO(data)),
        settings=current_app.extensions["meldpunt.settings"].uploads,
    )


def make_signal(session, *, keyring, reporter=None, handler=None, n: int = 0, attachments: int = 1) -> Content:
    """A signal with a description, two subjects (with blind indexes), a message, files and,
    when a ``handler`` is given, an enrichment note."""
    from meldpunt.intake.messages import post_message
    from meldpunt.intake.subjects import add_subject

    description = " ".join([f"Melding {n}: een kapperszaak zonder klanten met veel contant geld."] * 3)
    signal = file_signal(session, keyring=keyring, reporter=reporter, description=description)
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    subjects = {}
    for kind, data in (("bedrijf", {"name": f"Kapsalon Knip {n} B.V.", "kvk": f"{10000000 + n}"}),
                       ("persoon", {"name": f"Jan de Vries {n}"})):
        subject = add_subject(session, keyring=keyring, signal=signal, cipher=cipher, kind=kind, **data)
        subjects[subject.id] = unseal_json(cipher, subject, "data")
    message = post_message(session, keyring=keyring, signal=signal, sender=MessageSender.HANDLER, author=None,
                           body=f"Dank voor uw melding {n}.")
    files = {}
    for i in range(attachments):
        data = (f"Notitie {n}-{i}: " + "kasgeld " * (1 + 9_000 * i)).encode()  # the second spans two stream chunks
        name = f"notitie-{n}-{i}.txt"
        files[add_attachment(session, keyring=keyring, signal=signal, filename=name, data=data).id] = (name, data)
    notes = {}
    if handler is not None:
        from datetime import date

        from meldpunt.triage.enrichment import add_enrichment_note

        note = add_enrichment_note(
            session, keyring=keyring, signal=signal, actor=session.merge(handler), register="vergunningen",
            consulted_on=date(2026, 1, 5), source="Vergunningenregister", legal_basis="Wet Bibob art. 7",
            content=f"Exploitatievergunning {n} aangevraagd door een stroman.",
        )
        notes[note.id] = f"Exploitatievergunning {n} aangevraagd door een stroman."
    session.flush()
    return Content(signal.id, description, subjects, {message.id: f"Dank voor uw melding {n}."}, files, notes)


def read_everything(session, *, keyring, signal_id: uuid.UUID, uploads: Path) -> Content:
    """Decrypt every field and file of a signal (raises when anything cannot be decrypted)."""
    from meldpunt.intake.attachments import open_attachment
    from meldpunt.triage.models import EnrichmentNote

    signal = session.get(Signal, signal_id)
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    files = {}
    for attachment in signal.attachments:
        filename, _mime, chunks = open_attachment(session, keyring=keyring, attachment=attachment, folder=uploads)
        files[attachment.id] = (filename, b"".join(chunks))
    return Content(
        signal.id,
        unseal(cipher, signal, "description"),
        {s.id: unseal_json(cipher, s, "data") for s in signal.subjects},
        {m.id: unseal(cipher, m, "body") for m in signal.messages},
        files,
        {note.id: unseal(cipher, note, "content") for note in session.scalars(
            select(EnrichmentNote).where(EnrichmentNote.signal_id == signal.id))},
    )


def make_user_with_totp(session, *, keyring, email: str) -> tuple[int, str]:
    """An account with a TOTP secret (encrypted under the account's own data key)."""
    from meldpunt.auth.models import Role
    from meldpunt.auth.service import create_user
    from meldpunt.auth.totp import current_step, new_secret, store_secret

    user = create_user(session, email=email, name="Tessa TOTP", role=Role.REGISSEUR, password="correct horse battery staple")
    secret = new_secret()
    store_secret(session, keyring=keyring, user=user, secret=secret, confirmed_step=current_step())
    session.flush()
    return user.id, secret


def read_totp_secret(session, *, keyring, user_id: int) -> str | None:
    from meldpunt.auth.models import User
    from meldpunt.auth.totp import read_secret

    return read_secret(session, keyring=keyring, user=session.get(User, user_id))


__all__ = [
    "Content", "add_attachment", "db", "make_signal", "make_user_with_totp", "read_everything",
    "read_totp_secret", "run_keys", "write_config_toml",
]
