"""Configuration: SQLite ready for concurrent use, production refusing unsafe defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path, django_db_blocker):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "ledger.sqlite3"),
                "OPTIONS": settings.SQLITE_OPTIONS,
            }
        }
    )
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.transaction_mode == "IMMEDIATE"
    finally:
        connection.close()


def manage(*args, **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_the_published_development_key():
    from ledger.settings import _DEV_SECRET_KEY

    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=_DEV_SECRET_KEY)
    assert result.returncode != 0
    assert "published development key" in result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "ledger.example.org",
    "LEDGER_REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checklist_fails_while_throttle_counts_are_per_worker():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **(PRODUCTION | {"LEDGER_REDIS_URL": ""})
    )
    assert result.returncode != 0
    assert "ledger.W001" in result.stderr


def email_settings(**environment) -> list[str]:
    show = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.DEFAULT_FROM_EMAIL, sep='|')"
    )
    result = manage("shell", "--no-imports", "-c", show, **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


def test_notification_emails_print_to_the_console_in_development_and_go_by_smtp_in_production():
    assert email_settings()[0] == "django.core.mail.backends.console.EmailBackend"
    assert email_settings(
        **PRODUCTION,
        LEDGER_EMAIL_HOST="smtp.example.org",
        LEDGER_EMAIL_PORT="465",
        LEDGER_EMAIL_FROM="Desk <desk@example.org>",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "465",
        "Desk <desk@example.org>",
    ]


def test_two_workers_share_one_throttle_count(tmp_path):
    """Two processes, as two gunicorn workers, against one Redis: the limit is the sum."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=15).flushdb()  # this test's own database
    worker = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='127.0.0.1', HTTP_ACCEPT='application/json')\n"
        "print(' '.join(str(client.get('/api/v1/').status_code) for _ in range(3)))\n"
    )
    environment = {
        "DJANGO_SETTINGS_MODULE": "ledger.settings",
        "LEDGER_REDIS_URL": "redis://127.0.0.1:6379/15",
        "LEDGER_API_ANON_RATE": "4/minute",
        "LEDGER_RESPONSE_CACHE_SECONDS": "0",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEDGER_"))}
    env |= environment | {"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    answers = []
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-c", worker], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        answers += run.stdout.split()
    assert answers == ["200", "200", "200", "200", "429", "429"]
