"""Configuration: SQLite ready for concurrent use, production refusing unsafe defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="ledger.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
