"""Per-signal and per-case data keys (envelope encryption), bridging ``meldpunt.crypto`` and the database."""
