"""The melding at the core (``Signal``, its statuses, tracks, history and the status machine).

Below intake, triage, cases, meetings, feedback, the vault's users, retention and reports; imports none of them.
"""
