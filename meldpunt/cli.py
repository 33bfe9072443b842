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
    """Create a local account; the password comes from stdin or MELDPUNT_PASSWORD."""
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


def seed_demo() -> list[tuple[User, str | None]]:
    """Seed taxonomy and one demo user per role (idempotent). Returns (user, new password or None)."""
    from meldpunt.taxonomy.service import seed_taxonomy

    seed_taxonomy(db.session)
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
    """Recompute the hash chain; exit 1 naming every broken entry."""
    from meldpunt.audit.service import verify_chain

    breaks = verify_chain(db.session)
    if breaks:
        for b in breaks:
            click.echo(f"audit entry {b.entry_id}: {b.problem}", err=True)
        raise SystemExit(1)
    click.echo("audit trail intact")


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
