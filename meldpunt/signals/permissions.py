"""Who may see a melding (need-to-know), registered with ``meldpunt.policy``.

- the reporter sees their own melding (``VIEW_OWN_SIGNAL``; anonymous reporters reach theirs by receipt code,
  not through an account);
- a handler reads, decides on and may reveal the reporter of the meldingen of their own track only
  (``HANDLER_TRACKS``: regisseur → regulier, integriteitscoördinator → integriteit);
- nobody else: not the beheerder, not management, not the voorzitter (who sees agenda items, see
  ``meldpunt.meetings.permissions``).
"""

from __future__ import annotations

from typing import Any

from meldpunt.policy import Action, register_rule
from meldpunt.signals.models import Signal, handler_track


@register_rule(Signal)
def can_signal(user: Any, action: Action, signal: Signal) -> bool:
    if action == Action.VIEW_OWN_SIGNAL:
        return signal.reporter_id is not None and signal.reporter_id == user.id
    if action in (Action.HANDLE_SIGNAL, Action.VIEW_REPORTER_IDENTITY):
        return handler_track(user) == signal.track
    return False
