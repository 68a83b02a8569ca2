"""Corrections over the API: a client proposes a change to published material, another reviewer
approves or rejects it, and the public sees nothing of the desk's work in progress."""

import pytest
from rest_framework.test import APIClient

from claims import services
from claims.models import ChangeRequest, Claim, Publisher
from tests import factories

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"


def client_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_direct_edit_of_a_published_quote_is_a_409_that_points_to_changes(published, editor):
    claim, source, _ = published
    speaker = factories.speaker("Prison guard")

    response = client_as(editor).post(
        "/api/v1/excerpts/",
        {"source": source.pk, "quote": "savage beating by prison guards", "speaker": speaker.slug},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "needs_review"
    assert "changes/" in response.json()["detail"]


def test_a_proposed_change_waits_and_applies_when_another_reviewer_approves(
    published, editor, reviewer
):
    claim, source, _ = published
    proposal = client_as(editor).post(
        CHANGES,
        {
            "target": "publisher",
            "target_id": source.publisher_id,
            "changes": {"name": "The Renamed Times"},
            "reason": "The outlet changed its name in 2015.",
        },
        format="json",
    )
    assert proposal.status_code == 201, proposal.json()
    body = proposal.json()
    assert (body["state"], body["target"], body["proposed_by"]) == ("pending", "publisher", "edna")
    assert body["previous"] == {"name": source.publisher.name}
    assert Publisher.objects.get(pk=source.publisher_id).name != "The Renamed Times"

    # The proposer cannot approve it: a 403 that says why.
    own = client_as(editor).post(f"{CHANGES}{body['id']}/approve/", {}, format="json")
    assert own.status_code == 403

    approved = client_as(reviewer).post(
        f"{CHANGES}{body['id']}/approve/", {"comment": "Checked."}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["state"], approved.json()["decided_by"]) == ("approved", "rita")
    assert Publisher.objects.get(pk=source.publisher_id).name == "The Renamed Times"
    assert Claim.objects.get(pk=claim.pk).version > claim.version


def test_adding_a_quote_to_a_published_claim_over_the_api(published, editor, reviewer):
    claim, source, _ = published
    excerpt = services.excerpt_create(source=source, quote="his body bearing bruises", by=editor)

    proposal = client_as(editor).post(
        CHANGES,
        {
            "target": "claim",
            "target_id": claim.pk,
            "changes": {"add_evidence": {"excerpt": excerpt.pk, "stance": "supports"}},
            "reason": "The bruises corroborate the beating.",
        },
        format="json",
    )
    assert proposal.status_code == 201, proposal.json()
    client_as(reviewer).post(f"{CHANGES}{proposal.json()['id']}/approve/", {}, format="json")

    assert claim.evidence.filter(excerpt=excerpt, stance="supports").exists()


def test_rejecting_needs_a_comment_and_changes_nothing(published, editor, reviewer):
    claim, _, _ = published
    change = services.change_propose(
        target=claim, changes={"text": "He was beaten to death."}, reason="Stronger.", by=editor
    )

    silent = client_as(reviewer).post(f"{CHANGES}{change.pk}/reject/", {}, format="json")
    assert silent.status_code == 400

    rejected = client_as(reviewer).post(
        f"{CHANGES}{change.pk}/reject/", {"comment": "The sources do not say so."}, format="json"
    )
    assert rejected.json()["state"] == "rejected"
    assert Claim.objects.get(pk=claim.pk).text == "He was beaten."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target": "publisher", "target_id": 999999, "changes": {"name": "X"}}, "target_id"),
        ({"target": "planet", "target_id": 1, "changes": {"name": "X"}}, "target"),
        ({"target": "publisher", "target_id": None, "changes": {"colour": "red"}}, "changes"),
        ({"target": "publisher", "target_id": None, "changes": {"part_of": 999999}}, "part_of"),
        ({"target": "publisher", "target_id": None, "changes": {}}, "changes"),
        (
            {"target": "publisher", "target_id": None, "changes": {"name": "X"}, "reason": ""},
            "reason",
        ),
    ],
)
def test_a_bad_proposal_is_a_400_naming_the_field_and_saves_nothing(
    published, editor, payload, field
):
    _, source, _ = published
    body = {"reason": "Because.", **payload}
    if body["target_id"] is None:
        body["target_id"] = source.publisher_id

    response = client_as(editor).post(CHANGES, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not ChangeRequest.objects.exists()


def test_the_public_sees_no_change_requests(published, editor):
    claim, _, _ = published
    services.change_propose(target=claim, changes={"text": "Reworded."}, reason="Why.", by=editor)

    assert client_as().get(CHANGES).status_code in (401, 403)
    listed = client_as(editor).get(CHANGES).json()["results"]
    assert [change["target"] for change in listed] == ["claim"]


@pytest.mark.parametrize("state", ["draft", "withdrawn"])
def test_only_a_published_claim_is_corrected_by_a_change_request(
    published, editor, reviewer, state
):
    claim, source, _ = published
    if state == "draft":
        claim = services.claim_create(text="A draft.", by=editor)
    else:
        services.claim_transition(
            claim=claim,
            action="withdraw",
            by=reviewer,
            expected_version=claim.version,
            comment="Superseded.",
        )
    excerpt = services.excerpt_create(source=source, quote="his body bearing bruises", by=editor)

    response = client_as(editor).post(
        CHANGES,
        {
            "target": "claim",
            "target_id": claim.pk,
            "changes": {"add_evidence": {"excerpt": excerpt.pk, "stance": "supports"}},
            "reason": "More support.",
        },
        format="json",
    )

    assert response.status_code == 409
    assert "change requests correct published claims" in response.json()["detail"]
    assert not ChangeRequest.objects.exists()
