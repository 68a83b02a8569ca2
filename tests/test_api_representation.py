"""The fast claim representation says exactly what the documented serializer says."""

from rest_framework.test import APIRequestFactory

from claims.api.representations import CLAIM_COLUMNS, claims_as_json
from claims.api.serializers import ClaimSerializer
from claims.models import Claim
from claims.services import LEDGER_FILE_REVIEWER, claim_transition, system_account


def test_lean_claims_equal_the_serializers_output_for_every_seeded_claim(seeded_ledger):
    request = APIRequestFactory().get("/api/v1/claims/")
    # One withdrawn claim among them: both shapes give the public only its tombstone.
    withdrawn = Claim.objects.get(slug="died-of-natural-causes")
    claim_transition(
        claim=withdrawn,
        action="withdraw",
        by=system_account(LEDGER_FILE_REVIEWER),
        expected_version=withdrawn.version,
        comment="Merged into another claim.",
    )
    claims = list(Claim.objects.with_evidence().order_by("pk"))
    rows = list(Claim.objects.order_by("pk").values(*CLAIM_COLUMNS))

    lean = claims_as_json(rows, request)
    documented = ClaimSerializer(claims, many=True, context={"request": request}).data

    assert len(lean) == len(documented) > 60
    (tomb,) = [claim for claim in lean if claim["withdrawal"]]
    assert tomb["withdrawal"]["reason"] == "Merged into another claim."
    assert (tomb["text"], tomb["evidence"], tomb["status_reason"]) == ("", [], None)
    for fast, slow in zip(lean, documented, strict=True):
        assert fast == dict(slow) | {"evidence": [_plain(e) for e in slow["evidence"]]}


def _plain(evidence):
    return dict(evidence) | {"excerpt": dict(evidence["excerpt"])}
