"""NUL characters: a clear refusal at every door, never a 500.

PostgreSQL cannot store U+0000 in text, so a NUL that reached a save would crash it. The services
refuse it naming the field, the API answers a 400 naming the field, the admin shows a form error,
and a NUL in an address, a token or credentials is a 400 (or a failed login) that says so.
"""

from __future__ import annotations

import base64
from xml.dom import minidom

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Dispute, Evidence, Source
from claims.rules import typed_text
from claims.services import workflow
from tests import factories
from tests.hostile import (
    API,
    NUL,
    a_draft,
    admin_url,
    api_as,
    fresh_throttle,  # noqa: F401 (autouse)
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor):
    return a_draft(editor)


def test_services_refuse_nul_naming_the_field_before_the_database_sees_it(editor):
    paper = factories.publisher()
    source = factories.source()
    claim = services.claim_create(text="A draft.", by=editor)
    excerpt = services.excerpt_create(source=source, quote="savage beating", by=editor)

    attempts = {
        "text": lambda: services.claim_create(text=f"He{NUL}died.", by=editor),
        "title": lambda: services.source_create(
            title=f"T{NUL}", text="x", publisher=paper, by=editor
        ),
        "note": lambda: services.evidence_add(
            claim=claim,
            excerpt=excerpt,
            stance="supports",
            note=f"n{NUL}",
            by=editor,
            expected_version=claim.version,
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.message_dict[name] == [typed_text.MESSAGE_NULL_CHARACTER]
    with pytest.raises(ValidationError) as refused:
        services.source_create(title="T", text=f"a{NUL}b", publisher=paper, by=editor)
    assert refused.value.message_dict["text"] == [typed_text.MESSAGE_NULL_CHARACTER]
    with pytest.raises(workflow.InvalidComment):
        workflow.claim_transition(
            claim=claim,
            action="submit",
            by=editor,
            expected_version=claim.version,
            comment=f"c{NUL}",
        )
    assert not Evidence.objects.filter(claim=claim).exists()
    assert Claim.objects.get(pk=claim.pk).review_state == "draft"


# The API: each write with a NUL where it hurts (text, slugs looked up in the database, notes).
NUL_WRITES = [
    ("claims/", {"text": f"He{NUL}died."}, "text"),
    ("claims/", {"text": "Fine.", "dispute": f"x{NUL}"}, "dispute"),
    ("claims/", {"text": "Fine.", "speaker": f"x{NUL}"}, "speaker"),
    ("claims/", {"text": "Fine.", "slug": f"s{NUL}"}, "slug"),
    ("sources/", {"title": "T", "text": f"a{NUL}b", "publisher": "{publisher}"}, "text"),
    ("sources/", {"title": "T", "text": "ab", "publisher": f"p{NUL}"}, "publisher"),
    ("excerpts/", {"source": "{source}", "quote": f"savage{NUL}"}, "quote"),
    (
        "claims/{claim}/evidence/",
        {"excerpt": "{excerpt}", "stance": "supports", "note": NUL, "version": 1},
        "note",
    ),
    ("claims/{claim}/submit/", {"comment": f"c{NUL}"}, "comment"),
]


@pytest.mark.parametrize(("url", "payload", "field_name"), NUL_WRITES)
def test_api_writes_with_nul_are_a_400_naming_the_field(draft, editor, url, payload, field_name):
    names = {
        "claim": draft["claim"].pk,
        "source": draft["source"].pk,
        "excerpt": draft["excerpt"].pk,
        "publisher": draft["source"].publisher.slug,
    }
    payload = {k: v.format(**names) if isinstance(v, str) else v for k, v in payload.items()}
    before = (Claim.objects.count(), Source.objects.count(), Evidence.objects.count())

    response = api_as(editor).post(f"{API}/{url.format(**names)}", payload, format="json")

    assert response.status_code == 400, response.content
    assert "Null characters are not allowed." in response.json()[field_name][0]
    assert (Claim.objects.count(), Source.objects.count(), Evidence.objects.count()) == before


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/facts/?dispute=a%00b",
        "/speakers/a%00b/",
        f"{API}/claims/?q=a%00b",
        f"{API}/speakers/a%00b/",
        f"{API}/disputes/a%00b/",
        "/admin/claims/claim/?review_state__exact=a%00",
        "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=dispute&term=a%00",
    ],
)
def test_a_nul_in_an_address_is_a_400_that_says_so(url, superuser):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)

    response = client.get(url)

    assert response.status_code == 400
    assert "null character" in response.content.decode()


def test_a_nul_in_a_token_or_in_basic_credentials_is_refused_not_a_crash(editor):
    client = APIClient(raise_request_exception=False)
    token = client.get(f"{API}/claims/", HTTP_AUTHORIZATION=f"Token abc{NUL}def")
    assert token.status_code == 400 and "null character" in token.json()["detail"]

    credentials = base64.b64encode(f"edna{NUL}:pw".encode()).decode()
    login = client.post(f"{API}/auth/login/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert login.status_code == 401
    assert login.json()["detail"] == "Invalid username/password."


def test_admin_forms_refuse_nul_with_a_form_error(client, draft, superuser, editor):
    client.force_login(superuser)
    question = client.post(
        admin_url("dispute_add"),
        {
            "question": f"Why{NUL}?",
            "slug": "why",
            "claims-TOTAL_FORMS": 0,
            "claims-INITIAL_FORMS": 0,
        },
    )
    quote = client.post(
        admin_url("source_quote", draft["source"].pk),
        {"quote": f"savage{NUL}", "stance": "supports"},
    )
    login = Client().post(reverse("admin:login"), {"username": f"edna{NUL}", "password": "pw"})

    for response in (question, quote, login):
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()
    assert not Dispute.objects.filter(slug="why").exists()


def test_a_review_action_with_a_nul_comment_changes_nothing(client, draft, reviewer, editor):
    claim = submitted(draft["claim"], draft["excerpt"], editor)
    client.force_login(reviewer)

    response = client.post(
        admin_url("claim_changelist"),
        {"action": "reject", "_selected_action": [claim.pk], "comment": f"No{NUL}."},
    )

    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).review_state == "in_review"


# -- other control characters, nothing visible, numeric slugs (issue 13) ------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["Question\x0b?", "Bell\x07", "Escape\x1b[31m", "C1 \x85 next line", "\u200b\u200b"]
)
def test_typed_text_refuses_control_characters_and_text_with_nothing_visible(text):
    with pytest.raises(ValidationError) as refused:
        services.dispute_create(question=text, by=factories.author())
    assert "question" in refused.value.message_dict


@pytest.mark.django_db
def test_a_slug_made_only_of_digits_is_refused_and_never_generated(client):
    with pytest.raises(ValidationError, match="only of digits"):
        services.claim_create(text="A claim.", slug="3", by=factories.author())
    made = services.claim_create(text="2012", by=factories.author())
    assert not made.slug.isdigit()


@pytest.mark.django_db
@pytest.mark.writes_outside_services("a row stored before the control-character rule")
def test_the_feed_stays_valid_xml_with_a_control_character_stored_before_the_rule(client):
    claim = factories.claim("He was beaten.")
    factories.evidence(claim, factories.source(), "savage beating by prison guards")
    Claim.objects.filter(pk=claim.pk).update(text="He was\x0b beaten.")
    response = client.get("/feeds/claims.atom")
    assert response.status_code == 200
    minidom.parseString(response.content)  # raises on a character XML cannot carry
