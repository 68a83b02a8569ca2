"""The editorial desk is tamper-proof: forged form fields and hand-edited addresses get a message
or a 404, never a 500 (Django's admin and simple-history pass these values to the database)."""

from __future__ import annotations

import pytest
from django.test import Client

from claims.models import Claim
from tests.hostile import (
    a_draft,
    admin_url,
    fresh_throttle,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor):
    return a_draft(editor)


def test_a_forged_admin_selection_is_refused_with_a_message(client, draft, superuser):
    client.force_login(superuser)

    response = client.post(
        admin_url("claim_changelist"),
        {"action": "submit", "_selected_action": ["1 OR 1=1", draft["claim"].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "The selected rows were not understood" in response.content.decode()
    assert Claim.objects.get(pk=draft["claim"].pk).review_state == "draft"


@pytest.mark.parametrize(("version", "status"), [("abc", 404), ("-1", 404), ("1%00", 400)])
def test_a_hand_edited_history_address_is_a_404_not_a_crash(draft, superuser, version, status):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)

    response = client.get(f"{admin_url('claim_history', draft['claim'].pk)}{version}/")

    assert response.status_code == status
