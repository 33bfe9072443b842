"""Celery workers: thin tasks that load a row by id, do one thing, and are idempotent."""
