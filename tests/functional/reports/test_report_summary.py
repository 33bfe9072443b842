"""The dashboard's summary (meldpunt/reports/summary.py): the figures read from it equal the figures
computed live on the same data, on SQLite and PostgreSQL; refreshing it is idempotent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from meldpunt.extensions import db
from tests.support.report_rows import Row, insert_signals, rows_strategy

TODAY = date(2026, 7, 10)  # January .. June are closed months; July is read live
PERIODS = [(date(2026, 1, 1), date(2027, 1, 1)), (date(2026, 2, 15), date(2026, 6, 20)),
           (date(2026, 3, 1), date(2026, 5, 1)), (date(2026, 8, 1), date(2026, 9, 1))]


def _clear(app) -> None:
    from meldpunt.reports.models import ReportLeadTimeHours, ReportMonthCount, ReportSummaryState
    from meldpunt.signals.models import Signal

    with app.app_context():
        for model in (Signal, ReportMonthCount, ReportLeadTimeHours, ReportSummaryState):
            db.session.execute(db.delete(model))
        db.session.commit()


def _assert_summary_equals_live(session, *, today: date) -> None:
    from meldpunt.reports import figures, summary
    from meldpunt.reports.figures import Filters, Period

    for start, end in PERIODS:
        period = Period(start, end)
        for filters in (Filters(), Filters(track="integriteit"), Filters(track="regulier"),
                        Filters(phenomenon="drugs")):
            live = figures.dashboard(session, period=period, filters=filters, today=today, working_days=5,
                                     use_summary=False)
            saved = figures.dashboard(session, period=period, filters=filters, today=today, working_days=5)
            assert replace(saved, lead_times={}) == replace(live, lead_times={}), (period, filters)
            for name, lead in live.lead_times.items():
                got = saved.lead_times[name]
                assert got.count == lead.count
                for mine, theirs in ((got.median_days, lead.median_days), (got.p90_days, lead.p90_days)):
                    # lead times here are whole hours, so the histogram holds them exactly; only a value on
                    # a rounding tie (x.x5 days) may be shown one step apart (float noise of either path)
                    assert (mine is None and theirs is None) or abs(mine - theirs) <= 0.1 + 1e-9, (name, period)
            whole_closed = start.day == 1 and end <= today.replace(day=1) and not filters.phenomenon
            if whole_closed:  # read from the summary alone, no live part
                part = summary.split(session, period=period, filters=filters, today=today)
                assert (part.start, part.end) == (start, end)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy)
def test_dashboard_from_the_summary_equals_the_live_dashboard(app_any_db, rows):
    from meldpunt.reports import summary

    app = app_any_db
    _clear(app)
    with app.app_context():
        insert_signals(db.session, rows)
        db.session.commit()
        assert summary.refresh(db.session, today=TODAY, working_days=5) == "2026-06"
        db.session.commit()
        _assert_summary_equals_live(db.session, today=TODAY)


def _day_rows() -> list[Row]:
    """Lead times in whole days and hours across closed months and the live one."""
    base = datetime(2026, 1, 3, 9, 15, tzinfo=timezone.utc)
    return [Row(base + timedelta(days=13 * i, hours=i % 5), ["drugs", None, "vastgoed"][i % 3],
                ["vergunningen", None][i % 2], ["vth", "burgerzaken", None][i % 3],
                ["intern_formulier", "telefoon"][i % 2], "integriteit" if i % 4 == 0 else "regulier",
                ["ontvangen", "afgesloten", "in_behandeling"][i % 3], i % 3 != 0,
                timedelta(days=i % 9) if i % 2 else None, timedelta(hours=5 * i) if i % 5 else None,
                timedelta(days=3 + i % 40, hours=i % 7) if i % 3 == 1 else None) for i in range(16)]


def test_summary_refresh_is_idempotent_and_follows_changes(app_any_db):
    from meldpunt.reports import summary
    from meldpunt.reports.models import ReportLeadTimeHours, ReportMonthCount, ReportSummaryState
    from meldpunt.signals.models import Signal

    app = app_any_db
    _clear(app)

    def rows() -> tuple[list, list]:
        counts = db.session.execute(select(ReportMonthCount.month, ReportMonthCount.track, ReportMonthCount.dimension,
                                           ReportMonthCount.key, ReportMonthCount.count)
                                    .order_by(*ReportMonthCount.__table__.primary_key.columns)).all()
        hours = db.session.execute(select(ReportLeadTimeHours.month, ReportLeadTimeHours.track,
                                          ReportLeadTimeHours.kind, ReportLeadTimeHours.hours,
                                          ReportLeadTimeHours.count)
                                   .order_by(*ReportLeadTimeHours.__table__.primary_key.columns)).all()
        return [tuple(r) for r in counts], [tuple(r) for r in hours]

    with app.app_context():
        insert_signals(db.session, _day_rows())
        db.session.commit()
        summary.refresh(db.session, today=TODAY, working_days=5)
        db.session.commit()
        first = rows()
        assert first[0] and first[1]
        assert all(month <= "2026-06" for month, *_rest in first[0] + first[1])  # the live month is not summarised
        summary.refresh(db.session, today=TODAY, working_days=5)
        db.session.commit()
        assert rows() == first
        assert db.session.scalar(select(ReportSummaryState.through)) == "2026-06"
        _assert_summary_equals_live(db.session, today=TODAY)

        # a signal of a closed month is closed later: the next refresh counts it, and only then
        signal = db.session.scalars(select(Signal).where(Signal.status == "ontvangen",
                                                         Signal.created_at < datetime(2026, 6, 1, tzinfo=timezone.utc))
                                    .order_by(Signal.created_at)).first()
        signal.status, signal.closed_at = "afgesloten", signal.created_at + timedelta(days=2)
        db.session.commit()
        assert rows() == first
        # until the next refresh the dashboard shows the summary's figures of that month, not the live ones
        from meldpunt.reports import figures
        from meldpunt.reports.figures import Filters, Period

        year = Period(date(2026, 1, 1), date(2027, 1, 1))
        part = summary.split(db.session, period=year, filters=Filters(), today=TODAY)
        assert (part.start, part.end) == (date(2026, 1, 1), date(2026, 7, 1))
        stale = figures.dashboard(db.session, period=year, filters=Filters(), today=TODAY, working_days=5)
        live = figures.dashboard(db.session, period=year, filters=Filters(), today=TODAY, working_days=5,
                                 use_summary=False)
        assert stale.by_status["afgesloten"] == live.by_status["afgesloten"] - 1
        assert stale.lead_times["closed"].count == live.lead_times["closed"].count - 1
        summary.refresh(db.session, today=TODAY, working_days=5)
        db.session.commit()
        assert rows() != first
        _assert_summary_equals_live(db.session, today=TODAY)

        # a later month: the summary moves on and still agrees
        summary.refresh(db.session, today=date(2026, 12, 1), working_days=5)
        db.session.commit()
        assert db.session.scalar(select(ReportSummaryState.through)) == "2026-11"
        _assert_summary_equals_live(db.session, today=date(2026, 12, 1))


def test_histogram_percentile_is_percentile_cont_over_whole_hours():
    from collections import Counter

    from meldpunt.reports.figures import percentile_cont
    from meldpunt.reports.summary import histogram_percentile

    values = [0, 3, 3, 7, 24, 24, 24, 50, 51, 400]
    for fraction in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert histogram_percentile(Counter(values), fraction) == percentile_cont(values, fraction)
    assert histogram_percentile(Counter(), 0.5) is None


def test_flask_reports_refresh_and_the_beat_task(app):
    from meldpunt.reports.models import ReportMonthCount, ReportSummaryState

    with app.app_context():
        insert_signals(db.session, _day_rows())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    today = datetime.now(timezone.utc).date()
    previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert result.output.strip() == f"report summary refreshed through {previous}"
    with app.app_context():
        assert db.session.scalar(select(ReportSummaryState.through)) == previous
        assert db.session.scalar(select(db.func.sum(ReportMonthCount.count))
                                 .where(ReportMonthCount.dimension == "status")) == len(_day_rows())
        db.session.execute(db.delete(ReportMonthCount))
        db.session.commit()
        from workers.reports import refresh_report_summary

        assert refresh_report_summary.run() == previous
        db.session.remove()
        assert db.session.scalar(select(db.func.sum(ReportMonthCount.count))
                                 .where(ReportMonthCount.dimension == "status")) == len(_day_rows())
    celery = app.extensions["celery"]
    assert "workers.reports.refresh_report_summary" in celery.tasks
    assert any(entry["task"] == "workers.reports.refresh_report_summary"
               for entry in celery.conf.beat_schedule.values())
