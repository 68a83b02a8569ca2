"""A client generated from the schema works as generated: openapi-python-client (pinned in the dev
dependencies) writes it into a temporary directory, every module imports, and it reads and
writes the API (through WSGI, in the test's own transaction) without a hand edit."""

import base64
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from tests import factories

PACKAGE = "ledger_client"


@pytest.fixture(scope="session")
def ledger_client(openapi_schema, tmp_path_factory):
    """The generated client package, generated once per test session and importable."""
    workdir = tmp_path_factory.mktemp("generated-client")
    schema_file = workdir / "schema.json"
    schema_file.write_text(json.dumps(openapi_schema))
    # The generator formats its output with ruff, which it looks for on PATH: the virtualenv's.
    tools = Path(sys.executable).parent
    generated = subprocess.run(
        [
            tools / "openapi-python-client",
            "generate",
            "--path",
            schema_file,
            "--meta",
            "none",
            "--output-path",
            workdir / PACKAGE,
        ],
        cwd=workdir,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    # The generator skips what it cannot read with a warning and still succeeds.
    assert "Warning" not in output, output
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_module_of_a_generated_client_imports(ledger_client):
    failures = {}
    for found in pkgutil.walk_packages(ledger_client.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(found.name)
        except Exception as error:  # noqa: BLE001 (each failure is reported, not the first)
            failures[found.name] = repr(error)
    assert failures == {}


@pytest.fixture
def published_claims():
    """Five published claims, one of them in agreement (two publishers support it)."""
    paper, ngo = factories.publisher("The Paper"), factories.publisher("The NGO")
    source = factories.source(publisher_=paper)
    other = factories.source(publisher_=ngo)
    agreed = factories.claim("He was beaten by guards.")
    factories.evidence(agreed, source, "savage beating by prison guards")
    factories.evidence(agreed, other, "his body bearing bruises")
    for number in range(4):
        claim = factories.claim(f"Claim number {number}.")
        factories.evidence(claim, source, "in November 2009")
    return agreed


SERVER = "http://testserver"


def over_wsgi() -> dict:
    """The client's HTTP goes to the app through WSGI, in this thread: it sees the test's
    uncommitted rows, so the test needs no live server and no commit (a transactional test
    leaves the tables flushed, which upset the browser tests that followed it)."""
    return {"transport": httpx.WSGITransport(app=get_wsgi_application())}


@pytest.fixture
def connections_kept_open():
    """Django closes the database connection when a request starts and ends; here that would
    close the test's own connection, inside its transaction (Django's test client stops this
    the same way while it serves a request)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.mark.django_db
def test_a_generated_client_reads_and_writes_the_api(
    ledger_client, published_claims, editor, connections_kept_open
):
    from ledger_client import AuthenticatedClient, Client
    from ledger_client.models import ClaimWriteRequest, WebAnnotation

    claims = module("api.v1.v1_claims_list")
    anonymous = Client(base_url=SERVER, raise_on_unexpected_status=True, httpx_args=over_wsgi())

    # Every published claim, two a page, to the end of the cursor.
    seen, cursor = [], None
    while True:
        page = claims.sync(client=anonymous, page_size=2, cursor=cursor or None)
        seen += [claim.id for claim in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert len(seen) == len(set(seen)) == 5

    agreement = module("models.v1_claims_list_status").V1ClaimsListStatus.AGREEMENT
    agreed = claims.sync(client=anonymous, status=agreement)
    assert [claim.id for claim in agreed.results] == [published_claims.pk]

    # The typed call reads the JSON form; an annotation is read with the client's own HTTP
    # client and parsed into the generated model (the generator types one form per answer).
    excerpt_id = agreed.results[0].evidence[0].excerpt.id
    answer = anonymous.get_httpx_client().get(
        f"/api/v1/excerpts/{excerpt_id}/", params={"format": "annotation"}
    )
    annotation = WebAnnotation.from_dict(answer.json())
    assert annotation.type_ == "Annotation" and annotation.id.endswith(f"/{excerpt_id}/")

    # An editor logs in with HTTP Basic for a token, writes a draft, and reads a refusal.
    basic = base64.b64encode(b"edna:pw").decode()
    login = module("api.v1.v1_auth_login_create")
    basic_client = AuthenticatedClient(SERVER, token=basic, prefix="Basic", httpx_args=over_wsgi())
    token = login.sync(client=basic_client)
    desk = AuthenticatedClient(SERVER, token=token.token, prefix="Token", httpx_args=over_wsgi())
    create = module("api.v1.v1_claims_create")

    draft = create.sync(client=desk, body=ClaimWriteRequest(text="A new draft claim."))
    assert (draft.text, draft.review_state) == ("A new draft claim.", "draft")

    refused = create.sync_detailed(
        client=desk, body=ClaimWriteRequest(text="Another.", dispute="no-such-dispute")
    )
    assert refused.status_code == 400
    assert "no-such-dispute" in refused.parsed["dispute"][0]
