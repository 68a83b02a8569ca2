"""Security in depth: response headers, login throttling, and an audit log without secrets."""

import base64
import logging
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from claims import services
from ledger.demo_accounts import demo_accounts_disabled
from ledger.login_limits import unlock_account
from tests import factories

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-9f3c"


def admin_login(client, username, password, address="127.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


# -- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/v1/claims/", "/api/docs/"])
def test_every_kind_of_page_carries_the_protective_headers(client, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no inline script, anywhere
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"


def test_public_pages_allow_no_inline_style_either(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy


# One HTTPS request under production settings: the headers and cookies a browser would get.
PROBE = """
from django.conf import settings
from django.test import Client
response = Client().get("/robots.txt", secure=True, HTTP_HOST="ledger.example.org")
print("HSTS", response["Strict-Transport-Security"])
print("CSRF", settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_SAMESITE)
print("SESSION", settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
      settings.SESSION_COOKIE_SAMESITE)
insecure = Client().get("/robots.txt", HTTP_HOST="ledger.example.org")
print("REDIRECT", insecure.status_code, insecure.get("Location"))
"""


def test_production_answers_with_hsts_secure_cookies_and_an_https_redirect(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="ledger.example.org",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        # An empty database: no response cache (its change token lives in a table).
        LEDGER_RESPONSE_CACHE_SECONDS="0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["HSTS"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["CSRF"] == "True Lax"
    assert lines["SESSION"] == "True True Lax"
    assert lines["REDIRECT"] == "301 https://ledger.example.org/robots.txt"


# -- login throttling -----------------------------------------------------------------------------


def test_admin_login_locks_an_account_out_after_five_wrong_passwords(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(client, "edna", WRONG).status_code == 200  # the form, with an error
    locked = admin_login(client, "edna", WRONG)
    assert locked.status_code == 429
    assert b"locked" in locked.content.lower()

    # Even the right password is refused until the cool-off has passed...
    assert admin_login(client, "edna", "pw").status_code == 429
    # ...but only for that account from that address: a colleague can still sign in.
    factories.user("colleague", "Editors")
    assert admin_login(client, "colleague", "pw").status_code == 302


def test_a_correct_password_before_the_limit_resets_the_count(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "edna", WRONG)
    assert admin_login(client, "edna", "pw").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(client, "edna", WRONG).status_code == 200


def basic(username, password):
    raw = f"{username}:{password}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def test_the_api_token_login_is_throttled_by_the_same_counter(editor):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/v1/auth/login/", **basic("edna", WRONG)).status_code == 401
    assert api.post("/api/v1/auth/login/", **basic("edna", WRONG)).status_code == 429
    refused = api.post("/api/v1/auth/login/", **basic("edna", "pw"))
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.json()["detail"]
    assert "token" not in refused.json()


def guesses_from_many_addresses(client, username, *, addresses, each):
    """Wrong passwords, `each` from every address: what a guesser rotating addresses does.
    Returns the status of every attempt."""
    return [
        admin_login(client, username, WRONG, address=f"10.0.{n // 250}.{n % 250 + 1}").status_code
        for n in range(addresses)
        for _ in range(each)
    ]


def test_rotating_addresses_locks_the_account_everywhere_after_twenty_failures(client, editor):
    per_address = settings.AXES_FAILURE_LIMIT - 1  # never enough to lock any one address
    statuses = guesses_from_many_addresses(client, "edna", addresses=20, each=per_address)
    # 80 guesses from 20 addresses: the form answers the first 19, the 20th locks the account.
    limit = settings.LEDGER_ACCOUNT_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}

    # The right password, from an address that never failed, is refused too, saying why.
    refused = admin_login(client, "edna", "pw", address="192.0.2.7")
    assert refused.status_code == 429
    assert b"This account is locked" in refused.content
    assert b"several addresses" in refused.content
    assert b"administrator unlocks it" in refused.content
    # The API's token login says the same.
    api = APIClient(REMOTE_ADDR="192.0.2.8")
    answer = api.post("/api/v1/auth/login/", **basic("edna", "pw"))
    assert answer.status_code == 429
    assert answer.json()["detail"].startswith("This account is locked")

    # Other accounts are not touched.
    factories.user("colleague", "Editors")
    assert admin_login(client, "colleague", "pw").status_code == 302


def test_failures_below_the_account_limit_spread_over_addresses_do_not_lock(client, editor):
    limit = settings.LEDGER_ACCOUNT_FAILURE_LIMIT
    statuses = guesses_from_many_addresses(client, "edna", addresses=limit - 1, each=1)
    assert set(statuses) == {200}
    assert admin_login(client, "edna", "pw", address="192.0.2.7").status_code == 302


def test_a_superuser_unlocks_a_locked_account_from_the_account_list(client, editor, superuser):
    guesses_from_many_addresses(
        client, "edna", addresses=settings.LEDGER_ACCOUNT_FAILURE_LIMIT, each=1
    )
    assert admin_login(client, "edna", "pw").status_code == 429

    admin = Client()
    admin.force_login(superuser)
    listing = admin.get("/admin/auth/user/")
    # The refused right password counts too: a guesser who keeps trying keeps the lock on.
    assert "Locked: 21 failed logins" in listing.content.decode()
    done = admin.post(
        "/admin/auth/user/",
        {"action": "unlock_logins", "_selected_action": [editor.pk]},
        follow=True,
    )
    assert "Unlocked 1 account(s)" in done.content.decode()

    assert admin_login(client, "edna", "pw").status_code == 302


def test_only_a_superuser_may_unlock_an_account(editor):
    with pytest.raises(PermissionError):
        unlock_account(username="edna", by=editor)


# -- the audit log --------------------------------------------------------------------------------


def test_a_failed_login_is_logged_without_the_password(client, editor, caplog):
    with caplog.at_level(logging.INFO):
        admin_login(client, "edna", WRONG)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "login failure" in logged.lower()
    assert WRONG not in logged


def test_a_refused_review_step_is_logged_with_who_what_and_why(editor, caplog):
    claim = services.claim_create(text="My own claim.", by=editor)
    services.evidence_add(
        claim=claim,
        excerpt=services.excerpt_create(
            source=factories.source(), quote="in November 2009", by=editor
        ),
        stance="supports",
        by=editor,
        expected_version=claim.version,
    )
    api = APIClient()
    api.force_authenticate(editor)
    with caplog.at_level(logging.WARNING, logger="claims.security"):
        response = api.post(f"/api/v1/claims/{claim.pk}/publish/", format="json")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "claims.security"]
    assert record.getMessage() == f"Refused publish of claim {claim.pk} by 'edna': NotAllowed"


def test_a_forbidden_request_is_logged_with_its_path_but_not_its_credentials(reviewer, caplog):
    api = APIClient()
    token = "a-secret-token-value"
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with caplog.at_level(logging.WARNING):
        response = api.post("/api/v1/claims/", {"text": "x"}, format="json")
    assert response.status_code == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/claims/" in logged
    assert token not in logged


def test_a_changed_password_revokes_every_api_token_of_the_account(editor):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    _, token = AuthToken.objects.create(user=editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/claims/?review_state=draft").status_code == 200

    editor.set_password("a new and better password")
    editor.save()

    assert not AuthToken.objects.filter(user=editor).exists()
    assert client.get("/api/v1/claims/?review_state=draft").status_code == 401
    editor.first_name = "Edna"  # any other change leaves tokens alone
    AuthToken.objects.create(user=editor)
    editor.save()
    assert AuthToken.objects.filter(user=editor).count() == 1


def test_a_demo_accounts_published_password_is_refused_outside_development(client, settings):
    User.objects.create_user("editor", password="editor-demo", is_staff=True)
    settings.DEBUG = False
    login = RequestFactory().post("/admin/login/")
    assert authenticate(login, username="editor", password="editor-demo") is None
    response = client.post("/admin/login/", {"username": "editor", "password": "editor-demo"})
    assert not response.wsgi_request.user.is_authenticated
    basic = base64.b64encode(b"editor:editor-demo").decode()
    token = APIClient().post("/api/v1/auth/login/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert token.status_code in (401, 403)
    settings.DEBUG = True  # in development the demo login works, as the README says
    assert authenticate(login, username="editor", password="editor-demo") is not None


def test_a_restore_outside_development_disables_demo_accounts():
    User.objects.create_user("reviewer", password="reviewer-demo")
    User.objects.create_user("reviewer2", password="a password of its own")
    assert demo_accounts_disabled(User) == ["reviewer"]
    assert not User.objects.get(username="reviewer").has_usable_password()
    assert User.objects.get(username="reviewer2").check_password("a password of its own")


def test_an_export_says_when_it_carries_demo_accounts(tmp_path, capsys):
    from django.core.management import call_command

    User.objects.create_user("editor2", password="editor2-demo")
    call_command("export_ledger", str(tmp_path / "ledger.jsonl"))
    assert "carries demo accounts with published passwords (editor2)" in capsys.readouterr().out
