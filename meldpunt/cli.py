"""`flask --app meldpunt …` commands: users, demo data, keys, audit."""

from __future__ import annotations

import os
import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from meldpunt.auth.models import Role, User
from meldpunt.auth.service import AccountError, create_user
from meldpunt.extensions import db

user_cli = AppGroup("user", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
reports_cli = AppGroup("reports", help="The dashboard's summary.")

DEMO_USERS = [
    (Role.MELDER, "melder@demo.meldpunt.local", "Mila Melder", "burgerzaken"),
    (Role.REGISSEUR, "regisseur@demo.meldpunt.local", "Rik Regisseur", "bestuur"),
    (Role.VOORZITTER, "voorzitter@demo.meldpunt.local", "Vera Voorzitter", "bestuur"),
    (Role.DEELNEMER, "deelnemer@demo.meldpunt.local", "Daan Deelnemer", "handhaving"),
    (Role.INTEGRITEIT, "integriteit@demo.meldpunt.local", "Iris Integriteit", "bestuur"),
    (Role.BEHEERDER, "beheerder@demo.meldpunt.local", "Bas Beheerder", "overig"),
    (Role.MANAGEMENT, "management@demo.meldpunt.local", "Mariska Management", "bestuur"),
]


def _read_password() -> str:
    if os.environ.get("MELDPUNT_PASSWORD"):
        return os.environ["MELDPUNT_PASSWORD"]
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", default=None)
def user_create(email: str, name: str, role: str, department: str | None) -> None:
    """Create a local account; the password comes from stdin or MELDPUNT_PASSWORD.

    On the server every role is given at once, also a content role (the first regisseur);
    in the application a content role needs a second person's approval."""
    password = _read_password()
    try:
        user = create_user(db.session, email=email, name=name, role=role, password=password, department=department)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    from meldpunt.audit.service import record

    record(db.session, action="user.create", actor_label="cli", object_type="user", object_id=user.id,
           details={"role": role})
    db.session.commit()
    click.echo(f"created user {user.id} {user.email} ({user.role})")


@user_cli.command("list")
def user_list() -> None:
    """List accounts (no secrets)."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "enabled" if user.is_enabled else "disabled"
        click.echo(f"{user.id:>4}  {user.email:<40} {user.role:<12} {state}")


def _user_by_email(email: str) -> User:
    from meldpunt.auth.service import normalise_email

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no account with e-mail {email}")
    return user


def _cli_audit(action: str, user: User) -> None:
    from meldpunt.audit.service import record

    record(db.session, action=action, actor_label="cli", object_type="user", object_id=user.id)


@user_cli.command("disable")
@click.option("--email", required=True)
def user_disable(email: str) -> None:
    """Block an account; all its sessions end at once."""
    from meldpunt.auth.service import set_enabled

    user = _user_by_email(email)
    set_enabled(db.session, user=user, enabled=False)
    _cli_audit("user.disable", user)
    db.session.commit()
    click.echo(f"disabled user {user.id}")


@user_cli.command("enable")
@click.option("--email", required=True)
def user_enable(email: str) -> None:
    from meldpunt.auth.service import set_enabled

    user = _user_by_email(email)
    set_enabled(db.session, user=user, enabled=True)
    _cli_audit("user.enable", user)
    db.session.commit()
    click.echo(f"enabled user {user.id}")


@user_cli.command("reset-totp")
@click.option("--email", required=True)
def user_reset_totp(email: str) -> None:
    """Remove the second factor (lost phone and codes); the user sets up a new app at the next login."""
    from meldpunt.auth.sessions import revoke_all_sessions
    from meldpunt.auth.service import clear_totp

    user = _user_by_email(email)
    clear_totp(db.session, user=user)
    revoke_all_sessions(db.session, user=user)
    _cli_audit("user.totp_reset", user)
    db.session.commit()
    click.echo(f"second factor removed for user {user.id}")


@user_cli.command("set-password")
@click.option("--email", required=True)
def user_set_password(email: str) -> None:
    """Set a new password (stdin or MELDPUNT_PASSWORD); all sessions of the account end."""
    from meldpunt.auth.service import set_password

    user = _user_by_email(email)
    try:
        set_password(db.session, user=user, password=_read_password())
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    _cli_audit("user.password_reset", user)
    db.session.commit()
    click.echo(f"password changed for user {user.id}")


@user_cli.command("grants")
def user_grants() -> None:
    """List open requests for a content role (number, account, requested role, requested by)."""
    from meldpunt.grants.models import GrantState, RoleGrant

    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.state == GrantState.PENDING.value)
                                .order_by(RoleGrant.id)).all()
    if not grants:
        click.echo("no open requests")
    for grant in grants:
        click.echo(f"{grant.id:>4}  {grant.user.email:<40} {grant.previous_role} -> {grant.role:<12} "
                   f"asked by {grant.requested_by.email}")


def _decide_grant(grant_id: int, approve: bool) -> None:
    from meldpunt.grants.service import GrantError, decide_on_server

    try:
        grant = decide_on_server(db.session, grant_id=grant_id, approve=approve)
    except GrantError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    verb = "approved" if approve else "rejected"
    click.echo(f"{verb} request {grant.id}: {grant.user.email} {'is now' if approve else 'stays'} "
               f"{grant.user.role}")


@user_cli.command("approve-grant")
@click.argument("grant_id", type=int)
def user_approve_grant(grant_id: int) -> None:
    """Approve an open request for a content role on the server (e.g. when nobody holds the role yet)."""
    _decide_grant(grant_id, approve=True)


@user_cli.command("reject-grant")
@click.argument("grant_id", type=int)
def user_reject_grant(grant_id: int) -> None:
    """Reject an open request for a content role on the server."""
    _decide_grant(grant_id, approve=False)


def seed_demo() -> list[tuple[User, str | None]]:
    """Seed taxonomy and one demo user per role (idempotent). Returns (user, new password or None)."""
    from meldpunt.taxonomy.service import seed_taxonomy

    seed_taxonomy(db.session)
    from meldpunt.meetings.service import seed_meeting_types

    seed_meeting_types(db.session)
    out: list[tuple[User, str | None]] = []
    for role, email, name, department in DEMO_USERS:
        existing = db.session.scalar(select(User).where(User.email == email))
        if existing is not None:
            out.append((existing, None))
            continue
        password = "-".join(secrets.token_urlsafe(4) for _ in range(4))
        out.append((create_user(db.session, email=email, name=name, role=role, password=password,
                                department=department), password))
    db.session.commit()
    return out


@click.command("demo")
def demo() -> None:
    """Seed taxonomy and demo users (idempotent); prints new passwords to this terminal only."""
    click.echo("Demo accounts (passwords are shown once, only here):")
    for user, password in seed_demo():
        shown = password if password else "(already existed; password unchanged)"
        click.echo(f"  {user.role:<12} {user.email:<36} {shown}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain and compare it with the checkpoints; exit 1 naming every problem.

    First moves the anonymous reporters' entries of hours that have ended into the trail, and seals
    every committed entry (the beat task does that every second; this does not wait for it).
    """
    from meldpunt.audit.service import append_deferred, chain_summary, deferred_count, seal_all, verify_chain

    append_deferred(db.session)
    db.session.commit()
    seal_all(db.session)
    waiting = deferred_count(db.session)
    breaks = verify_chain(db.session)
    if breaks:
        for b in breaks:
            click.echo(f"audit entry {b.entry_id}: {b.problem}" if b.entry_id else f"audit trail: {b.problem}", err=True)
        raise SystemExit(1)
    last_id, last_hash = chain_summary(db.session)
    # Print the chain's end so operators can note it elsewhere (an external anchor).
    click.echo(f"audit trail intact: {last_id} entries, newest hash {last_hash}")
    if waiting:
        click.echo(f"{waiting} anonymous entries of the current hour join the chain after the hour ends")


@reports_cli.command("refresh")
def reports_refresh() -> None:
    """Recount the closed months of the dashboard's summary now (the beat job does it hourly)."""
    from datetime import datetime, timezone

    from flask import current_app

    from meldpunt.reports.summary import refresh

    settings = current_app.extensions["meldpunt.settings"]
    through = refresh(db.session, today=datetime.now(timezone.utc).date(),
                      working_days=settings.first_feedback_working_days)
    db.session.commit()
    click.echo(f"report summary refreshed through {through}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
