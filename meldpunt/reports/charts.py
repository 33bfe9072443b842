"""Server-side bar charts as plain SVG (rendered by ``templates/reports/_chart.html``): no JavaScript, no CDN.

Each chart carries a title, a one-sentence text summary and its numbers as a table beside it, so
the picture is never the only way to read a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext

BAR_HEIGHT = 18
GAP = 8
LABEL_WIDTH = 170
BAR_SPACE = 190


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    summary: str
    unit: str
    bars: list[Bar]
    height: int


def bar_chart(key: str, title: str, items: Sequence[tuple[str, float]], *, unit: str | None = None,
              shown: Sequence[str] | None = None) -> Chart:
    """Horizontal bars, longest = full width. ``shown``: the text per bar (defaults to the value).

    ``title``, the bars' labels and ``unit`` (a plural noun, default "meldingen") come in the page's
    language; the summary is composed in it (issue 22 item 9)."""
    unit = unit or gettext("meldingen")
    top = max((value for _label, value in items), default=0) or 1
    bars = [Bar(label=label, value=value, shown=(shown[i] if shown else _number(value)),
                y=i * (BAR_HEIGHT + GAP), width=round(BAR_SPACE * value / top, 1))
            for i, (label, value) in enumerate(items)]
    return Chart(key=key, title=title, summary=_summary(items, unit), unit=unit, bars=bars,
                 height=max(1, len(bars)) * (BAR_HEIGHT + GAP))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _summary(items: Sequence[tuple[str, float]], unit: str) -> str:
    if not items or not any(value for _l, value in items):
        return gettext("Geen %(unit)s in deze periode.", unit=unit)
    total = sum(value for _l, value in items)
    label, value = max(items, key=lambda item: item[1])
    return gettext("Samen %(total)s %(unit)s. Het meest: %(label)s (%(value)s).", total=_number(total), unit=unit,
                   label=label, value=_number(value))
