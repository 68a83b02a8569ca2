"""The REST API: what clients read, how they sync, what editors may write, and how it refuses."""

import base64
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Excerpt, ReviewState, Source
from claims.services import workflow
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def as_user(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def ledger(editor):
    """Two publishers, a contested dispute, a fact, a contradiction, a draft, a withdrawn claim."""
    paper, ngo = factories.publisher("The Paper"), factories.publisher("The NGO")
    dispute = factories.dispute("How did he die?", summary="Accounts differ.")
    speaker = factories.speaker("Vladimir Putin")
    source = factories.source(publisher_=paper, published_on="2012-05-02")
    other = factories.source(factories.SAMPLE_TEXT, publisher_=ngo)
    beaten = factories.claim("He was beaten by guards.", dispute=dispute)
    factories.evidence(beaten, source, "savage beating by prison guards")
    factories.evidence(beaten, other, "his body bearing bruises")
    heart = factories.claim("He died of heart failure.", dispute=dispute, speaker=speaker)
    factories.evidence(heart, source, "Officials said he died of heart failure.")
    factories.evidence(heart, other, "savage beating by prison guards", "contradicts")
    draft = services.claim_create(text="A draft by the editor.", dispute=dispute, by=editor)
    gone = factories.claim("Once published, now withdrawn.", dispute=dispute)
    factories.evidence(gone, source, "in November 2009")
    return {
        "paper": paper,
        "ngo": ngo,
        "dispute": dispute,
        "speaker": speaker,
        "source": source,
        "other": other,
        "beaten": beaten,
        "heart": heart,
        "draft": draft,
        "gone": gone,
    }


def withdraw(claim, reviewer):
    claim.refresh_from_db()
    workflow.claim_transition(
        claim=claim,
        action="withdraw",
        by=reviewer,
        expected_version=claim.version,
        comment="Retracted.",
    )


def texts(response):
    return [row["text"] for row in response.json()["results"]]


# -- reading --------------------------------------------------------------------------------------


def test_claim_list_carries_status_and_nested_evidence(api, ledger):
    response = api.get(f"{API}/claims/")
    assert response.status_code == 200
    claim = next(r for r in response.json()["results"] if r["slug"] == ledger["beaten"].slug)
    assert claim["status"] == "agreement"
    assert claim["review_state"] == "published"
    assert claim["dispute"] == ledger["dispute"].slug
    assert claim["url"] == f"http://testserver{ledger['beaten'].get_absolute_url()}"
    evidence = claim["evidence"][0]
    assert evidence["stance"] == "supports"
    excerpt = evidence["excerpt"]
    source = Source.objects.get(pk=excerpt["source"])
    assert source.text[excerpt["start"] : excerpt["end"]] == excerpt["text"]
    assert {"publisher", "publisher_name", "date", "item", "speaker", "url"} <= set(excerpt)


def test_anonymous_clients_see_published_claims_only(api, ledger):
    listed = texts(api.get(f"{API}/claims/"))
    assert "A draft by the editor." not in listed
    assert api.get(f"{API}/claims/{ledger['draft'].pk}/").status_code == 404
    refused = api.get(f"{API}/claims/?review_state=draft")
    assert refused.status_code == 400
    assert "Only the editorial desk" in refused.json()["review_state"][0]


def test_a_hidden_record_and_an_unknown_one_look_the_same_to_a_filter(api, ledger):
    hidden = factories.dispute("A question still in draft?")
    for parameter, value in (("dispute", hidden.slug), ("speaker", "no-such-speaker")):
        response = api.get(f"{API}/claims/", {parameter: value})
        assert response.status_code == 400, parameter
    unknown = api.get(f"{API}/claims/", {"dispute": "no-such-dispute"}).json()["dispute"]
    draft = api.get(f"{API}/claims/", {"dispute": hidden.slug}).json()["dispute"]
    assert [m.replace(hidden.slug, "X") for m in draft] == [
        m.replace("no-such-dispute", "X") for m in unknown
    ]


def test_editors_can_list_their_drafts(ledger, editor):
    listed = texts(as_user(editor).get(f"{API}/claims/?review_state=draft"))
    assert listed == ["A draft by the editor."]


def test_facts_are_published_claims_in_agreement(api, ledger):
    assert texts(api.get(f"{API}/facts/")) == ["He was beaten by guards."]


def test_dispute_lists_its_rival_claims_with_statuses(api, ledger):
    body = api.get(f"{API}/disputes/{ledger['dispute'].slug}/").json()
    assert body["question"] == "How did he die?"
    assert body["contested"] is True
    statuses = {c["text"]: c["status"] for c in body["claims"]}
    assert statuses == {
        "He was beaten by guards.": "agreement",
        "He died of heart failure.": "contradiction",
        "Once published, now withdrawn.": "unverified",
    }


def test_source_list_omits_the_text_and_detail_has_it_with_its_hash(api, ledger):
    listed = api.get(f"{API}/sources/").json()["results"]
    assert listed and all("text" not in row for row in listed)
    detail = api.get(f"{API}/sources/{ledger['source'].pk}/").json()
    assert detail["text"] == ledger["source"].text
    assert detail["sha256"] == ledger["source"].sha256
    assert detail["publisher"]["slug"] == ledger["paper"].slug


def test_excerpts_as_web_annotations_by_content_negotiation_or_format(api, ledger):
    excerpt = Excerpt.objects.filter(source=ledger["source"]).first()
    profile = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    for response in (
        api.get(f"{API}/excerpts/{excerpt.pk}/", HTTP_ACCEPT=profile),
        api.get(f"{API}/excerpts/{excerpt.pk}/?format=annotation"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == profile
        annotation = response.json()
        assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
        assert annotation["type"] == "Annotation"
        quote, position = annotation["target"]["selector"]
        assert quote == {
            "type": "TextQuoteSelector",
            "exact": excerpt.text,
            "prefix": excerpt.prefix,
            "suffix": excerpt.suffix,
        }
        assert position == {
            "type": "TextPositionSelector",
            "start": excerpt.start,
            "end": excerpt.end,
        }
    plain = api.get(f"{API}/excerpts/{excerpt.pk}/")
    assert plain["Content-Type"] == "application/json"
    assert plain.json()["text"] == excerpt.text


def test_speakers_and_claimreview(api, ledger):
    speakers = api.get(f"{API}/speakers/").json()
    assert [s["slug"] for s in speakers] == [ledger["speaker"].slug]
    reviews = api.get(f"{API}/claimreview/").json()["results"]
    beaten = next(r for r in reviews if r["claimReviewed"] == "He was beaten by guards.")
    assert beaten["@type"] == "ClaimReview"
    assert beaten["reviewRating"]["alternateName"].startswith("Agreement")


# -- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=agreement", ["He was beaten by guards."]),
        ("status=contradiction", ["He died of heart failure."]),
        ("speaker={speaker}", ["He died of heart failure."]),
        (
            "dispute={dispute}",
            [
                "He was beaten by guards.",
                "He died of heart failure.",
                "Once published, now withdrawn.",
            ],
        ),
        ("publisher={ngo}", ["He was beaten by guards.", "He died of heart failure."]),
        ("publisher={ngo}&stance=supports", ["He was beaten by guards."]),
        ("publisher={ngo}&stance=contradicts", ["He died of heart failure."]),
        ("source={other}&stance=contradicts", ["He died of heart failure."]),
        ("q=heart failure", ["He died of heart failure."]),
        (
            "ordering=-id",
            [
                "Once published, now withdrawn.",
                "He died of heart failure.",
                "He was beaten by guards.",
            ],
        ),
    ],
)
def test_claim_filters(api, ledger, query, expected):
    query = query.format(
        speaker=ledger["speaker"].slug,
        dispute=ledger["dispute"].slug,
        ngo=ledger["ngo"].slug,
        other=ledger["other"].pk,
    )
    response = api.get(f"{API}/claims/?{query}")
    assert response.status_code == 200, response.json()
    assert sorted(texts(response)) == sorted(expected)
    if query.startswith("ordering"):
        assert texts(response) == expected


def test_published_after_and_updated_after(api, ledger):
    later = timezone.now() + timedelta(seconds=1)
    assert texts(api.get(f"{API}/claims/", {"published_after": later.isoformat()})) == []
    before_the_correction = timezone.now()
    # An approved correction (a quote added) makes a new version of this claim alone.
    factories.evidence(ledger["heart"], ledger["source"], "in a Moscow detention center")
    updated = api.get(f"{API}/claims/", {"updated_after": before_the_correction.isoformat()})
    assert texts(updated) == ["He died of heart failure."]


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("status=maybe", "status", "not one of the available choices"),
        ("dispute=no-such-question", "dispute", "Select a valid choice"),
        ("stance=neutral", "stance", "not one of the available choices"),
        ("source=abc", "source", "Select a valid choice"),
        ("updated_after=yesterday", "updated_after", "Enter a valid date/time"),
        ("ordering=text", "ordering", "Allowed: updated_at"),
        ("colour=red", "colour", "Unknown parameter. Allowed: cursor, dispute"),
        ("page_size=many", "page_size", "A whole number from 1 to 200"),
        ("page_size=0", "page_size", "A whole number from 1 to 200"),
        ("status=", "status", "This parameter is empty"),
    ],
)
def test_bad_filter_values_are_a_400_that_says_what_is_allowed(api, ledger, query, field, says):
    response = api.get(f"{API}/claims/?{query}")
    assert response.status_code == 400
    assert says in " ".join(response.json()[field])


# -- sync -----------------------------------------------------------------------------------------


def walk(client, url):
    """Every row of every page, following the cursor."""
    rows, pages = [], 0
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
        pages += 1
    return rows, pages


def test_a_client_paging_while_editors_publish_misses_nothing(api, editor, reviewer):
    source = factories.source(" ".join(f"Fact number {n}." for n in range(30)))
    claims = []
    for n in range(12):
        claim = factories.claim(f"Claim {n}.")
        factories.evidence(claim, source, f"Fact number {n}.")
        claims.append(claim)
    pending = services.claim_create(text="Published mid-walk.", by=editor)
    services.evidence_add(
        claim=pending,
        excerpt=services.excerpt_create(source=source, quote="Fact number 20.", by=editor),
        stance="supports",
        by=editor,
        expected_version=pending.version,
    )
    workflow.claim_transition(
        claim=pending, action="submit", by=editor, expected_version=pending.version
    )

    first = api.get(f"{API}/claims/?page_size=5").json()
    seen = [row["id"] for row in first["results"]]
    assert claims[0].pk in seen
    # Mid-walk: one claim is published, and one already seen is corrected (a new version).
    pending.refresh_from_db()
    workflow.claim_transition(
        claim=pending, action="publish", by=reviewer, expected_version=pending.version
    )
    factories.evidence(claims[0], source, "Fact number 25.")
    rest, _ = walk(api, first["next"])
    seen += [row["id"] for row in rest]

    assert pending.pk in seen
    assert set(seen) == {c.pk for c in claims} | {pending.pk}
    # Only the claim that changed mid-walk is seen again, at its new version.
    assert [pk for pk in set(seen) if seen.count(pk) > 1] == [claims[0].pk]


def test_a_sync_shows_withdrawn_claims_so_mirrors_can_remove_them(api, ledger, reviewer):
    before = timezone.now()
    withdraw(ledger["gone"], reviewer)

    synced = api.get(f"{API}/claims/", {"updated_after": before.isoformat()}).json()["results"]
    # A tombstone: which claim, that it was withdrawn, when and why; not what it said.
    assert [(r["id"], r["review_state"], r["withdrawal"]["reason"]) for r in synced] == [
        (ledger["gone"].pk, "withdrawn", "Retracted.")
    ]
    assert "Once published, now withdrawn." not in texts(api.get(f"{API}/claims/"))
    assert api.get(f"{API}/claims/{ledger['gone'].pk}/").json()["review_state"] == "withdrawn"


def test_list_queries_do_not_grow_with_page_size(api):
    source = factories.source(" ".join(f"Fact number {n}." for n in range(60)))
    copy = factories.source(source.text)
    dispute, speaker = factories.dispute(), factories.speaker()
    for n in range(40):
        claim = factories.claim(f"Claim {n}.", dispute=dispute, speaker=speaker)
        factories.evidence(claim, source, f"Fact number {n}.")
        factories.evidence(claim, copy, f"Fact number {n}.", "contradicts")

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    for endpoint in ("claims", "facts", "claimreview", "sources", "excerpts"):
        assert queries(f"{API}/{endpoint}/?page_size=5") == queries(
            f"{API}/{endpoint}/?page_size=40"
        ), endpoint
    assert queries(f"{API}/disputes/") == queries(f"{API}/disputes/")


# -- caching and throttling -----------------------------------------------------------------------


def test_conditional_requests_get_a_304(api, ledger):
    first = api.get(f"{API}/claims/")
    assert "public" in first["Cache-Control"]
    again = api.get(f"{API}/claims/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    claim = factories.claim("A new claim.")
    factories.evidence(claim, ledger["source"], "in a Moscow detention center")
    assert claim.review_state == ReviewState.PUBLISHED
    assert api.get(f"{API}/claims/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_authenticated_responses_are_not_cached_publicly(ledger, editor):
    response = as_user(editor).get(f"{API}/claims/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_anonymous_clients_are_throttled_with_retry_after(api, ledger):
    from rest_framework.throttling import AnonRateThrottle

    # The rate is read from settings when DRF starts; lower it for this test only.
    AnonRateThrottle.THROTTLE_RATES = {"anon": "3/minute"}
    try:
        codes = [api.get(f"{API}/speakers/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = api.get(f"{API}/speakers/")
        assert int(limited["Retry-After"]) > 0
    finally:
        from rest_framework.settings import api_settings

        AnonRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


# -- writing --------------------------------------------------------------------------------------


def basic(username, password="pw"):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_an_editor_gets_a_token_and_a_revoked_token_stops_working(api, editor):
    login = api.post(f"{API}/auth/login/", HTTP_AUTHORIZATION=basic("edna"))
    assert login.status_code == 200
    token = login.json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post(f"{API}/claims/", {"text": "Written with a token."}, format="json")
    assert created.status_code == 201
    assert client.post(f"{API}/auth/logout/").status_code == 204
    again = client.post(f"{API}/claims/", {"text": "After logout."}, format="json")
    assert again.status_code == 401
    assert (
        api.post(f"{API}/auth/login/", HTTP_AUTHORIZATION=basic("edna", "wrong")).status_code == 401
    )


def test_tokens_are_stored_hashed(api, editor):
    from knox.models import AuthToken

    token = api.post(f"{API}/auth/login/", HTTP_AUTHORIZATION=basic("edna")).json()["token"]
    stored = AuthToken.objects.get(user=editor)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128  # SHA-512, hex


def test_the_full_cycle_over_the_api(ledger, editor, reviewer):
    writer, checker = as_user(editor), as_user(reviewer)
    source = ledger["source"]

    claim = writer.post(
        f"{API}/claims/", {"text": "Guards beat him.", "dispute": ledger["dispute"].slug}
    ).json()
    assert (claim["review_state"], claim["version"]) == ("draft", 1)

    refused = writer.post(
        f"{API}/excerpts/", {"source": source.pk, "quote": "a savage beating by guards"}
    )
    assert refused.status_code == 400
    assert "not in the source" in refused.json()["quote"][0]
    assert refused.json()["nearest_passage"]["text"].startswith("a savage beating by prison")

    excerpt = writer.post(
        f"{API}/excerpts/", {"source": source.pk, "quote": "a  savage beating by prison guards"}
    ).json()
    assert excerpt["text"] == "a savage beating by prison guards"

    tied = writer.post(
        f"{API}/claims/{claim['id']}/evidence/",
        {"excerpt": excerpt["id"], "stance": "supports", "version": 1},
    )
    assert tied.status_code == 201 and tied.json()["version"] == 2

    assert writer.post(f"{API}/claims/{claim['id']}/submit/").json()["review_state"] == "in_review"
    own = writer.post(f"{API}/claims/{claim['id']}/publish/")
    assert own.status_code == 403 and "permission to publish" in own.json()["detail"]
    published = checker.post(f"{API}/claims/{claim['id']}/publish/", {"version": 3})
    assert published.status_code == 200 and published.json()["review_state"] == "published"
    assert "Guards beat him." in texts(APIClient().get(f"{API}/claims/"))


def test_reattributing_a_published_quote_needs_review(ledger, editor):
    quote = "Officials said he died of heart failure."
    excerpt = Excerpt.objects.get(source=ledger["source"], text=quote)
    assert excerpt.speaker is None
    response = as_user(editor).post(
        f"{API}/excerpts/",
        {"source": ledger["source"].pk, "quote": quote, "speaker": ledger["speaker"].slug},
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "needs_review"
    excerpt.refresh_from_db()
    assert excerpt.speaker is None


def test_the_four_eyes_rule_holds_over_the_api(superuser):
    client = as_user(superuser)
    claim = client.post(f"{API}/claims/", {"text": "Mine."}).json()
    source = factories.source("Mine is a sentence.")
    excerpt = services.excerpt_create(source=source, quote="Mine is a sentence.", by=superuser)
    tied = client.post(
        f"{API}/claims/{claim['id']}/evidence/",
        {"excerpt": excerpt.pk, "stance": "supports", "version": 1},
    )
    assert tied.status_code == 201
    assert client.post(f"{API}/claims/{claim['id']}/submit/").status_code == 200
    refused = client.post(f"{API}/claims/{claim['id']}/publish/")
    assert refused.status_code == 403
    assert "four-eyes" in refused.json()["detail"]


def test_a_stale_version_is_a_409_and_nothing_is_overwritten(ledger, editor, other_editor):
    draft = ledger["draft"]
    first = as_user(editor).patch(
        f"{API}/claims/{draft.pk}/", {"text": "First edit.", "version": 1}
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = as_user(other_editor).patch(
        f"{API}/claims/{draft.pk}/", {"text": "Second edit.", "version": 1}
    )
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    draft.refresh_from_db()
    assert draft.text == "First edit."


def test_a_409_after_your_own_edit_in_another_window_says_it_was_you(ledger, editor):
    draft = ledger["draft"]
    as_user(editor).patch(f"{API}/claims/{draft.pk}/", {"text": "From one window.", "version": 1})

    second = as_user(editor).patch(
        f"{API}/claims/{draft.pk}/", {"text": "From the other.", "version": 1}
    )

    assert second.status_code == 409
    assert second.json()["detail"].startswith(
        "You, in another tab or window, changed this claim on "
    )
    assert "you had version 1; it is now at version 2" in second.json()["detail"]


def test_review_steps_from_the_wrong_state_are_a_409(ledger, reviewer):
    response = as_user(reviewer).post(f"{API}/claims/{ledger['draft'].pk}/publish/")
    assert response.status_code == 409
    assert "Only claims that are in review can be published" in response.json()["detail"]


def test_withdrawing_needs_a_reason(ledger, reviewer):
    response = as_user(reviewer).post(f"{API}/claims/{ledger['beaten'].pk}/withdraw/", {})
    assert response.status_code == 400
    assert "comment" in response.json()


def test_removing_evidence_needs_the_current_version(ledger, editor):
    draft = ledger["draft"]
    excerpt = Excerpt.objects.first()
    services.evidence_add(
        claim=draft, excerpt=excerpt, stance="supports", by=editor, expected_version=draft.version
    )
    evidence = draft.evidence.get()
    client = as_user(editor)
    assert client.delete(f"{API}/claims/{draft.pk}/evidence/{evidence.pk}/").status_code == 400
    assert (
        client.delete(f"{API}/claims/{draft.pk}/evidence/{evidence.pk}/?version=1").status_code
        == 409
    )
    draft.refresh_from_db()
    removed = client.delete(
        f"{API}/claims/{draft.pk}/evidence/{evidence.pk}/?version={draft.version}"
    )
    assert removed.status_code == 200 and removed.json()["evidence"] == []


def test_editors_create_sources_and_the_text_is_kept_exactly(ledger, editor):
    text = "Line one.\r\n  Line two with \u201ccurly\u201d quotes.\n"
    response = as_user(editor).post(
        f"{API}/sources/",
        {"title": "A statement", "text": text, "publisher": ledger["paper"].slug},
        format="json",
    )
    assert response.status_code == 201
    # Kept exactly, spaces and curly quotes included; only line ends are stored as browsers
    # give them back (\n), so that positions selected in a page match the stored text.
    assert Source.objects.get(pk=response.json()["id"]).text == text.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("post", "claims/", {}, "text"),
        ("post", "claims/", {"text": ["not", "a", "string"]}, "text"),
        ("post", "claims/", {"text": "x", "dispute": "no-such-dispute"}, "dispute"),
        ("post", "excerpts/", {"source": 999999, "quote": "x"}, "source"),
        ("post", "excerpts/", {"source": "{source}", "quote": ""}, "quote"),
        ("post", "excerpts/", {"source": "{source}", "quote": "   "}, "quote"),
        ("post", "sources/", {"title": "T", "text": "x", "publisher": "nobody"}, "publisher"),
        (
            "post",
            "sources/",
            {"title": "T", "text": "x", "publisher": "{paper}", "published_on": "soon"},
            "published_on",
        ),
        (
            "post",
            "claims/{draft}/evidence/",
            {"excerpt": 1, "stance": "maybe", "version": 1},
            "stance",
        ),
        ("patch", "claims/{draft}/", {"text": "No version."}, "version"),
        ("patch", "claims/{draft}/", {"text": "x", "version": "one"}, "version"),
    ],
)
def test_invalid_input_is_a_400_with_field_errors_and_saves_nothing(
    ledger, editor, method, url, payload, field
):
    names = {
        "source": ledger["source"].pk,
        "paper": ledger["paper"].slug,
        "draft": ledger["draft"].pk,
    }
    url = url.format(**names)
    payload = {k: (v.format(**names) if isinstance(v, str) else v) for k, v in payload.items()}
    counts = (Claim.objects.count(), Excerpt.objects.count(), Source.objects.count())

    response = getattr(as_user(editor), method)(f"{API}/{url}", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Claim.objects.count(), Excerpt.objects.count(), Source.objects.count()) == counts


def test_broken_json_is_a_400(ledger, editor):
    response = as_user(editor).generic(
        "POST", f"{API}/claims/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/claims/{id}/publish/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert ReviewState.PUBLISHED  # the schema names review states from the same choices


def test_disputes_come_in_numbered_pages_most_disputed_first(api, ledger):
    for number in range(3):
        # A question is published with its first published claim; one claim contests nothing.
        quiet = factories.dispute(f"A quiet question {number}?")
        answer = factories.claim(f"A quiet answer {number}.", dispute=quiet)
        factories.evidence(answer, ledger["source"], "in a Moscow detention center")
    first = api.get(f"{API}/disputes/?page_size=2").json()
    assert first["count"] == 4
    assert first["results"][0]["slug"] == ledger["dispute"].slug  # the contested one
    assert len(first["results"]) == 2 and first["next"]
    rest = api.get(first["next"]).json()
    assert len(rest["results"]) == 2 and rest["next"] is None
    slugs = [d["slug"] for d in first["results"] + rest["results"]]
    assert len(set(slugs)) == 4


@pytest.mark.parametrize(
    ("query", "field"), [("page_size=0", "page_size"), ("page=99", "page"), ("page=x", "page")]
)
def test_a_dispute_page_that_does_not_exist_is_a_bad_request(api, ledger, query, field):
    response = api.get(f"{API}/disputes/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_the_public_gets_only_a_tombstone_of_a_withdrawn_claim(api, ledger, reviewer, editor):
    withdraw(ledger["gone"], reviewer)
    pk = ledger["gone"].pk
    for response in (
        api.get(f"{API}/claims/{pk}/"),
        api.get(f"{API}/claims/", {"review_state": "withdrawn"}),
    ):
        assert response.status_code == 200
        body = response.json()
        claim = body["results"][0] if "results" in body else body
        assert claim["id"] == pk and claim["review_state"] == "withdrawn"
        assert claim["withdrawal"]["reason"] and claim["withdrawal"]["at"]
        assert (claim["text"], claim["evidence"], claim["status_reason"]) == ("", [], None)
    desk = as_user(editor).get(f"{API}/claims/{pk}/").json()
    assert desk["text"] == "Once published, now withdrawn." and desk["evidence"]
    assert desk["withdrawal"]["reason"]
