"""A failed e-mail is final, and the handler can try it again (issue 15, item 11).

Real Redis, real Celery worker subprocesses, a real SMTP server (aiosmtpd) and, for the
failing part, a port where nothing listens. The retry budget is ``[feedback] max_attempts``
only; the tests keep it small through that setting.
"""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery
from tests import factories
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import free_port, wait_until

pytestmark = pytest.mark.redis

ATTEMPTS = 3
QUICK = {"republish_after_seconds": 1.0, "max_attempts": ATTEMPTS}
GELDSTROMEN = "Vreemde geldstromen bij de wasstraat"
#: A signal whose reporter wants feedback by e-mail (set on the row after filing, before the commit).
BY_EMAIL = {"wants_feedback": True, "feedback_by_email": True}


def _confirmation(app, signal: factories.Filed) -> tuple[int, str]:
    """(id of the signal's confirmation notice, the signal's id as text)."""
    with app.app_context():
        notice_id = db.session.scalar(sa.select(Notice.id).where(Notice.signal_id == signal.id))
        db.session.remove()
    return notice_id, str(signal.id)


def _email_row(app, notice_id: int) -> tuple[str, int, object]:
    """(state of the e-mail delivery, failed attempts of the notice, delivered_at)."""
    with app.app_context():
        state = db.session.scalar(sa.select(NoticeDelivery.state).where(
            NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == DeliveryChannel.EMAIL.value))
        notice = db.session.get(Notice, notice_id)
        row = (state, notice.attempts, notice.delivered_at)
        db.session.remove()
        return row


def test_item_11_failed_email_is_final_after_the_configured_attempts_and_opnieuw_proberen_sends_it_once(
        feedback_stack, smtp_server):
    from meldpunt.feedback.outbox import deliver, pending_notice_ids, sweep

    app = feedback_stack.app(feedback=QUICK)
    users = make_users(app)
    refusing = feedback_stack.start_worker("nosmtp", mail={"port": free_port(), "timeout": 2.0}, feedback=QUICK)
    notice_id, signal_id = _confirmation(
        app, factories.filed_in(app, reporter=users["melder"], description=GELDSTROMEN, columns=BY_EMAIL))

    # The worker tries exactly the configured number of times, then the e-mail is failed.
    wait_until(lambda: _email_row(app, notice_id)[0] == DeliveryState.FAILED.value, timeout=120, interval=0.5,
               what=f"the e-mail to be failed after {ATTEMPTS} attempts")
    assert f"notice {notice_id}: delivery failed after {ATTEMPTS} tries" in refusing.log()
    state, attempts, delivered_at = _email_row(app, notice_id)
    assert (state, attempts, delivered_at) == (DeliveryState.FAILED.value, ATTEMPTS, None)

    # Final: the sweep (past its republish window) never picks it up, and a stray run sends nothing.
    time.sleep(QUICK["republish_after_seconds"] + 0.5)
    settings = app.extensions["meldpunt.settings"]
    with app.app_context():
        assert notice_id not in pending_notice_ids(db.session, settings=settings)
        db.session.remove()
    assert sweep(app) == 0
    with app.app_context():
        assert deliver(db.session, notice_id=notice_id, settings=settings) == "failed"  # SMTP is up for this app
        db.session.remove()
    time.sleep(2)  # the refusing worker is still running: give it a chance to (wrongly) try again
    assert _email_row(app, notice_id)[:2] == (DeliveryState.FAILED.value, ATTEMPTS)
    assert smtp_server.received() == []
    refusing.stop()

    # The handler sees it on the signal page and on the feedback page, and tries again (POST, CSRF).
    feedback_stack.start_worker("smtp-up", feedback=QUICK)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    signal_page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Een e-mail aan de melder is niet bezorgd." in signal_page
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}/terugkoppeling").get_data(as_text=True)
    assert "E-mail aan de melder niet bezorgd" in page and "Opnieuw proberen" in page
    retry_url = f"/behandelen/meldingen/{signal_id}/terugkoppeling/{notice_id}/opnieuw"
    assert regisseur.post(retry_url, data={}).status_code == 400  # no CSRF token, no retry
    assert _email_row(app, notice_id)[0] == DeliveryState.FAILED.value
    response = regisseur.post(retry_url, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302

    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [users["melder"].email]
    wait_until(lambda: _email_row(app, notice_id)[2] is not None, what="the notice to be delivered")
    assert _email_row(app, notice_id)[0] == DeliveryState.SENT.value

    # Exactly one e-mail: a second click, the sweep and a stray run add nothing.
    again = regisseur.post(retry_url, data={"csrf_token": csrf_token(page)})
    assert again.status_code == 302
    assert sweep(app) == 0
    with app.app_context():
        assert deliver(db.session, notice_id=notice_id, settings=settings) == "already"
        retries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "notice.retry")).all()
        assert len(retries) == 1 and retries[0].actor_id == users["regisseur"].id
        assert retries[0].object_id == signal_id and f'"notice_id": {notice_id}' in retries[0].details
        db.session.remove()
    time.sleep(2)
    assert len(smtp_server.received()) == 1
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}/terugkoppeling").get_data(as_text=True)
    assert "E-mail aan de melder niet bezorgd" not in page


def test_item_11_retry_is_refused_for_another_signal_and_for_the_wrong_track(feedback_stack, smtp_server):
    """Need-to-know on the retry: another signal's notice is a 404; the integrity coordinator gets 404 too."""
    from meldpunt.signals.models import Signal

    app = feedback_stack.app(feedback=QUICK)
    users = make_users(app)
    notice_id, signal_id = _confirmation(
        app, factories.filed_in(app, reporter=users["melder"], description=GELDSTROMEN, columns=BY_EMAIL))
    _other_notice, other_signal = _confirmation(
        app, factories.filed_in(app, reporter=users["melder"], description=GELDSTROMEN, columns=BY_EMAIL))
    with app.app_context():  # make the e-mail failed without a worker, as the last attempt would
        db.session.execute(sa.update(Notice).where(Notice.id == notice_id).values(attempts=ATTEMPTS))
        db.session.add(NoticeDelivery(notice_id=notice_id, channel=DeliveryChannel.EMAIL.value,
                                      state=DeliveryState.FAILED.value, attempts=ATTEMPTS))
        db.session.commit()
        assert db.session.get(Signal, uuid.UUID(signal_id)).track == "regulier"
        db.session.remove()
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    token = csrf_token(regisseur.get(f"/behandelen/meldingen/{signal_id}/terugkoppeling").get_data(as_text=True))
    assert regisseur.post(f"/behandelen/meldingen/{other_signal}/terugkoppeling/{notice_id}/opnieuw",
                          data={"csrf_token": token}).status_code == 404
    coordinator = app.test_client()
    login_full(coordinator, users["integriteit"].email)
    token = csrf_token(coordinator.get("/mijn-meldingen").get_data(as_text=True))
    assert coordinator.post(f"/behandelen/meldingen/{signal_id}/terugkoppeling/{notice_id}/opnieuw",
                            data={"csrf_token": token}).status_code == 404
    assert _email_row(app, notice_id)[:2] == (DeliveryState.FAILED.value, ATTEMPTS)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "notice.retry")) == 0
        db.session.remove()
