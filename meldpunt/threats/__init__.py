"""Threatened reporters: urgent signals, the first-contact term, the handler's reminder and the checklist."""
