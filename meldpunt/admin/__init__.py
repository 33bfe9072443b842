"""Functioneel beheer: accounts, roles, taxonomy and the audit trail's metadata. Never signal content."""
