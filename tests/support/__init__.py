"""Helpers shared by the tests (not fixtures of their own: pytest collects nothing here).

- ``logins``: the whole login through the pages, TOTP included, with a clock the test can move.
- ``forms``: posting the filing forms with their CSRF token, sample files by content, the receipt code.
- ``meetings``: signals in a case, a planned meeting with members, the chair's and members' clients.
- ``report_rows``: metadata-only signal rows and independent counts over them, for the report tests.
- ``page_walk``: GET every page a person can reach by links.
- ``worker_stack``: a real SMTP server, Redis and Celery worker subprocesses (fixtures: import with ``*``).
- ``keys``: the real ``flask keys`` CLI, a signal with everything encrypted, and readers that decrypt it.

Filing a signal or building a row for a test goes through ``tests.factories``.
"""
