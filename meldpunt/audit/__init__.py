"""Append-only, hash-chained audit trail (metadata only, never content)."""
