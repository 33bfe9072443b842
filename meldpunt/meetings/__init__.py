"""Casusoverleg and LIO: meetings, proposals, agenda, packs, decisions and actions (see docs/meetings.md)."""
