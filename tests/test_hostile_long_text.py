"""Very long text: kept whole where it is the record, refused at its limit, cut where it is a query.

A reviewer's long comment is kept whole on the review record while the history row gets a short
reason (its column holds 100 characters); a quote over its limit but under the body limit is a
400 that says the limit; an admin search thousands of words long is cut, not a crash.
"""

from __future__ import annotations

import pytest

from claims.models import ReviewEvent
from claims.services import workflow
from tests import factories
from tests.hostile import (
    API,
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


def test_a_long_review_comment_is_kept_whole_and_history_gets_a_short_reason(
    draft, editor, reviewer
):
    claim = submitted(draft["claim"], draft["excerpt"], editor)
    reason = "The quoted passage is about another inquiry. " * 40

    workflow.claim_transition(
        claim=claim, action="reject", by=reviewer, expected_version=claim.version, comment=reason
    )

    assert ReviewEvent.objects.get(claim=claim, action="reject").comment == reason.strip()
    recorded = claim.history.latest().history_change_reason
    assert recorded.startswith("rejected: The quoted passage") and len(recorded) <= 100


def test_a_quote_over_the_limit_but_under_the_body_limit_is_a_400_saying_the_limit(draft, editor):
    response = api_as(editor).post(
        f"{API}/excerpts/", {"source": draft["source"].pk, "quote": "x" * 30_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["quote"] == ["Ensure this field has no more than 20000 characters."]


def test_an_admin_search_thousands_of_words_long_is_cut_not_a_crash(client, superuser):
    factories.claim("He died of heart failure.")
    client.force_login(superuser)

    response = client.get(admin_url("claim_changelist"), {"q": "heart " * 3000})

    assert response.status_code == 200
    assert "He died of heart failure." in response.content.decode()
