"""Property-based contract test: schemathesis generates requests from /api/schema/ and checks
the answers (no 5xx; status codes, content types and bodies as the schema says). Bounded."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from ledger.wsgi import application

# Examples per API operation: enough to try odd inputs on every filter, quick enough for CI.
EXAMPLES = 12


# The schema is read from the running application, as a client would read it. Generating it
# touches no database, so it is loaded when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """Requests go straight to the WSGI app, not through Django's test client, so undo what the
    client would: at the end of a request Django closes a connection that is inside a
    transaction, which on PostgreSQL would end the test's own transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def magnitsky_ledger(seeded_ledger):
    """Real data to read and write against: the curated seed ledger (loaded once per module)."""


@schema.include(method="GET").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_anonymous_reads_conform_to_the_schema(case):
    # A filter naming an id or slug that does not exist is refused with a 400 on purpose (never
    # a silently empty list), though the schema cannot list which ids exist: so schemathesis's
    # "schema-valid data must be accepted" check does not apply here. Every other check does.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_writes_answer_as_the_schema_says(case, editor):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(editor)
    # Refusals included: a 400, 403, 404 or 409 must carry the body the schema documents. As
    # for reads, schema-valid data names ids that need not exist, so it may well be refused.
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"}, excluded_checks=[positive_data_acceptance]
    )
