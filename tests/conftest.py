import pytest
from django.conf import settings
from django.db import transaction

from claims.seeding import load_ledger


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
def superuser(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", password="pw")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
