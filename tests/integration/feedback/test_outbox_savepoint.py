"""After-commit work waits for the real commit, not for a released SAVEPOINT.

SQLAlchemy calls ``after_commit`` also when a ``begin_nested()`` block releases its SAVEPOINT,
while the outer transaction is still open. Publishing a notice then would hand the worker an id it
cannot see yet, and on SQLite the "left for the sweep" bookkeeping waited for the outer
transaction's write lock (about 30 s per publish). ``meldpunt.database.savepoint_released`` keeps
the outbox, the pack jobs and the checkpoint lines for the real commit.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback import outbox
from meldpunt.feedback.models import Notice
from tests.conftest import make_users


def test_notice_is_published_after_the_real_commit_not_when_a_savepoint_is_released(app_any_db, monkeypatch):
    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal

    app = app_any_db
    make_users(app)
    published: list[list[int]] = []
    monkeypatch.setattr(outbox, "publish_notices",
                        lambda _app, ids, **_kw: published.append(sorted(ids)) or list(ids))
    with app.app_context():
        reporter = db.session.scalar(sa.select(User).where(User.role == "melder"))
        signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                             description=f"Vreemde geldstromen {secrets.token_hex(4)}")
        db.session.flush()
        with db.session.begin_nested():  # e.g. the retry loop of a reference number
            db.session.flush()
        assert published == []  # the outer transaction is still open: nothing goes to the broker yet
        db.session.commit()
        notice_ids = sorted(db.session.scalars(sa.select(Notice.id).where(Notice.signal_id == signal.id)))
        db.session.remove()
    assert notice_ids and published == [notice_ids]  # once, after the commit
