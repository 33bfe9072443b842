"""First-run setup for one machine: write instance/config.toml and a keyring with fresh secrets if absent.

Run as ``python -m meldpunt.bootstrap [instance-dir]``. Never overwrites an existing file.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from meldpunt.crypto import generate_keyring, write_keyring

CONFIG_TEMPLATE = """# Meldpunt configuration for this machine, written by `make run` on first start.
# Every setting is documented in config.example.toml. Relative paths are relative to this folder.

[app]
secret_key = "{secret_key}"
base_url = "http://127.0.0.1:5000"
organisation = "Gemeente Voorbeeld"

[database]
url = "sqlite:///meldpunt.sqlite"

[broker]
url = "redis://127.0.0.1:6379/0"
fallback_url = "sqla+sqlite:///celery-broker.sqlite"

[crypto]
keyring_file = "keyring.json"

[mail]
# The local run starts a small SMTP catcher on this port that prints to the terminal
# that a message arrived (never its content).
host = "127.0.0.1"
port = 8025
sender = "meldpunt@localhost"

[uploads]
folder = "uploads"

[security]
behind_tls = false
ratelimit_storage_url = "memory://"
"""


def bootstrap(instance: Path) -> list[str]:
    """Create what is missing; returns human-readable lines of what was done."""
    done: list[str] = []
    instance.mkdir(parents=True, exist_ok=True)
    os.chmod(instance, 0o700)
    config = instance / "config.toml"
    if not config.exists():
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(CONFIG_TEMPLATE.format(secret_key=secrets.token_urlsafe(48)))
        done.append(f"wrote {config} with a fresh secret key")
    keyring = instance / "keyring.json"
    if not keyring.exists():
        write_keyring(keyring, generate_keyring())
        done.append(f"wrote {keyring} (mode 0600) with fresh keys; back it up separately from the database")
    (instance / "uploads").mkdir(exist_ok=True, mode=0o700)
    return done


def main(argv: list[str]) -> int:
    instance = Path(argv[1] if len(argv) > 1 else "instance").resolve()
    for line in bootstrap(instance):
        print(f"meldpunt: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
