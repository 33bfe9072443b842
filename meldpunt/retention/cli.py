"""`flask --app meldpunt retention …`: run the retention job (or a dry run) and see what expires soon."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("retention", help="Retention terms: shred expired meldingen, see what expires soon.")
def retention_cli() -> None:
    pass


def _settings():
    from flask import current_app

    return current_app.extensions["meldpunt.settings"]


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list what would be shredded; change nothing.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Signals per transaction.")
@with_appcontext
def retention_run(dry_run: bool, batch_size: int | None) -> None:
    """Crypto-shred every melding whose retention term has passed (not held, not kept longer)."""
    from meldpunt.database import utcnow
    from meldpunt.extensions import db
    from meldpunt.retention.service import count_expired, expired_signals, local_date, run_retention

    settings = _settings()
    terms = settings.retention
    now = utcnow()
    total = count_expired(db.session, now=now, terms=terms)
    if dry_run:
        with click.progressbar(expired_signals(db.session, now=now, terms=terms), length=total,
                               label="checking") as signals:
            lines = [f"{s.reference}\t{s.status}\tclosed {local_date(s.closed_at) if s.closed_at else '-'}"
                     for s in signals]
        db.session.rollback()
        for line in lines:
            click.echo(line)
        click.echo(f"dry run: {total} melding(en) would be shredded; nothing was changed")
        return
    with click.progressbar(length=total, label="shredding") as bar:
        outcome = run_retention(db.session, terms=terms, actor_label="cli", now=now, batch_size=batch_size,
                                uploads_folder=settings.uploads.folder, on_batch=bar.update)
    for reference in outcome.shredded:
        click.echo(reference)
    click.echo(f"shredded {len(outcome.shredded)} melding(en) and {len(outcome.cases)} casus(sen) "
               f"(run {outcome.run_id})")


@retention_cli.command("status")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Look this many days ahead.")
@with_appcontext
def retention_status(days: int | None) -> None:
    """Meldingen that expire in the coming days (default: the warning period, 30 days)."""
    from meldpunt.database import utcnow
    from meldpunt.extensions import db
    from meldpunt.retention.service import count_expired, expiring_soon, expiry_of, local_date

    terms = _settings().retention
    now = utcnow()
    today = local_date(now)
    ahead = days or terms.warning_days
    soon = expiring_soon(db.session, now=now, terms=terms, days=ahead)
    for signal in soon:
        expiry = expiry_of(db.session, signal=signal, terms=terms, today=today)
        click.echo(f"{signal.reference}\t{signal.status}\texpires {expiry.expires_on}")
    click.echo(f"{len(soon)} melding(en) expire in the coming {ahead} days; "
               f"{count_expired(db.session, now=now, terms=terms)} have expired and wait for the next run")
    db.session.rollback()
