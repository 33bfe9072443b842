"""OIDC sign-in: group claim -> role, account linking, refusals; the routes exist only when enabled."""

from __future__ import annotations

import pytest

from meldpunt.auth.oidc import OidcRefused, role_from_groups, sign_in_oidc
from meldpunt.auth.service import create_user
from meldpunt.extensions import db

ROLE_MAP = {"GG-Meldpunt-Regie": "regisseur", "GG-Medewerkers": "melder", "GG-Beheer": "beheerder"}


def test_role_from_groups_picks_the_highest_mapped_role():
    assert role_from_groups(["GG-Medewerkers", "GG-Meldpunt-Regie"], ROLE_MAP).value == "regisseur"
    assert role_from_groups("GG-Medewerkers", ROLE_MAP).value == "melder"
    assert role_from_groups(["Onbekend"], ROLE_MAP) is None
    assert role_from_groups(None, ROLE_MAP) is None
    assert role_from_groups(["X"], {"X": "geen-rol"}) is None


def test_sign_in_creates_links_and_updates_accounts(app):
    with app.app_context():
        claims = {"sub": "idp-1", "email": "Nieuw@Org.Example", "email_verified": True, "name": "Nieuwe",
                  "groups": ["GG-Medewerkers"]}
        user = sign_in_oidc(db.session, claims=claims, group_claim="groups", role_map=ROLE_MAP)
        assert (user.email, user.role, user.oidc_subject, user.password_hash) == (
            "nieuw@org.example", "melder", "idp-1", None)
        # Same subject, new group: role follows the identity provider.
        again = sign_in_oidc(db.session, claims={**claims, "groups": ["GG-Meldpunt-Regie"]}, group_claim="groups",
                             role_map=ROLE_MAP)
        assert again.id == user.id and again.role == "regisseur"
        # An existing local account is linked only by a verified e-mail.
        local = create_user(db.session, email="lokaal@org.example", name="Lokaal", role="melder", password=None)
        with pytest.raises(OidcRefused):
            sign_in_oidc(db.session, claims={"sub": "idp-2", "email": "lokaal@org.example", "email_verified": False,
                                             "groups": ["GG-Medewerkers"]}, group_claim="groups", role_map=ROLE_MAP)
        db.session.rollback()
        local = create_user(db.session, email="lokaal@org.example", name="Lokaal", role="melder", password=None)
        linked = sign_in_oidc(db.session, claims={"sub": "idp-3", "email": "lokaal@org.example",
                                                  "email_verified": True, "groups": ["GG-Medewerkers"]},
                              group_claim="groups", role_map=ROLE_MAP)
        assert linked.id == local.id and linked.oidc_subject == "idp-3"


def test_sign_in_without_mapped_group_or_when_disabled_is_refused(app):
    with app.app_context():
        with pytest.raises(OidcRefused, match="geen toegang"):
            sign_in_oidc(db.session, claims={"sub": "s", "email": "a@org.example", "groups": ["Anders"]},
                         group_claim="groups", role_map=ROLE_MAP)
        user = sign_in_oidc(db.session, claims={"sub": "s2", "email": "b@org.example", "groups": ["GG-Medewerkers"]},
                            group_claim="groups", role_map=ROLE_MAP)
        user.is_enabled = False
        with pytest.raises(OidcRefused, match="geblokkeerd"):
            sign_in_oidc(db.session, claims={"sub": "s2", "groups": ["GG-Medewerkers"]}, group_claim="groups",
                         role_map=ROLE_MAP)


def test_oidc_routes_answer_404_when_disabled(client):
    assert client.get("/inloggen/oidc").status_code == 404
    assert client.get("/inloggen/oidc/terug").status_code == 404
    assert "Inloggen met uw account van de organisatie" not in client.get("/inloggen").get_data(as_text=True)
