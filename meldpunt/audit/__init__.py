"""Append-only, hash-chained audit trail (metadata only, never content)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Write each request's refusals and not-found ids after its response has been sent."""
    from meldpunt.audit import requests

    requests.init_app(app)
