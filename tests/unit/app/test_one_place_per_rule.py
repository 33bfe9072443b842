"""Issue 16: one place for each rule. Who may see what lives with its domain, templates ask the policy,
a status move is heard through events, each package wires itself, and only the vault unwraps a data key."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import meldpunt.models  # noqa: F401  (every model and every domain's rules)
from meldpunt import policy
from meldpunt.signals import events
from meldpunt.web import PACKAGES

ROOT = Path(__file__).resolve().parents[3]


def test_item_01_every_rule_lives_in_its_domains_permissions_module():
    places = {rule.__module__ for rule in policy._RULES.values()}
    assert places, "no rules registered"
    allowed = re.compile(r"^meldpunt\.\w+\.permissions$|^meldpunt\.grants\.service$")
    assert all(allowed.match(place) for place in places), sorted(places)
    # the core knows no domain: it imports only the accounts' roles and Flask
    imported = {node.module for node in ast.walk(ast.parse((ROOT / "meldpunt/policy.py").read_text()))
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("meldpunt")}
    assert imported <= {"meldpunt.auth.models", "meldpunt.audit.requests", "meldpunt.extensions"}, imported


def test_item_01_templates_ask_the_policy_instead_of_comparing_role_strings():
    role_check = re.compile(r"current_user\.role|\brole\s*(==|in\s*\()")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "templates").rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if role_check.search(line)]
    assert not offenders, offenders


def test_item_01_can_in_a_template_follows_the_policy(app, users):
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context():
        login_user(users["regisseur"])
        assert render_template_string("{{ can('view_queue') }} {{ can('manage_users') }}") == "True False"


def test_item_04_a_status_move_is_heard_through_the_signals_events():
    # the core never imports its listeners; they connect themselves when their module is loaded
    names = {receiver.__module__ for signal in (events.status_moving, events.track_changing,
                                                events.status_changed, events.approval_checking)
             for receiver in signal.receivers_for(object())}
    assert {"meldpunt.cases.service", "meldpunt.feedback.service", "meldpunt.approvals.service"} <= names, names


def test_item_05_every_package_wires_itself_with_init_app():
    for name in PACKAGES:
        package = importlib.import_module(name)
        assert callable(getattr(package, "init_app", None)), f"{name} has no init_app(app)"
    with_views = {p.parent.name for p in (ROOT / "meldpunt").glob("*/views.py")}
    assert with_views <= {name.split(".")[1] for name in PACKAGES}, with_views


def test_item_05_create_app_registers_every_packages_blueprint(app):
    expected = {"auth", "intake", "triage", "cases", "feedback", "admin", "grants", "resilience", "meetings",
                "case_meetings", "channels", "retention", "reports", "health"}
    assert expected <= set(app.blueprints), sorted(app.blueprints)


def test_item_06_only_the_vault_unwraps_a_data_key():
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "meldpunt").rglob("*.py"))
                 if path.parts[-2] not in ("crypto", "vault") and "unwrap_dek" in path.read_text(encoding="utf-8")]
    assert not offenders, offenders


def test_item_01_the_page_after_login_follows_the_policy_not_the_role(app, users):
    from meldpunt.auth.views import home_for

    expected = {"regisseur": "/behandelen/", "integriteit": "/behandelen/", "beheerder": "/beheer/gebruikers",
                "management": "/rapportages/", "voorzitter": "/mijn-meldingen", "melder": "/mijn-meldingen"}
    with app.test_request_context():
        for role, path in expected.items():
            assert home_for(users[role]).startswith(path), (role, home_for(users[role]))
