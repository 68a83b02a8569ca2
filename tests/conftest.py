import json
import os

import pytest
from django.conf import settings
from django.db import transaction

from claims.ops.loader import load_ledger

pytest_plugins = ["tests.write_guard"]  # ledger rows are written by claims/services/ alone


@pytest.fixture
def seeds_dir():
    return settings.LEDGER_SEEDS_DIR


@pytest.fixture(scope="module")
def _seeded_ledger_for_module(django_db_setup, django_db_blocker):
    # Loading the curated ledger takes a second or two, so each test module loads it once inside
    # a transaction of its own; every test then runs in a savepoint within it, and the whole
    # module's data is rolled back at the end (the pattern of Django's setUpTestData).
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_ledger(settings.LEDGER_SEEDS_DIR / "ledger.yaml")
        transaction.set_rollback(True)


@pytest.fixture
def seeded_ledger(_seeded_ledger_for_module, db):
    """The curated Magnitsky ledger, loaded as `make run` loads it."""
    return _seeded_ledger_for_module


@pytest.fixture
def editor(db):
    from tests.factories import user

    return user("edna", "Editors")


@pytest.fixture
def other_editor(db):
    from tests.factories import user

    return user("ed", "Editors")


@pytest.fixture
def reviewer(db):
    from tests.factories import user

    return user("rita", "Reviewers")


@pytest.fixture
def published(editor, reviewer):
    """A claim by `editor` quoting one source, published by `reviewer`: (claim, source, excerpt)."""
    from claims import services
    from tests import factories

    source = factories.source()
    claim = services.claim_create(text="He was beaten.", dispute=factories.dispute(), by=editor)
    excerpt = services.excerpt_create(
        source=source, quote="savage beating by prison guards", by=editor
    )
    services.evidence_add(
        claim=claim, excerpt=excerpt, stance="supports", by=editor, expected_version=claim.version
    )
    for action, by in (("submit", editor), ("publish", reviewer)):
        claim.refresh_from_db()
        services.claim_transition(claim=claim, action=action, by=by, expected_version=claim.version)
    claim.refresh_from_db()
    return claim, source, excerpt


@pytest.fixture
def superuser(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", password="pw")


@pytest.fixture(scope="session")
def openapi_schema() -> dict:
    """The API's OpenAPI schema as `/api/schema/` serves it (JSON), generated once in process."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    # The response cache learns of writes when their transaction commits, and most tests never
    # commit (they run in a transaction that is rolled back). tests/test_response_cache.py turns
    # it on with real commits; everywhere else a read must show the test's own writes.
    settings.LEDGER_RESPONSE_CACHE_SECONDS = 0
    settings.CACHES = {
        **settings.CACHES,
        "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# -- browser tests --------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = settings.BASE_DIR / "var" / "test-screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the test thread; the ORM calls a test makes
    # between browser steps are still synchronous, so Django's async-safety guard is lifted.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def is_csp_violation(message) -> bool:
    """Chromium reports every script, style or fetch the Content-Security-Policy blocks here."""
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def page(browser, request):
    """A fresh browser tab; on failure its screenshot is saved under var/test-screenshots/.

    Every browser test doubles as a Content-Security-Policy check: a page that breaks under the
    policy (a blocked script, style or request) fails the test that visited it.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    violations = []
    tab.on("console", lambda message: is_csp_violation(message) and violations.append(message.text))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
