"""Jinja helpers every template may use: the ARIA attributes of a form control and Dutch number formats.

- ``control_attrs(field, help=False, **extra)``: the keyword arguments for rendering a WTForms field,
  with ``aria-describedby`` / ``aria-invalid`` only when they apply. WTForms writes every value it
  gets into the HTML, ``None`` included (``aria-invalid="None"``), so absent attributes are left out.
- ``|file_size``: a size in bytes in Dutch notation, e.g. ``0,6 kB`` or ``2,5 MB``.
- ``can(action, obj=None)`` is registered by ``meldpunt.web`` (it asks ``meldpunt.policy``).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Flask

KIB = 1024
MIB = 1024 * 1024


def control_attrs(field: Any, help: bool = False, **extra: Any) -> dict[str, Any]:  # noqa: A002 - Jinja keyword
    """Attributes for ``field(**attrs)``: describedby (help text, error) and invalid only when present.

    A length limit becomes ``data-maxlength`` (for the character counter), never ``maxlength``.
    """
    described = []
    if help:
        described.append(f"{field.id}-help")
    if field.errors:
        described.append(f"{field.id}-error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    maxlength = getattr(getattr(field, "flags", None), "maxlength", None)
    if maxlength:
        # No maxlength attribute: a browser would cut pasted text off silently. The limit goes to the
        # character counter (static/js/counter.js) and the server says when a text is too long.
        attrs["maxlength"] = False
        attrs["data-maxlength"] = maxlength
    attrs.update({key: value for key, value in extra.items() if value is not None and value is not False})
    return attrs


def _dutch_number(value: float, decimals: int) -> str:
    """``1234.5`` -> ``1.234,5`` (point for thousands, comma for decimals, no trailing ``,0``)."""
    text = f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def file_size(size: int | None) -> str:
    """Bytes in Dutch notation: ``0 kB``, ``0,6 kB``, ``12,3 kB``, ``512 kB``, ``2,5 MB``, ``10 MB``.

    A non-empty file is at least ``0,1 kB`` (never shown as empty); kilobytes and megabytes are
    binary (1 kB = 1024 bytes), as the upload limits are.
    """
    size = int(size or 0)
    if size <= 0:
        return "0 kB"
    if size >= MIB:
        return f"{_dutch_number(math.ceil(size / MIB * 10) / 10, 1)} MB"
    return f"{_dutch_number(max(math.ceil(size / KIB * 10) / 10, 0.1), 1)} kB"


def register_templating(app: Flask) -> None:
    app.add_template_global(control_attrs, "control_attrs")
    app.add_template_filter(file_size, "file_size")
