"""Printable documents (PDF) rendered from the app's own HTML templates."""
