"""Seeded data for page tests: one object of every kind a work page shows, made through the services.

Used by the browser layout/axe tests (``tests/e2e``) and the functional page crawl (``tests/functional``).
"""

from __future__ import annotations

from typing import Any


def seed_work_data(app, users: dict[str, Any]) -> dict[str, Any]:
    """Signals (waiting, handled with a case, shredded, anonymous), cases, an approval and a second regisseur."""
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery
    from meldpunt.grants.service import request_role
    from meldpunt.cases.models import Intervention
    from meldpunt.cases.service import add_intervention, close_case, create_case
    from meldpunt.extensions import db
    from meldpunt.feedback.service import send_feedback
    from meldpunt.signals.models import SignalStatus
    from meldpunt.intake.service import ReportInput, SubjectInput, file_report, file_signal
    from meldpunt.signals.service import transition_signal
    from meldpunt.retention.shredding import ShredReason, shred_signal
    from tests.conftest import make_users

    second = make_users(app, suffix="b")  # a second regisseur, TOTP not enrolled yet
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        melder = db.session.get(User, users["melder"].id)
        regisseur = db.session.get(User, users["regisseur"].id)
        other = db.session.get(User, second["regisseur"].id)
        waiting = file_signal(db.session, keyring=keyring, reporter=melder,
                              description="Een kapsalon aan de Stationsstraat is altijd leeg maar heeft veel geld.")
        handled = file_signal(db.session, keyring=keyring, reporter=melder,
                              description="Bij de loods aan de Havenweg komen 's nachts busjes zonder kenteken.",
                              report=ReportInput(
                                  description="Bij de loods aan de Havenweg komen 's nachts busjes zonder kenteken.",
                                  subjects=[SubjectInput(name="Transport Havenweg B.V.", kvk="12345678",
                                                         street="Havenweg", huisnummer="12", postcode="1234 AB",
                                                         city="Voorbeeld")]))
        transition_signal(db.session, keyring=keyring, signal=handled, actor=regisseur, target=SignalStatus.IN_PROGRESS,
                          path="status", four_eyes=False)
        send_feedback(db.session, keyring=keyring, signal=handled, actor=regisseur,
                      text="Dank voor uw melding. Wij zoeken dit verder uit met onze partners.")
        case = create_case(db.session, keyring=keyring, actor=regisseur, title="Bedrijventerrein Havenweg",
                           signals=[handled])
        add_intervention(db.session, keyring=keyring, case=case, actor=regisseur, kind=Intervention.BIBOB,
                         note="Bij de aanvraag van de nieuwe vergunning")
        closing = create_case(db.session, keyring=keyring, actor=other, title="Winkelstraat Oost")
        close_case(db.session, keyring=keyring, case=closing, actor=other, reason="Geen aanwijzingen gevonden.",
                   four_eyes=True)
        shredded = file_signal(db.session, keyring=keyring, reporter=melder, description="Wordt vernietigd.")
        send_feedback(db.session, keyring=keyring, signal=shredded, actor=regisseur, text="Wij kijken ernaar.")
        shred_signal(db.session, signal=shredded, actor_label="test", reason=ShredReason.MISTAKE)
        anonymous = file_report(db.session, keyring=keyring, reporter=None,
                                report=ReportInput(description="Drugshandel bij het viaduct, elke avond."))
        # The e-mail of the waiting signal's confirmation gave up: the pages show "Opnieuw proberen".
        db.session.flush()
        notice = db.session.scalar(select(Notice).where(Notice.signal_id == waiting.id))
        notice.attempts = 12
        db.session.add(NoticeDelivery(notice_id=notice.id, channel=DeliveryChannel.EMAIL.value,
                                      state=DeliveryState.FAILED.value, attempts=12))
        candidate = db.session.get(User, second["deelnemer"].id)
        request_role(db.session, actor=db.session.get(User, users["beheerder"].id), user=candidate,
                     role="regisseur")  # waits for the regisseur's decision on /rechten
        db.session.commit()
        return {
            "waiting": waiting.id, "handled": handled.id, "case": case.id, "closing": closing.id,
            "shredded": shredded.id, "receipt_code": anonymous.receipt_code, "second": second["regisseur"],
            "melder": melder.id, "candidate": candidate.id,
        }
