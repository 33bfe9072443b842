"""Plain Dutch for the audit view (beheer): what each action code, object type, result and detail means.

The trail itself keeps the stable codes (``authz.denied``, ``{"method": "totp"}``): they are part of the
hash chain and what tools filter on. The beheerder reads them through these labels. A new action code
gets its label here (``tests/functional/app/test_page_markup.py`` fails on an action without one).
"""

from __future__ import annotations

import json
from typing import Any

#: Action code -> what happened, in plain Dutch.
ACTION_LABELS: dict[str, str] = {
    # logging in and the own account
    "auth.login": "Inloggen",
    "auth.logout": "Uitloggen",
    "auth.totp_enrol": "Tweestapsverificatie ingesteld",
    "auth.recovery_codes": "Nieuwe herstelcodes gemaakt",
    "auth.password_change": "Wachtwoord gewijzigd",
    "authz.denied": "Toegang geweigerd",
    "request.not_found": "Onbekend nummer opgevraagd",
    "audit.view": "Audittrail bekeken",
    # accounts and lists (beheer, command line)
    "user.create": "Gebruiker aangemaakt",
    "user.role": "Rol van gebruiker gewijzigd",
    "user.enable": "Gebruiker weer toegelaten",
    "user.disable": "Gebruiker geblokkeerd",
    "user.totp_reset": "Tweestapsverificatie van gebruiker gewist",
    "user.password_reset": "Wachtwoord van gebruiker opnieuw ingesteld",
    "user.department": "Afdeling van gebruiker gewijzigd",
    "taxonomy.add": "Lijstwaarde toegevoegd",
    "taxonomy.edit": "Lijstwaarde gewijzigd",
    "taxonomy.activate": "Lijstwaarde weer in gebruik",
    "taxonomy.deactivate": "Lijstwaarde uit gebruik",
    # signals
    "signal.file": "Melding gedaan",
    "intake.draft_save": "Melding bewaard om te controleren (nog niet verstuurd)",
    "signal.add_attachments": "Bijlagen toegevoegd aan melding",
    "signal.read": "Melding gelezen",
    "signal.transition": "Status van melding gewijzigd",
    "signal.assign": "Melding toegewezen",
    "signal.enrich": "Notitie bij melding gemaakt",
    "signal.add_subject": "Betrokkene toegevoegd aan melding",
    "signal.shred": "Melding vernietigd",
    "signal.reporter_identity.view": "Melder van melding getoond",
    "signal.reclassify": "Indeling van melding gewijzigd",
    "signal.threat_step": "Stap voor bedreigde melder vastgelegd",
    "signal.threat_remind": "Herinnering bedreigde melder verstuurd",
    "signal.register": "Melding geregistreerd door behandelaar",
    "attachment.download": "Bijlage gedownload",
    "receipt.open": "Melding geopend met ontvangstcode",
    "message.post": "Bericht bij melding geplaatst",
    # feedback
    "feedback.send": "Terugkoppeling verstuurd",
    "feedback.remind": "Herinnering terugkoppeling verstuurd",
    "feedback.read": "Terugkoppeling gelezen",
    "notice.read": "Bericht gelezen",
    "account.reply_mail": "Keuze e-mail bij bericht van melder gewijzigd",
    "account.language": "Taal gewijzigd",
    "notice.read_all": "Alle berichten gelezen",
    "notice.retry": "Mislukte e-mail opnieuw verstuurd",
    # cases and approvals
    "case.list": "Casussen bekeken",
    "case.read": "Casus gelezen",
    "case.create": "Casus gemaakt",
    "case.update": "Casus gewijzigd",
    "case.add_subject": "Betrokkene aan casus gekoppeld",
    "case.remove_subject": "Betrokkene uit casus gehaald",
    "case.add_intervention": "Interventie toegevoegd",
    "case.remove_intervention": "Interventie verwijderd",
    "case.propose": "Casus voorgesteld voor casusoverleg",
    "case.unpropose": "Voorstel voor casusoverleg ingetrokken",
    "case.close": "Casus afgesloten",
    "case.remove_signal": "Melding uit casus gehaald",
    "approval.request": "Akkoord gevraagd (vier ogen)",
    "approval.decide": "Besluit over akkoord (vier ogen)",
    "approval.list": "Verzoeken om akkoord bekeken",
    # casusoverleg / LIO
    "meeting.list": "Overleggen bekeken",
    "meeting.create": "Overleg gepland",
    "meeting.read": "Overleg bekeken",
    "meeting.update": "Overleg gewijzigd",
    "meeting.add_member": "Lid aan overleg toegevoegd",
    "meeting.remove_member": "Lid uit overleg gehaald",
    "meeting.propose": "Voorgesteld voor overleg",
    "meeting.list_proposals": "Voorstellen voor overleg bekeken",
    "meeting.accept_proposal": "Voorstel op de agenda gezet",
    "meeting.return_proposal": "Voorstel teruggestuurd",
    "meeting.add_item": "Agendapunt toegevoegd",
    "meeting.move_item": "Volgorde van de agenda gewijzigd",
    "meeting.update_item": "Agendapunt gewijzigd",
    "meeting.remove_item": "Agendapunt verwijderd",
    "meeting.item_read": "Agendapunt gelezen",
    "meeting.attendance": "Aanwezigheid vastgelegd",
    "meeting.decision": "Besluit vastgelegd",
    "meeting.add_action": "Actie vastgelegd",
    "meeting.update_action": "Actie bijgewerkt",
    "meeting.my_actions": "Mijn acties bekeken",
    "meeting.series_actions": "Acties van de reeks bekeken",
    "meeting.save_minutes": "Verslag opgeslagen",
    "meeting.approve_minutes": "Verslag vastgesteld",
    "meeting.secrecy_asked": "Geheimhoudingsverklaring gevraagd",
    "meeting.send_agenda": "Agenda verstuurd",
    "meeting.retry_packs": "Stukken opnieuw gemaakt",
    "meeting.pack_view": "Stukken bekeken",
    "meeting.pack_download": "Stukken gedownload (pdf)",
    "meeting_type.add": "Soort overleg toegevoegd",
    "meeting_type.toggle": "Soort overleg aan- of uitgezet",
    "resilience.overview": "Weerbaarheid bekeken",
    # reports (aggregates only)
    "reports.dashboard.view": "Dashboard bekeken",
    "reports.council.list": "Raadsrapportages bekeken",
    "reports.council.create": "Concept raadsrapportage gemaakt",
    "reports.council.view": "Raadsrapportage bekeken",
    "reports.council.themes": "Kleuren en toelichtingen van raadsrapportage bewaard",
    "reports.council.approve": "Raadsrapportage vastgesteld (vier ogen)",
    "reports.council.correct": "Correctie van raadsrapportage gemaakt (nieuwe versie)",
    "reports.council.change_refused": "Wijziging van vastgestelde raadsrapportage geweigerd",
    "reports.council.pdf": "Raadsrapportage als PDF gedownload",
    "reports.council.csv": "Raadsrapportage als CSV gedownload",
    "reports.undermining.view": "Ondermijningsbeeld bekeken",
    "reports.undermining.pdf": "Ondermijningsbeeld als PDF gedownload",
    "reports.results.view": "Pagina ‘Wat doen we met uw meldingen’ bekeken",
    "reports.example.create": "Voorbeeld voor ‘Wat doen we met uw meldingen’ geschreven",
    "reports.example.approve": "Voorbeeld voor ‘Wat doen we met uw meldingen’ goedgekeurd",
    # content roles (four eyes)
    "grant.request": "Rol aangevraagd (vier ogen)",
    "grant.withdraw": "Aanvraag voor rol ingetrokken",
    "grant.approve": "Aanvraag voor rol goedgekeurd",
    "grant.reject": "Aanvraag voor rol afgewezen",
    "grant.list": "Aanvragen voor rollen bekeken",
    # keys (command line)
    "keys.rotate": "Nieuwe hoofdsleutel in gebruik",
    "keys.rewrap": "Sleutels opnieuw versleuteld",
    "keys.drop_kek": "Oude hoofdsleutel verwijderd",
    "keys.rotate_index": "Nieuwe zoeksleutel in gebruik",
    "keys.drop_index_key": "Oude zoeksleutel verwijderd",
    # retention, legal hold, rights of data subjects (issue 19)
    "retention.run": "Bewaartermijnen: verlopen meldingen vernietigd",
    "retention.runs.view": "Verslagen van de bewaartermijnen bekeken",
    "retention.expiring.view": "Lijst van bijna verlopen meldingen bekeken",
    "retention.extend": "Melding langer bewaard (bewaren tot)",
    "retention.hold.propose": "Juridische bewaarplicht voorgesteld",
    "retention.hold.approve": "Juridische bewaarplicht goedgekeurd",
    "retention.hold.reject": "Juridische bewaarplicht afgewezen",
    "retention.hold.lift_request": "Opheffen van een juridische bewaarplicht aangevraagd",
    "retention.hold.lift": "Juridische bewaarplicht opgeheven",
    "retention.hold.lift_reject": "Opheffen van een juridische bewaarplicht afgewezen",
    "retention.hold.list": "Lijst van juridische bewaarplichten bekeken",
    "case.shred": "Casus vernietigd",
    "rights.record": "Verzoek van betrokkene vastgelegd",
    "rights.approve": "Verzoek van betrokkene goedgekeurd",
    "rights.reject": "Verzoek van betrokkene afgewezen",
    "rights.list": "Verzoeken van betrokkenen bekeken",
    "rights.view": "Verzoek van betrokkene bekeken",
    "rights.export": "Inzage-export gemaakt",
    "rights.download": "Inzage-export gedownload",
    "rights.correct": "Contactgegevens van melder gecorrigeerd",
    "rights.erase": "Identiteit van melder gewist uit meldingen",
}

#: Groups for the action filter: a code prefix and its name ("alles over …").
ACTION_GROUPS: dict[str, str] = {
    "auth.": "Inloggen en eigen account",
    "user.": "Gebruikers",
    "taxonomy.": "Lijsten",
    "signal.": "Meldingen",
    "feedback.": "Terugkoppeling",
    "case.": "Casussen",
    "approval.": "Vier ogen",
    "keys.": "Sleutels",
    "reports.": "Rapportages",
}

OBJECT_LABELS: dict[str, str] = {
    "signal": "Melding", "user": "Gebruiker", "case": "Casus", "attachment": "Bijlage", "notice": "Bericht",
    "approval": "Verzoek om akkoord", "taxonomy_term": "Lijstwaarde", "keyring": "Sleutels", "audit": "Audittrail",
    "role_grant": "Aanvraag voor rol",
    "dashboard": "Dashboard", "council_report": "Raadsrapportage", "undermining_picture": "Ondermijningsbeeld",
    "results": "Wat doen we met uw meldingen", "result_example": "Voorbeeld",
}

RESULT_LABELS: dict[str, str] = {"ok": "Gelukt", "failed": "Mislukt", "denied": "Geweigerd"}

#: Detail key -> label.
DETAIL_LABELS: dict[str, str] = {
    "method": "Manier", "step": "Stap", "reason": "Reden", "account": "Account (versleutelde verwijzing)",
    "permission": "Gevraagde handeling", "endpoint": "Pagina", "as": "Gelezen als", "count": "Aantal",
    "items": "Aantal berichten", "page": "Pagina", "results": "Aantal regels", "role": "Rol", "from": "Van",
    "to": "Naar", "path": "Route", "kind": "Soort", "track": "Spoor", "anonymous": "Anoniem", "subjects": "Aantal betrokkenen",
    "attachments": "Aantal bijlagen", "notice": "Bericht aan melder", "notice_id": "Bericht", "template": "Tekst",
    "user_id": "Gebruiker", "signal_id": "Melding", "case_id": "Casus", "left_case_id": "Uit casus",
    "subject_id": "Subject", "intervention_id": "Interventie", "approval_id": "Verzoek", "approved": "Akkoord gegeven",
    "authority": "Bevoegdheid", "note_id": "Notitie", "register": "Register", "message": "Bericht",
    "sender": "Afzender", "size": "Grootte (bytes)", "signals": "Aantal meldingen", "status_from": "Status was",
    "status_to": "Status wordt", "unlinked": "Losgekoppeld", "key_deleted": "Sleutel gewist",
    "files_deleted": "Bestanden gewist", "identifiers_deleted": "Kenmerken gewist", "kek_id": "Hoofdsleutel",
    "previous_kek_id": "Vorige hoofdsleutel", "rewrapped": "Aantal opnieuw versleuteld",
    "index_key_id": "Zoeksleutel", "previous_index_key_id": "Vorige zoeksleutel",
    "version": "Versie", "supersedes": "Vervangt versie",
}

#: Detail values that are codes -> plain Dutch (only where the code alone says little).
VALUE_LABELS: dict[str, str] = {
    "password": "wachtwoord", "totp": "tweestapsverificatie", "oidc": "organisatie-account (OIDC)",  # nosec B105 - labels, not a secret
    "code": "code uit de app", "reauth": "huidig wachtwoord klopte niet", "reporter": "melder",
    "handler": "behandelaar", "receipt": "ontvangstcode",
    # permissions (meldpunt.policy.Action) named in "Toegang geweigerd"
    "file_signal": "melden", "list_own_signals": "eigen meldingen bekijken", "view_own_signal": "eigen melding bekijken",
    "view_queue": "werkvoorraad bekijken", "handle_signal": "melding behandelen", "view_reporter_identity": "melder tonen",
    "manage_users": "gebruikers beheren", "manage_taxonomy": "lijsten beheren", "view_audit": "audittrail bekijken",
    "view_statistics": "cijfers bekijken", "manage_cases": "casussen beheren", "handle_case": "casus behandelen",
    "decide_approval": "over een verzoek om akkoord beslissen", "read_notice": "bericht lezen",
    "view_dashboard": "dashboard bekijken", "view_council_reports": "raadsrapportages bekijken",
    "draft_council_report": "raadsrapportage opstellen", "approve_council_report": "raadsrapportage vaststellen",
    "view_undermining_picture": "ondermijningsbeeld bekijken", "view_results": "resultaten bekijken",
    "write_result_example": "voorbeeld schrijven", "approve_result_example": "voorbeeld goedkeuren",
}


def action_label(code: str) -> str:
    """``authz.denied`` -> ``Toegang geweigerd``; an unknown code is shown as it is."""
    return ACTION_LABELS.get(code, code)


def object_label(code: str) -> str:
    return OBJECT_LABELS.get(code, code)


def result_label(code: str) -> str:
    return RESULT_LABELS.get(code, code)


def _value_text(value: Any) -> str:
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    if value is None or value == "":
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{DETAIL_LABELS.get(k, k)}: {_value_text(v)}" for k, v in value.items())
    text = str(value)
    return VALUE_LABELS.get(text, _enum_label(text))


def _enum_label(text: str) -> str:
    """A status, role, permission or reason code -> its Dutch label, where one exists."""
    from meldpunt.auth.models import ROLE_LABELS, Role
    from meldpunt.signals.models import SignalStatus, STATUS_LABELS

    for enum, labels in ((SignalStatus, STATUS_LABELS), (Role, ROLE_LABELS)):
        try:
            return labels[enum(text)]
        except (ValueError, KeyError):
            continue
    return text


def detail_rows(raw: str | None) -> list[tuple[str, str]]:
    """The JSON details of an entry as ``(label, value)`` rows in plain Dutch, in the stored order."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [("Details", raw)]
    if not isinstance(data, dict):
        return [("Details", _value_text(data))]
    return [(DETAIL_LABELS.get(key, key.replace("_", " ")), _value_text(value)) for key, value in data.items()]
