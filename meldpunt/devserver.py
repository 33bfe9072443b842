"""Run the whole system on one machine in the foreground: web, Celery worker and beat (``make run``).

Picks the broker: Redis at the configured URL when it answers; otherwise a local
``redis-server`` when one is installed; otherwise Celery's embedded SQLAlchemy
transport on a SQLite file (said so, once). Also starts a small SMTP catcher
when the configured mail server does not answer. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess  # nosec B404 # starts our own processes with fixed argument lists
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from meldpunt.config import load_settings


def _answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _redis_answers(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def _start(argv: list[str], **kwargs) -> subprocess.Popen:
    """Start one of our own processes (fixed argument list, no shell)."""
    return subprocess.Popen(argv, **kwargs)  # nosec B603 - our own executables, no shell, no user input


def _say(line: str) -> None:
    print(f"meldpunt: {line}", flush=True)


def main() -> int:
    settings = load_settings(os.environ.get("MELDPUNT_CONFIG", "instance/config.toml"))
    env = dict(os.environ)
    env.setdefault("MELDPUNT_CONFIG", str(settings.source))
    procs: list[tuple[str, subprocess.Popen]] = []
    venv_bin = Path(sys.executable).parent

    broker = settings.broker_url
    if broker.startswith("redis") and not _redis_answers(broker):
        redis_server = shutil.which("redis-server")
        parts = urlsplit(broker)
        if redis_server and parts.hostname in {"127.0.0.1", "localhost"}:
            _say(f"Redis does not answer at {broker}; starting a local redis-server")
            redis_argv = [redis_server, "--bind", "127.0.0.1", "--port", str(parts.port or 6379),
                          "--save", "", "--appendonly", "no"]
            procs.append(("redis", _start(redis_argv, stdout=subprocess.DEVNULL)))
            for _ in range(50):
                if _redis_answers(broker):
                    break
                time.sleep(0.1)
        else:
            broker = settings.broker_fallback_url
            _say(f"Redis does not answer at {settings.broker_url} and no redis-server is installed; "
                 f"Celery runs on the embedded broker {broker}")
    env["MELDPUNT_BROKER_URL"] = broker

    if not _answers(settings.mail.host, settings.mail.port):
        if settings.mail.host in {"127.0.0.1", "localhost"}:
            _say(f"no mail server at {settings.mail.host}:{settings.mail.port}; starting a local catcher "
                 "that logs arrivals (not contents)")
            catcher = [sys.executable, "-m", "meldpunt.mailcatcher", settings.mail.host, str(settings.mail.port)]
            procs.append(("mail", _start(catcher, env=env)))
        else:
            _say(f"mail server {settings.mail.host}:{settings.mail.port} does not answer; notices wait in the outbox")

    flask = [str(venv_bin / "flask"), "--app", "meldpunt"]
    celery = [str(venv_bin / "celery"), "-A", "workers.main"]
    parts = urlsplit(settings.base_url)
    procs.append(("web", _start(
        flask + ["run", "--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5000)], env=env)))
    procs.append(("worker", _start(celery + ["worker", "--loglevel", "INFO", "--concurrency", "2"], env=env)))
    beat_schedule = settings.instance_path / "celerybeat-schedule"
    procs.append(("beat", _start(
        celery + ["beat", "--loglevel", "INFO", "--schedule", str(beat_schedule)], env=env)))
    _say(f"web on {settings.base_url}, Celery worker and beat running. Ctrl-C stops all.")

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while not stopping:
            for name, proc in procs:
                if proc.poll() is not None:
                    _say(f"{name} stopped (exit {proc.returncode}); stopping the rest")
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for _name, proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.time() + 10
        for _name, proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
        _say("stopped")
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
