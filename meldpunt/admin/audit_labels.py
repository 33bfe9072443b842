"""Plain Dutch for the audit view (beheer): what each action code, object type, result and detail means.

The trail itself keeps the stable codes (``authz.denied``, ``{"method": "totp"}``): they are part of the
hash chain and what tools filter on. The beheerder reads them through these labels. A new action code
gets its label here (``tests/functional/app/test_small_things.py`` fails on an action without one).

The labels are Dutch source texts marked with ``N_`` (issue 22 item 9); the functions below return them
in the page's language (``gettext``; outside a request: Dutch).
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext

from meldpunt.i18n import N_

#: Action code -> what happened, in plain Dutch.
ACTION_LABELS: dict[str, str] = {
    # logging in and the own account
    "auth.login": N_("Inloggen"),
    "auth.logout": N_("Uitloggen"),
    "auth.totp_enrol": N_("Tweestapsverificatie ingesteld"),
    "auth.recovery_codes": N_("Nieuwe herstelcodes gemaakt"),
    "auth.password_change": N_("Wachtwoord gewijzigd"),
    "authz.denied": N_("Toegang geweigerd"),
    "request.not_found": N_("Onbekend nummer opgevraagd"),
    "audit.view": N_("Audittrail bekeken"),
    # accounts and lists (beheer, command line)
    "user.create": N_("Gebruiker aangemaakt"),
    "user.role": N_("Rol van gebruiker gewijzigd"),
    "user.enable": N_("Gebruiker weer toegelaten"),
    "user.disable": N_("Gebruiker geblokkeerd"),
    "user.totp_reset": N_("Tweestapsverificatie van gebruiker gewist"),
    "user.password_reset": N_("Wachtwoord van gebruiker opnieuw ingesteld"),
    "user.department": N_("Afdeling van gebruiker gewijzigd"),
    "taxonomy.add": N_("Lijstwaarde toegevoegd"),
    "taxonomy.edit": N_("Lijstwaarde gewijzigd"),
    "taxonomy.activate": N_("Lijstwaarde weer in gebruik"),
    "taxonomy.deactivate": N_("Lijstwaarde uit gebruik"),
    # signals
    "signal.file": N_("Melding gedaan"),
    "intake.draft_save": N_("Melding bewaard om te controleren (nog niet verstuurd)"),
    "signal.add_attachments": N_("Bijlagen toegevoegd aan melding"),
    "signal.read": N_("Melding gelezen"),
    "signal.transition": N_("Status van melding gewijzigd"),
    "signal.assign": N_("Melding toegewezen"),
    "signal.enrich": N_("Notitie bij melding gemaakt"),
    "signal.add_subject": N_("Betrokkene toegevoegd aan melding"),
    "signal.linked_read": N_("Andere meldingen over een betrokkene bekeken"),
    "signal.shred": N_("Melding vernietigd"),
    "signal.reporter_identity.view": N_("Melder van melding getoond"),
    "signal.reclassify": N_("Indeling van melding gewijzigd"),
    "signal.threat_step": N_("Stap voor bedreigde melder vastgelegd"),
    "signal.threat_remind": N_("Herinnering bedreigde melder verstuurd"),
    "signal.register": N_("Melding geregistreerd door behandelaar"),
    "attachment.download": N_("Bijlage gedownload"),
    "receipt.open": N_("Melding geopend met ontvangstcode"),
    "message.post": N_("Bericht bij melding geplaatst"),
    # feedback
    "feedback.send": N_("Terugkoppeling verstuurd"),
    "feedback.remind": N_("Herinnering terugkoppeling verstuurd"),
    "feedback.read": N_("Terugkoppeling gelezen"),
    "notice.read": N_("Bericht gelezen"),
    "account.reply_mail": N_("Keuze e-mail bij bericht van melder gewijzigd"),
    "account.language": N_("Taal gewijzigd"),
    "notice.read_all": N_("Alle berichten gelezen"),
    "notice.retry": N_("Mislukte e-mail opnieuw verstuurd"),
    # cases and approvals
    "case.list": N_("Casussen bekeken"),
    "case.read": N_("Casus gelezen"),
    "case.create": N_("Casus gemaakt"),
    "case.update": N_("Casus gewijzigd"),
    "case.add_subject": N_("Betrokkene aan casus gekoppeld"),
    "case.remove_subject": N_("Betrokkene uit casus gehaald"),
    "case.add_intervention": N_("Interventie toegevoegd"),
    "case.remove_intervention": N_("Interventie verwijderd"),
    "case.propose": N_("Casus voorgesteld voor casusoverleg"),
    "case.unpropose": N_("Voorstel voor casusoverleg ingetrokken"),
    "case.close": N_("Casus afgesloten"),
    "case.remove_signal": N_("Melding uit casus gehaald"),
    "approval.request": N_("Akkoord gevraagd (vier ogen)"),
    "approval.decide": N_("Besluit over akkoord (vier ogen)"),
    "approval.list": N_("Verzoeken om akkoord bekeken"),
    # casusoverleg / LIO
    "meeting.list": N_("Overleggen bekeken"),
    "meeting.create": N_("Overleg gepland"),
    "meeting.read": N_("Overleg bekeken"),
    "meeting.update": N_("Overleg gewijzigd"),
    "meeting.add_member": N_("Lid aan overleg toegevoegd"),
    "meeting.remove_member": N_("Lid uit overleg gehaald"),
    "meeting.propose": N_("Voorgesteld voor overleg"),
    "meeting.list_proposals": N_("Voorstellen voor overleg bekeken"),
    "meeting.accept_proposal": N_("Voorstel op de agenda gezet"),
    "meeting.return_proposal": N_("Voorstel teruggestuurd"),
    "meeting.add_item": N_("Agendapunt toegevoegd"),
    "meeting.move_item": N_("Volgorde van de agenda gewijzigd"),
    "meeting.update_item": N_("Agendapunt gewijzigd"),
    "meeting.remove_item": N_("Agendapunt verwijderd"),
    "meeting.item_read": N_("Agendapunt gelezen"),
    "meeting.attendance": N_("Aanwezigheid vastgelegd"),
    "meeting.decision": N_("Besluit vastgelegd"),
    "meeting.add_action": N_("Actie vastgelegd"),
    "meeting.update_action": N_("Actie bijgewerkt"),
    "meeting.my_actions": N_("Mijn acties bekeken"),
    "meeting.series_actions": N_("Acties van de reeks bekeken"),
    "meeting.save_minutes": N_("Verslag opgeslagen"),
    "meeting.approve_minutes": N_("Verslag vastgesteld"),
    "meeting.secrecy_asked": N_("Geheimhoudingsverklaring gevraagd"),
    "meeting.send_agenda": N_("Agenda verstuurd"),
    "meeting.retry_packs": N_("Stukken opnieuw gemaakt"),
    "meeting.pack_view": N_("Stukken bekeken"),
    "meeting.pack_download": N_("Stukken gedownload (pdf)"),
    "meeting_type.add": N_("Soort overleg toegevoegd"),
    "meeting_type.toggle": N_("Soort overleg aan- of uitgezet"),
    "resilience.overview": N_("Weerbaarheid bekeken"),
    # reports (aggregates only)
    "reports.dashboard.view": N_("Dashboard bekeken"),
    "reports.council.list": N_("Raadsrapportages bekeken"),
    "reports.council.create": N_("Concept raadsrapportage gemaakt"),
    "reports.council.view": N_("Raadsrapportage bekeken"),
    "reports.council.themes": N_("Kleuren en toelichtingen van raadsrapportage bewaard"),
    "reports.council.approve": N_("Raadsrapportage vastgesteld (vier ogen)"),
    "reports.council.correct": N_("Correctie van raadsrapportage gemaakt (nieuwe versie)"),
    "reports.council.change_refused": N_("Wijziging van vastgestelde raadsrapportage geweigerd"),
    "reports.council.pdf": N_("Raadsrapportage als PDF gedownload"),
    "reports.council.csv": N_("Raadsrapportage als CSV gedownload"),
    "reports.undermining.view": N_("Ondermijningsbeeld bekeken"),
    "reports.undermining.pdf": N_("Ondermijningsbeeld als PDF gedownload"),
    "reports.results.view": N_("Pagina ‘Wat doen we met uw meldingen’ bekeken"),
    "reports.example.create": N_("Voorbeeld voor ‘Wat doen we met uw meldingen’ geschreven"),
    "reports.example.approve": N_("Voorbeeld voor ‘Wat doen we met uw meldingen’ goedgekeurd"),
    # content roles (four eyes)
    "grant.request": N_("Rol aangevraagd (vier ogen)"),
    "grant.withdraw": N_("Aanvraag voor rol ingetrokken"),
    "grant.approve": N_("Aanvraag voor rol goedgekeurd"),
    "grant.reject": N_("Aanvraag voor rol afgewezen"),
    "grant.list": N_("Aanvragen voor rollen bekeken"),
    # keys (command line)
    "keys.rotate": N_("Nieuwe hoofdsleutel in gebruik"),
    "keys.rewrap": N_("Sleutels opnieuw versleuteld"),
    "keys.drop_kek": N_("Oude hoofdsleutel verwijderd"),
    "keys.rotate_index": N_("Nieuwe zoeksleutel in gebruik"),
    "keys.drop_index_key": N_("Oude zoeksleutel verwijderd"),
    # retention, legal hold, rights of data subjects (issue 19)
    "retention.run": N_("Bewaartermijnen: verlopen meldingen vernietigd"),
    "retention.runs.view": N_("Verslagen van de bewaartermijnen bekeken"),
    "retention.expiring.view": N_("Lijst van bijna verlopen meldingen bekeken"),
    "retention.extend": N_("Melding langer bewaard (bewaren tot)"),
    "retention.hold.propose": N_("Juridische bewaarplicht voorgesteld"),
    "retention.hold.approve": N_("Juridische bewaarplicht goedgekeurd"),
    "retention.hold.reject": N_("Juridische bewaarplicht afgewezen"),
    "retention.hold.lift_request": N_("Opheffen van een juridische bewaarplicht aangevraagd"),
    "retention.hold.lift": N_("Juridische bewaarplicht opgeheven"),
    "retention.hold.lift_reject": N_("Opheffen van een juridische bewaarplicht afgewezen"),
    "retention.hold.list": N_("Lijst van juridische bewaarplichten bekeken"),
    "case.shred": N_("Casus vernietigd"),
    "rights.record": N_("Verzoek van betrokkene vastgelegd"),
    "rights.approve": N_("Verzoek van betrokkene goedgekeurd"),
    "rights.reject": N_("Verzoek van betrokkene afgewezen"),
    "rights.list": N_("Verzoeken van betrokkenen bekeken"),
    "rights.view": N_("Verzoek van betrokkene bekeken"),
    "rights.export": N_("Inzage-export gemaakt"),
    "rights.download": N_("Inzage-export gedownload"),
    "rights.correct": N_("Contactgegevens van melder gecorrigeerd"),
    "rights.erase": N_("Identiteit van melder gewist uit meldingen"),
}

#: Groups for the action filter: a code prefix and its name ("alles over …").
ACTION_GROUPS: dict[str, str] = {
    "auth.": N_("Inloggen en eigen account"),
    "user.": N_("Gebruikers"),
    "taxonomy.": N_("Lijsten"),
    "signal.": N_("Meldingen"),
    "feedback.": N_("Terugkoppeling"),
    "case.": N_("Casussen"),
    "approval.": N_("Vier ogen"),
    "keys.": N_("Sleutels"),
    "reports.": N_("Rapportages"),
}

OBJECT_LABELS: dict[str, str] = {
    "signal": N_("Melding"), "user": N_("Gebruiker"), "case": N_("Casus"), "attachment": N_("Bijlage"), "notice": N_("Bericht"),
    "subject": N_("Betrokkene"),
    "approval": N_("Verzoek om akkoord"), "taxonomy_term": N_("Lijstwaarde"), "keyring": N_("Sleutels"), "audit": N_("Audittrail"),
    "role_grant": N_("Aanvraag voor rol"),
    "dashboard": N_("Dashboard"), "council_report": N_("Raadsrapportage"), "undermining_picture": N_("Ondermijningsbeeld"),
    "results": N_("Wat doen we met uw meldingen"), "result_example": N_("Voorbeeld"),
}

RESULT_LABELS: dict[str, str] = {"ok": N_("Gelukt"), "failed": N_("Mislukt"), "denied": N_("Geweigerd")}

#: Detail key -> label.
DETAIL_LABELS: dict[str, str] = {
    "method": N_("Manier"), "step": N_("Stap"), "reason": N_("Reden"), "account": N_("Account (versleutelde verwijzing)"),
    "permission": N_("Gevraagde handeling"), "endpoint": N_("Pagina"), "as": N_("Gelezen als"), "count": N_("Aantal"),
    "items": N_("Aantal berichten"), "page": N_("Pagina"), "results": N_("Aantal regels"), "role": N_("Rol"), "from": N_("Van"),
    "to": N_("Naar"), "path": N_("Route"), "kind": N_("Soort"), "track": N_("Spoor"), "anonymous": N_("Anoniem"), "subjects": N_("Aantal betrokkenen"),
    "attachments": N_("Aantal bijlagen"), "notice": N_("Bericht aan melder"), "notice_id": N_("Bericht"), "template": N_("Tekst"),
    "user_id": N_("Gebruiker"), "signal_id": N_("Melding"), "case_id": N_("Casus"), "left_case_id": N_("Uit casus"),
    "subject_id": N_("Subject"), "intervention_id": N_("Interventie"), "approval_id": N_("Verzoek"), "approved": N_("Akkoord gegeven"),
    "authority": N_("Bevoegdheid"), "note_id": N_("Notitie"), "register": N_("Register"), "message": N_("Bericht"),
    "sender": N_("Afzender"), "size": N_("Grootte (bytes)"), "signals": N_("Aantal meldingen"), "status_from": N_("Status was"),
    "status_to": N_("Status wordt"), "unlinked": N_("Losgekoppeld"), "key_deleted": N_("Sleutel gewist"),
    "files_deleted": N_("Bestanden gewist"), "identifiers_deleted": N_("Kenmerken gewist"), "kek_id": N_("Hoofdsleutel"),
    "previous_kek_id": N_("Vorige hoofdsleutel"), "rewrapped": N_("Aantal opnieuw versleuteld"),
    "index_key_id": N_("Zoeksleutel"), "previous_index_key_id": N_("Vorige zoeksleutel"),
    "version": N_("Versie"), "supersedes": N_("Vervangt versie"),
}

#: Detail values that are codes -> plain Dutch (only where the code alone says little).
VALUE_LABELS: dict[str, str] = {
    "password": N_("wachtwoord"), "totp": N_("tweestapsverificatie"), "oidc": N_("organisatie-account (OIDC)"),  # nosec B105 - labels, not a secret
    "code": N_("code uit de app"), "reauth": N_("huidig wachtwoord klopte niet"), "reporter": N_("melder"),
    "handler": N_("behandelaar"), "receipt": N_("ontvangstcode"),
    # permissions (meldpunt.policy.Action) named in "Toegang geweigerd"
    "file_signal": N_("melden"), "list_own_signals": N_("eigen meldingen bekijken"), "view_own_signal": N_("eigen melding bekijken"),
    "view_queue": N_("werkvoorraad bekijken"), "handle_signal": N_("melding behandelen"), "view_reporter_identity": N_("melder tonen"),
    "manage_users": N_("gebruikers beheren"), "manage_taxonomy": N_("lijsten beheren"), "view_audit": N_("audittrail bekijken"),
    "view_statistics": N_("cijfers bekijken"), "manage_cases": N_("casussen beheren"), "handle_case": N_("casus behandelen"),
    "decide_approval": N_("over een verzoek om akkoord beslissen"), "read_notice": N_("bericht lezen"),
    "view_dashboard": N_("dashboard bekijken"), "view_council_reports": N_("raadsrapportages bekijken"),
    "draft_council_report": N_("raadsrapportage opstellen"), "approve_council_report": N_("raadsrapportage vaststellen"),
    "view_undermining_picture": N_("ondermijningsbeeld bekijken"), "view_results": N_("resultaten bekijken"),
    "write_result_example": N_("voorbeeld schrijven"), "approve_result_example": N_("voorbeeld goedkeuren"),
}


def action_label(code: str) -> str:
    """``authz.denied`` -> ``Toegang geweigerd`` (or its translation); an unknown code is shown as it is."""
    label = ACTION_LABELS.get(code)
    return gettext(label) if label else code


def object_label(code: str) -> str:
    label = OBJECT_LABELS.get(code)
    return gettext(label) if label else code


def result_label(code: str) -> str:
    label = RESULT_LABELS.get(code)
    return gettext(label) if label else code


def group_label(prefix: str) -> str:
    """The action filter's group ``signal.`` -> ``Meldingen: alles`` (or its translation)."""
    return gettext("%(group)s: alles", group=gettext(ACTION_GROUPS[prefix]))


def _detail_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return gettext(label) if label else key.replace("_", " ")


def _value_text(value: Any) -> str:
    if value is True:
        return gettext("ja")
    if value is False:
        return gettext("nee")
    if value is None or value == "":
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{_detail_label(k)}: {_value_text(v)}" for k, v in value.items())
    text = str(value)
    label = VALUE_LABELS.get(text)
    return gettext(label) if label else _enum_label(text)


def _enum_label(text: str) -> str:
    """A status, role, permission or reason code -> its label in the page's language, where one exists."""
    from meldpunt.auth.models import ROLE_LABELS, Role
    from meldpunt.signals.models import SignalStatus, STATUS_LABELS

    for enum, labels in ((SignalStatus, STATUS_LABELS), (Role, ROLE_LABELS)):
        try:
            return gettext(labels[enum(text)])
        except (ValueError, KeyError):
            continue
    return text


def detail_rows(raw: str | None) -> list[tuple[str, str]]:
    """The JSON details of an entry as ``(label, value)`` rows in plain language, in the stored order."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [(gettext("Details"), raw)]
    if not isinstance(data, dict):
        return [(gettext("Details"), _value_text(data))]
    return [(_detail_label(key), _value_text(value)) for key, value in data.items()]
