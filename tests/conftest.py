import pytest
from django.conf import settings

from claims.seeding import load_ledger


@pytest.fixture
def seeds_dir():
    return settings.LEDGER_SEEDS_DIR


@pytest.fixture
def seeded_ledger(db, seeds_dir):
    """The curated Magnitsky ledger, loaded as `make run` loads it."""
    return load_ledger(seeds_dir / "ledger.yaml")
