"""Oversized and malformed requests are refused with a 4xx and a message, never a 500.

Bodies too large for the server (413), too many form fields, broken or deeply nested JSON, wrong
types, unknown fields, unreadable login bodies and requests for another host: each is answered
before anything is written, and a well-formed write still goes through the strict input.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, Excerpt
from tests.hostile import (
    API,
    TEN_MB,
    a_draft,
    admin_url,
    api_as,
    fresh_throttle,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor):
    return a_draft(editor)


# -- oversized bodies -----------------------------------------------------------------------------


def test_a_ten_megabyte_quote_is_a_413_with_a_clear_message(draft, editor):
    api = api_as(editor)
    big = "x" * TEN_MB
    url = f"{API}/excerpts/"
    bodies = {
        "json": lambda: api.post(url, {"source": draft["source"].pk, "quote": big}, format="json"),
        "multipart": lambda: api.post(
            url, {"source": draft["source"].pk, "quote": big}, format="multipart"
        ),
        "urlencoded": lambda: api.generic(
            "POST",
            url,
            urllib.parse.urlencode({"source": draft["source"].pk, "quote": big}),
            content_type="application/x-www-form-urlencoded",
        ),
    }
    for encoding, send in bodies.items():
        response = send()
        assert response.status_code == 413, encoding
        assert response["Content-Type"] == "application/json"
        assert "larger than this server accepts (2.5 MB)" in response.json()["detail"]
    assert Excerpt.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    ["claims/", "sources/", "claims/{claim}/evidence/", "claims/{claim}/submit/"],
)
def test_every_write_answers_an_oversized_body_with_a_413(draft, editor, url):
    body = json.dumps({"text": "x" * TEN_MB})

    response = api_as(editor).generic(
        "POST",
        f"{API}/{url.format(claim=draft['claim'].pk)}",
        body,
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.parametrize("password", ["pw", "wrong"])
def test_a_login_with_an_unreadable_body_is_refused_before_the_password_is_checked(
    editor, password
):
    # django-axes logs a failed login with its form body; had the password been checked first,
    # a body too large to log would keep wrong guesses out of the lockout count, while the right
    # one still got a token.
    credentials = base64.b64encode(f"edna:{password}".encode()).decode()
    client = APIClient(raise_request_exception=False)
    oversized = client.generic(
        "POST",
        f"{API}/auth/login/",
        "x" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )
    malformed = client.generic(
        "POST",
        f"{API}/auth/login/",
        "xx",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )

    assert oversized.status_code == 413 and oversized.json()["code"] == "too_large"
    assert malformed.status_code == 400 and "Multipart" in malformed.json()["detail"]


def test_admin_forms_answer_an_oversized_body_with_a_413_page(client, draft, superuser):
    client.force_login(superuser)
    quote = client.post(
        admin_url("source_quote", draft["source"].pk),
        {"quote": "x" * TEN_MB, "stance": "supports"},
    )
    claim = client.post(admin_url("claim_add"), {"text": "x" * TEN_MB, "slug": "big"})

    for response in (quote, claim):
        assert response.status_code == 413
        assert "larger than this server accepts (2.5 MB)" in response.content.decode()
    assert not Claim.objects.filter(slug="big").exists()


def test_too_many_form_fields_is_a_400_that_says_so(client, superuser, editor):
    fields = {f"field{i}": "x" for i in range(1500)}
    client.force_login(superuser)

    page = client.post(admin_url("claim_add"), fields)
    api = api_as(editor).post(f"{API}/claims/", fields, format="multipart")

    assert page.status_code == 400 and "more form fields" in page.content.decode()
    assert api.status_code == 400 and api.json()["code"] == "too_many_fields"


# -- malformed bodies -----------------------------------------------------------------------------

# Bodies a careless or hostile client sends: each is a 400 (or 415) with a message, never a 500.
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DEEP = "[" * 100_000 + "]" * 100_000
EVIDENCE, SUBMIT = "claims/{claim}/evidence/", "claims/{claim}/submit/"
# fmt: off
MALFORMED = [
    # url, raw body, content type, status, the key holding the message, what the message says
    pytest.param("claims/", '{"text": "a"', JSON, 400, "detail", "JSON parse error",
                 id="broken JSON"),
    pytest.param("claims/", DEEP, JSON, 400, "detail", "nested too deeply",
                 id="JSON nested 100,000 deep"),
    pytest.param("claims/", '{"text": ' + DEEP + "}", JSON, 400, "detail", "nested too deeply",
                 id="deep inside a field"),
    pytest.param("claims/", b'{"text": "\xff\xfe"}', JSON, 400, "detail", "JSON parse error",
                 id="not UTF-8"),
    pytest.param(EVIDENCE, '{"excerpt": NaN, "stance": "supports", "version": 1}', JSON, 400,
                 "detail", "JSON parse error", id="NaN"),
    pytest.param("claims/", "[1, 2]", JSON, 400, "non_field_errors", "Expected a dictionary",
                 id="a list, not an object"),
    pytest.param("claims/", '"text"', JSON, 400, "non_field_errors", "Expected a dictionary",
                 id="a bare string"),
    pytest.param("claims/", '{"text": 5}', JSON, 400, "text", "Not a valid string",
                 id="a number for text"),
    pytest.param("claims/", '{"text": {"$ne": ""}}', JSON, 400, "text", "Not a valid string",
                 id="an object for text"),
    pytest.param(EVIDENCE, '{"excerpt": 1, "stance": "supports", "version": true}', JSON, 400,
                 "version", "valid integer", id="true for a version"),
    pytest.param(EVIDENCE, '{"excerpt": 1e30, "stance": "supports", "version": 1}', JSON, 400,
                 "excerpt", "does not exist", id="a float id"),
    pytest.param(EVIDENCE, '{"excerpt": 100000000000000000000000, "stance": "supports", '
                 '"version": 1}', JSON, 400, "excerpt", "does not exist", id="a huge id"),
    pytest.param("claims/", '{"text": "a", "dispute": "\\ud800"}', JSON, 400, "dispute",
                 "Surrogate characters", id="a lone surrogate in a slug"),
    pytest.param("claims/", '{"text": "a", "status": "agreement"}', JSON, 400, "status",
                 "Unknown field. This request takes: text, slug, dispute, speaker, version.",
                 id="an unknown field"),
    pytest.param(EVIDENCE, '{"excerpt": 1, "stance": "supports", "version": 1, "notes": "x"}',
                 JSON, 400, "notes", "Unknown field", id="a misspelt field"),
    pytest.param("excerpts/", "source=1&quote=savage&start=3", FORM, 400, "start",
                 "Unknown field", id="an unknown field in a form"),
    pytest.param(SUBMIT, '{"comment": "ok", "by": "rita"}', JSON, 400, "by", "Unknown field",
                 id="an unknown field in a review step"),
    pytest.param("claims/", "xx", "multipart/form-data", 400, "detail",
                 "Multipart form parse error", id="a broken multipart body"),
    pytest.param("claims/", "text=hi", "text/plain", 415, "detail", "Unsupported media type",
                 id="plain text"),
]
# fmt: on


@pytest.mark.parametrize(("url", "body", "content_type", "status", "key", "says"), MALFORMED)
def test_malformed_api_bodies_are_refused_with_a_message(
    draft, editor, url, body, content_type, status, key, says
):
    before = (Claim.objects.count(), Evidence.objects.count(), Excerpt.objects.count())

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(editor)
    answer = client.generic(
        "POST", f"{API}/{url.format(claim=draft['claim'].pk)}", body, content_type=content_type
    )

    assert answer.status_code == status, answer.content[:300]
    message = answer.json()[key]
    assert says in (message if isinstance(message, str) else message[0])
    assert (Claim.objects.count(), Evidence.objects.count(), Excerpt.objects.count()) == before


def test_a_valid_write_still_works_through_the_strict_input(draft, editor):
    response = api_as(editor).post(
        f"{API}/claims/", {"text": "Plain and well formed.", "speaker": None}, format="json"
    )
    assert response.status_code == 201 and response.json()["text"] == "Plain and well formed."


# -- a request for another site ---------------------------------------------------------------


def test_a_request_for_another_host_gets_the_400_page():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "This request could not be read" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        f"{API}/claims/?page_size=\u00b2",
        f"{API}/facts/?page_size=\u0663",
        f"{API}/claimreview/?page_size=\u00b2",
        f"{API}/claims/?ordering=id&cursor=bz0wJnI9MCZwPWFiYw==",
        f"{API}/excerpts/?cursor=cD14",
        # Found by tests/test_fuzz_query_parameters.py: a source has no published_at, and a
        # position of "1" reads as a naive date in year 1.
        f"{API}/sources/?ordering=-published_at",
        f"{API}/claims/?cursor=cD0x",
    ],
)
def test_odd_digits_and_hand_made_cursors_are_a_400_not_a_500(address):
    response = APIClient().get(address)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_a_search_of_a_thousand_words_answers_instead_of_failing():
    words = " ".join(f"word{n}" for n in range(1_100))
    for address in (f"{API}/claims/", "/search/"):
        response = APIClient().get(address, {"q": words})
        assert response.status_code == 200, address


@pytest.mark.django_db
def test_a_server_error_answers_an_api_client_in_json_and_a_reader_with_a_page(monkeypatch):
    from claims.api import views as api_views
    from claims.web import views as web_views

    def broken(*args, **kwargs):
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr(api_views.ClaimViewSet, "list", broken)
    monkeypatch.setattr(web_views, "run_search", broken)
    client = APIClient(raise_request_exception=False)
    answered = client.get(f"{API}/claims/")
    assert answered.status_code == 500
    assert answered["Content-Type"] == "application/json"
    assert "nothing was saved" in answered.json()["detail"]
    page = client.get("/search/?q=x")
    assert page.status_code == 500 and b"Something went wrong" in page.content
