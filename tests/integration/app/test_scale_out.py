"""Scale-out proof (issue 23, bullet "Scale-out proof"): the production shape on one machine.

Two gunicorn instances (2 sync workers each) and two Celery workers share one PostgreSQL database
and one Redis. Reporters log in on one instance and file over HTTP alternately on both, the way a
load balancer without sticky sessions spreads them. Every confirmation notice reaches the SMTP
server (aiosmtpd) exactly once, both web instances and both Celery workers did part of the work,
and ``flask audit verify`` finds the trail intact. Bounded: 40 filings.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery
from tests.conftest import PASSWORD, make_users
from tests.support.forms import send_data
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import PROJECT_ROOT, FeedbackStack, free_port, wait_until, write_toml

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

FILINGS = 40
REPORTERS = 4


@pytest.fixture
def pg_stack(instance_path, pg_database, smtp_server, redis_client):
    stack = FeedbackStack(instance_path, pg_database, smtp_server, queue=f"fb-scale-{uuid.uuid4().hex[:10]}")
    yield stack
    stack.close()
    redis_client.delete(stack.queue)


class Gunicorn:
    def __init__(self, name: str, config_path: Path, log_dir: Path) -> None:
        self.port = free_port()
        self.access_log = log_dir / f"gunicorn-{name}-access.log"
        self.error_log = log_dir / f"gunicorn-{name}-error.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # nosec B603 - our own server, fixed arguments
            [str(gunicorn), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{self.port}", "--chdir", str(PROJECT_ROOT),
             "--access-logfile", str(self.access_log), "--error-logfile", str(self.error_log), "meldpunt:create_app()"],
            env=dict(os.environ, MELDPUNT_CONFIG=str(config_path)), stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.error_log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.base}/inloggen", timeout=20) as response:  # nosec B310 - 127.0.0.1
                return response.status == 200
        except OSError:  # refused, reset or slow while the workers start
            return False

    def filings_served(self) -> int:
        text = self.access_log.read_text(errors="replace") if self.access_log.exists() else ""
        return len(re.findall(r'"POST /melden/controleren HTTP/1\.[01]" 303', text))  # the send files

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


class Reporter:
    """One browser: a cookie jar shared by both instances (same host, as behind one load balancer)."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def log_in(self, base: str) -> None:
        page = self.opener.open(f"{base}/inloggen", timeout=60).read().decode()
        data = urllib.parse.urlencode({"email": self.email, "password": PASSWORD, "csrf_token": _csrf(page)}).encode()
        self.opener.open(f"{base}/inloggen", data=data, timeout=60).read()

    def file(self, base: str, number: int) -> str:
        """File one signal asking for news by e-mail; returns the reference from the confirmation page's URL."""
        token = _csrf(self.opener.open(f"{base}/melden", timeout=60).read().decode())
        data = urllib.parse.urlencode({
            "csrf_token": token, "identity": "naam", "feedback": "email",
            "description": f"Schaalproef {number}: 's nachts worden bij het pand steeds andere busjes gelost.",
        }).encode()
        with self.opener.open(f"{base}/melden", data=data, timeout=60) as check:  # 303 → "Controleer uw melding"
            page = check.read().decode()
            assert check.geturl().endswith("/melden/controleren"), check.geturl()
        send = urllib.parse.urlencode(send_data(page)).encode()
        with self.opener.open(f"{base}/melden/controleren", data=send, timeout=60) as response:
            response.read()
            found = re.search(r"/melden/bevestiging/([^/?#]+)", response.geturl())
            assert response.status == 200 and found, (response.status, response.geturl())
            return found.group(1)


def test_scale_out_two_web_instances_and_two_workers_deliver_every_notice_once_and_the_chain_verifies(
    pg_stack, smtp_server, tmp_path
):
    from meldpunt.auth.models import User

    app = pg_stack.app()
    accounts = [make_users(app, suffix=f"-{n}")["melder"] for n in range(REPORTERS)]
    config_path = write_toml(pg_stack.instance_path / "web.toml", pg_stack.config(app={"log_level": "WARNING"}))
    workers = [pg_stack.start_worker("a"), pg_stack.start_worker("b")]
    webs = [Gunicorn("a", config_path, tmp_path), Gunicorn("b", config_path, tmp_path)]
    try:
        for web in webs:
            wait_until(web.answers, timeout=60, what="gunicorn to answer")
        reporters = [Reporter(account.email) for account in accounts]
        for number, reporter in enumerate(reporters):
            reporter.log_in(webs[number % 2].base)  # the session is in the database: the other instance knows it

        def file(number: int) -> str:
            # Filing n goes to instance n % 2: each reporter's filings land on both instances.
            return reporters[number % REPORTERS].file(webs[(number // REPORTERS + number) % 2].base, number)

        def file_all_of(reporter: int) -> list[str]:
            # One browser files one form at a time (its draft for the check page is one per session).
            return [file(number) for number in range(reporter, FILINGS, REPORTERS)]

        with ThreadPoolExecutor(max_workers=REPORTERS) as pool:
            references = [ref for refs in pool.map(file_all_of, range(REPORTERS)) for ref in refs]
        assert len(set(references)) == FILINGS
        served = [web.filings_served() for web in webs]
        assert sum(served) == FILINGS and all(count > 0 for count in served), served

        with app.app_context():
            reporter_ids = [db.session.scalar(sa.select(User.id).where(User.email == a.email)) for a in accounts]
            notice_ids = set(db.session.scalars(
                sa.select(Notice.id).where(Notice.signal_id.is_not(None))
            ).all())
            db.session.remove()
        assert len(notice_ids) == FILINGS and len(reporter_ids) == REPORTERS

        def all_delivered() -> bool:
            with app.app_context():
                left = db.session.scalar(
                    sa.select(sa.func.count()).select_from(Notice)
                    .where(Notice.id.in_(notice_ids), Notice.delivered_at.is_(None)))
                db.session.remove()
            return left == 0

        wait_until(all_delivered, timeout=180, what="every notice delivered")
        messages = smtp_server.wait_for(FILINGS, timeout=60)
    finally:
        for web in webs:
            web.stop()
        for worker in workers:
            worker.stop()

    # Exactly once: one e-mail per notice, told apart by the notice's stable Message-ID.
    message_ids = sorted(m.message["Message-ID"] for m in messages)
    assert len(message_ids) == FILINGS
    assert set(message_ids) == {f"<notice-{i}@meldpunt.test.example>" for i in notice_ids}
    with app.app_context():
        states = db.session.execute(
            sa.select(NoticeDelivery.state, sa.func.count()).where(
                NoticeDelivery.notice_id.in_(notice_ids), NoticeDelivery.channel == DeliveryChannel.EMAIL.value)
            .group_by(NoticeDelivery.state)).all()
        db.session.remove()
    assert dict(states) == {DeliveryState.SENT.value: FILINGS}
    # Both workers delivered part of the burst.
    for worker in workers:
        assert "deliver_notice" in worker.log() and "succeeded" in worker.log(), worker.log()[-2000:]

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output
