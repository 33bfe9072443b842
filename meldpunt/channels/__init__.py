"""Every way a signal arrives besides the employee's form: registration by the handler (phone, e-mail,
letter, conversation, ketenpartner, BOA, inwoner, ondernemer), Meld Misdaad Anoniem tips, and the public
anonymous form for inwoners and ondernemers (docs/channels.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from meldpunt.channels.views import bp

    app.register_blueprint(bp)
