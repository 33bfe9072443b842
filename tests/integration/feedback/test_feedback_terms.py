"""The queue's "wacht"/"te laat" tabs and the feedback pages share one definition of awaiting and overdue."""

from __future__ import annotations

from datetime import date, datetime, timezone

from meldpunt.extensions import db
from meldpunt.feedback.service import add_working_days, signals_awaiting_feedback
from meldpunt.intake.service import file_signal
from meldpunt.triage.queue import Tab, overdue_cutoff, tab_counts
from meldpunt.vault.service import current_keyring

TODAY = date(2026, 11, 25)  # a Wednesday


def _filed_on(day: date, *, wants_feedback: bool = True):
    signal = file_signal(db.session, keyring=current_keyring(), reporter=None, description="x",
                         now=datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc))
    signal.wants_feedback = wants_feedback
    return signal


def test_due_today_is_on_time_and_both_views_agree(app_any_db, users):
    with app_any_db.app_context():
        due_today = _filed_on(date(2026, 11, 18))  # + 5 working days = 25 November
        overdue = _filed_on(date(2026, 11, 17))  # due 24 November
        silent = _filed_on(date(2026, 11, 2), wants_feedback=False)  # asked for no feedback
        db.session.commit()
        assert add_working_days(date(2026, 11, 18), 5) == TODAY

        items = {i.signal.id: i for i in signals_awaiting_feedback(db.session, track="regulier", working_days=5,
                                                                  today=TODAY)}
        assert set(items) == {due_today.id, overdue.id}
        assert not items[due_today.id].overdue and items[overdue.id].overdue

        counts = tab_counts(db.session, track="regulier", user_id=users["regisseur"].id,
                            cutoff=overdue_cutoff(TODAY, working_days=5))
        assert counts[Tab.WAITING] == 2 and counts[Tab.OVERDUE] == 1
        assert counts[Tab.ALL] == 3
        del silent
