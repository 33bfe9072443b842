"""Fixtures for the feedback tests: a real SMTP server (aiosmtpd), real Redis, real Celery workers.

Import the fixtures into a test module with ``from tests.support.worker_stack import *``.

- ``smtp_server``: aiosmtpd on a free port; keeps what it receives in memory.
- ``feedback_stack``: builds the app (``stack.app(**overrides)``) and writes the same config as a
  TOML file for worker subprocesses (``stack.start_worker(**overrides)``) — same database, same
  keyring, Redis DB 5 with a queue name of its own per test, so tests never see each other's messages.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config, service_missing

FEEDBACK_REDIS_URL = os.environ.get("MELDPUNT_TEST_FEEDBACK_REDIS_URL", "redis://127.0.0.1:6379/5")
PROJECT_ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "FEEDBACK_REDIS_URL",
    "FeedbackStack",
    "Received",
    "SmtpServer",
    "feedback_stack",
    "feedback_stack_any_db",
    "free_port",
    "redis_client",
    "smtp_server",
    "wait_until",
    "write_toml",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], Any], *, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    """Poll until ``predicate()`` is truthy (a generous deadline, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# ----------------------------------------------------------------------------- SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    received_at: float
    #: The client's (host, port) of the SMTP connection that carried it: equal for a reused connection.
    peer: Any = None

    @property
    def message(self):
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: When set, the first ``RCPT TO`` gets no answer until ``release`` is set (then a 451): the sender
    #: waits on the server before any message content is sent. ``holding`` is set while it waits.
    hold_first_recipient: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        if self.hold_first_recipient and not self.holding.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 300)
            return "451 Please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content),
                                          time.time(), session.peer))
        return "250 OK"

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        return wait_until(lambda: len(self.received()) >= count and self.received(), timeout=timeout,
                          what=f"{count} e-mail(s) at the SMTP server")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    server.release.set()
    controller.stop()


# ----------------------------------------------------------------------------- Redis


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(FEEDBACK_REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", FEEDBACK_REDIS_URL, exc)
    yield client
    client.close()


# ----------------------------------------------------------------------------- config file for workers


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_toml(path: Path, config: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for section, values in config.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines))
    path.chmod(0o600)  # the app refuses a config file others can read
    return path


# ----------------------------------------------------------------------------- the stack


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker (and anything it started): no cleanup, no acknowledgement."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class FeedbackStack:
    instance_path: Path
    database_url: str
    smtp: SmtpServer
    queue: str
    broker_url: str = FEEDBACK_REDIS_URL
    apps: list[Any] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)

    def config(self, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
        base = make_config(
            self.instance_path, self.database_url,
            broker={"url": self.broker_url, "publish_timeout": 1.0, "queue": self.queue},
            mail={"host": self.smtp.host, "port": self.smtp.port, "timeout": 10.0, "sender": "meldpunt@test.example"},
            app={"base_url": "https://meldpunt.test.example", "secret_key": "s" * 48},
            feedback={"claim_lease_seconds": 120.0, "republish_after_seconds": 300.0},
        )
        for section, values in sections.items():
            base.setdefault(section, {}).update(values)
        return base

    def app(self, **sections: dict[str, Any]):
        from meldpunt import create_app
        from meldpunt.extensions import db

        app = create_app(self.config(**sections))
        app.config["TESTING"] = True
        with app.app_context():
            db.create_all()
        self.apps.append(app)
        return app

    def start_worker(self, name: str = "w", *, beat: bool = False, **sections: dict[str, Any]) -> Worker:
        """A real Celery worker on this stack's queue; ``beat=True`` runs the beat schedule in it too (``-B``)."""
        config_path = write_toml(self.instance_path / f"worker-{name}.toml", self.config(**sections))
        log_path = self.instance_path / f"worker-{name}.log"
        env = dict(os.environ, MELDPUNT_CONFIG=str(config_path), PYTHONUNBUFFERED="1")
        celery_bin = str(Path(sys.executable).parent / "celery")
        log_file = open(log_path, "wb")  # noqa: SIM115 - handed to the child process
        process = subprocess.Popen(  # nosec B603 - our own worker, fixed arguments
            [celery_bin, "-A", "workers.main", "worker", "--pool=solo", "-Q", self.queue, "-l", "INFO",
             "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
             *(["-B", "-s", str(self.instance_path / f"beat-{name}")] if beat else [])],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log_file.close()
        worker = Worker(process, log_path)
        self.workers.append(worker)
        try:
            wait_until(lambda: "ready." in worker.log() or process.poll() is not None, timeout=60,
                       what="the Celery worker to start")
        except AssertionError:
            worker.stop()
            raise
        if process.poll() is not None:
            raise AssertionError(f"Celery worker exited:\n{worker.log()[-3000:]}")
        return worker

    def close(self) -> None:
        from meldpunt.extensions import db

        for worker in self.workers:
            worker.stop()
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def feedback_stack(instance_path, sqlite_database, smtp_server, redis_client) -> Iterator[FeedbackStack]:
    """SQLite-file database; see ``feedback_stack_any_db`` in the tests for PostgreSQL too."""
    stack = FeedbackStack(instance_path, sqlite_database, smtp_server, queue=f"fb-test-{uuid.uuid4().hex[:10]}")
    yield stack
    stack.close()
    redis_client.delete(stack.queue)



@pytest.fixture
def feedback_stack_any_db(instance_path, database_url, smtp_server, redis_client) -> Iterator[FeedbackStack]:
    """The same stack on SQLite and on PostgreSQL (parametrised by ``database_url``)."""
    stack = FeedbackStack(instance_path, database_url, smtp_server, queue=f"fb-test-{uuid.uuid4().hex[:10]}")
    yield stack
    stack.close()
    redis_client.delete(stack.queue)
