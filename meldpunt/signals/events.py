"""What other packages hear about a melding, as blinker signals (the mechanism Flask's own signals use).

The signals core sends these; a package above it connects a receiver from its own module, so the core never
imports the packages that react (cases, approvals, feedback). Every receiver runs in the caller's
transaction and gets the session as a keyword argument.

- ``status_moving`` (sender: the Signal; ``session``, ``transition``, ``path``): before anything changes. A
  receiver refuses the move by raising ``TransitionError`` (cases: "this melding belongs to an open casus").
- ``approval_checking`` (sender: the Signal; ``session``, ``approval``): on the approval path. A receiver
  answers True when it knows the approval's kind and the approval covers this signal; no True means refused.
- ``track_changing`` (sender: the Signal; ``session``, ``new_track``): the melding leaves its track. A
  receiver may return a dict of audit details (cases: the casus it left).
- ``status_changed`` (sender: the Signal; ``session``, ``transition``, ``change``): after the move, before the
  audit entry (feedback queues the reporter's notice the table names).
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

status_moving = _events.signal("status-moving")
approval_checking = _events.signal("approval-checking")
track_changing = _events.signal("track-changing")
status_changed = _events.signal("status-changed")
