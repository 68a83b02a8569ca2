"""Who may do what, everywhere: every route × {anonymous, editor, reviewer, superuser} × method.

The tables below are the access policy written out. A route they do not mention fails
`test_every_route_is_in_the_access_table`, so a new page or endpoint cannot ship until someone
has written down who may use it (deny by default). Each cell runs in a savepoint that is rolled
back, so a permitted write in one cell does not change what the next cell sees.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims import services
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    Source,
    Speaker,
)
from claims.services import workflow

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "editor", "reviewer", "superuser")
LOGIN = 302  # the admin sends anonymous visitors to its login page

# -- the admin: one policy line per model --------------------------------------------------------

# What each role may do with each model in the admin: v(iew), a(dd), c(hange), d(elete).
# Editors write the ledger's content, reviewers only read it (they act through review actions),
# and accounts, API tokens and login records are the superuser's alone. Excerpts are cut from a
# source (never "added" blank), evidence is edited on its claim's page, and review events are a
# record nobody may alter — not even a superuser. Change requests (edits to published material)
# are proposed from the record's own page and decided by reviewers through the changelist's
# approve/reject actions, so their admin pages only show them: no one adds, edits or deletes one.
ADMIN_MODELS = {
    #                           object   editor   reviewer superuser
    "claims.publisher": ("publisher", "vac", "v", "vacd"),
    "claims.speaker": ("speaker", "vac", "v", "vacd"),
    "claims.source": ("source", "vacd", "v", "vacd"),
    "claims.excerpt": ("excerpt", "vcd", "v", "vcd"),
    "claims.dispute": ("dispute", "vac", "v", "vacd"),
    "claims.claim": ("draft", "vac", "v", "vacd"),
    "claims.evidence": ("evidence", "v", "v", "v"),
    "claims.reviewevent": ("reviewevent", "v", "v", "v"),
    "claims.changerequest": ("changerequest", "v", "v", "v"),
    "auth.user": ("user", "", "", "vacd"),
    "auth.group": ("group", "", "", "vacd"),
    "knox.authtoken": ("token", "", "", "vacd"),
    "axes.accessattempt": ("attempt", "", "", "vcd"),
    "axes.accesslog": ("accesslog", "", "", "vcd"),
    "axes.accessfailurelog": ("failurelog", "", "", "vcd"),
}
HISTORIED = {
    "publisher",
    "speaker",
    "source",
    "excerpt",
    "dispute",
    "claim",
    "evidence",
    "changerequest",
}
# Forms with nothing left to edit (every field read-only) save an empty POST and redirect.
NOTHING_TO_EDIT = {"attempt", "accesslog", "failurelog"}
# What a permitted, confirmed deletion answers when it is not simply done (302). Things evidence
# depends on are protected: the page comes back (200) listing what depends on them, and nothing
# is deleted. A claim with evidence cannot be deleted even by a superuser (403): its evidence can
# only be removed on the claim's own page, where the status is recomputed.
DELETE_OUTCOME = {"source": 200, "excerpt": 200, "publisher": 200, "speaker": 200, "draft": 403}


def admin_cells(model: str) -> list[tuple]:
    """The cells for one model's admin pages, from its policy line."""
    app, name = model.split(".")
    key, *letters = ADMIN_MODELS[model]
    base = f"/admin/{app}/{name}"

    def expect(needed: str, granted_status: int = 200, refused_status: int = 403) -> tuple:
        return (LOGIN,) + tuple(
            granted_status if any(letter in granted for letter in needed) else refused_status
            for granted in letters
        )

    cells = [
        (f"admin:{app}_{name}_changelist", "get", f"{base}/", None, expect("vc")),
        (f"admin:{app}_{name}_add", "get", f"{base}/add/", None, expect("a")),
        # An empty form comes back with its errors to those who may add; nothing is saved.
        (f"admin:{app}_{name}_add", "post", f"{base}/add/", {}, expect("a")),
        (f"admin:{app}_{name}_change", "get", f"{base}/{{{key}}}/change/", None, expect("vc")),
        (
            f"admin:{app}_{name}_change",
            "post",
            f"{base}/{{{key}}}/change/",
            {},
            expect("c", 302 if key in NOTHING_TO_EDIT else 200),
        ),
        (f"admin:{app}_{name}_history", "get", f"{base}/{{{key}}}/history/", None, expect("vc")),
        (f"admin:{app}_{name}_delete", "get", f"{base}/{{{key}}}/delete/", None, expect("d")),
        (
            f"admin:{app}_{name}_delete",
            "post",
            f"{base}/{{{key}}}/delete/",
            {"post": "yes"},
            expect("d", DELETE_OUTCOME.get(key, 302)),
        ),
        # The bare object URL redirects to its change page, for anyone the admin lets in.
        (f"admin:{app}_{name}_object", "get", f"{base}/{{{key}}}/", None, (302, 302, 302, 302)),
    ]
    if name in HISTORIED:
        cells.append(
            (
                f"admin:{app}_{name}_simple_history",
                "get",
                f"{base}/{{{key}}}/history/{{history_{key}}}/",
                None,
                expect("vc"),
            )
        )
    return cells


# -- everything else, written out ----------------------------------------------------------------

API = "/api/v1"
OTHER_CELLS = [
    # name, method, path, data, (anonymous, editor, reviewer, superuser)
    # The admin's own pages.
    ("admin:index", "get", "/admin/", None, (302, 200, 200, 200)),
    ("admin:login", "get", "/admin/login/", None, (200, 302, 302, 302)),
    ("admin:logout", "post", "/admin/logout/", {}, (302, 200, 200, 200)),
    ("admin:password_change", "get", "/admin/password_change/", None, (302, 200, 200, 200)),
    (
        "admin:password_change_done",
        "get",
        "/admin/password_change/done/",
        None,
        (302, 200, 200, 200),
    ),
    # Autocomplete answers only a well-formed question about a field the user may see.
    ("admin:autocomplete", "get", "/admin/autocomplete/", None, (302, 403, 403, 403)),
    (
        "admin:autocomplete",
        "get",
        "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=speaker&term=Pu",
        None,
        (302, 200, 200, 200),  # reviewers may read speakers anyway
    ),
    ("admin:jsi18n", "get", "/admin/jsi18n/", None, (302, 200, 200, 200)),
    # Each person's own notification settings: theirs alone, so anyone signed in to the desk.
    ("admin:desk_notifications", "get", "/admin/notifications/", None, (302, 200, 200, 200)),
    (
        "admin:desk_notifications",
        "post",
        "/admin/notifications/",
        {"notify_by_email": "on"},
        (302, 302, 302, 302),
    ),
    ("admin:view_on_site", "get", "/admin/r/{claim_type}/{claim}/", None, (302, 302, 302, 302)),
    ("admin:app_list", "get", "/admin/claims/", None, (302, 200, 200, 200)),
    ("admin:app_list", "get", "/admin/auth/", None, (302, 404, 404, 200)),
    ("admin:app_list", "get", "/admin/axes/", None, (302, 404, 404, 200)),
    ("admin:catch_all", "get", "/admin/no-such-page/", None, (302, 404, 404, 404)),
    (
        "admin:auth_user_password_change",
        "get",
        "/admin/auth/user/{user}/password/",
        None,
        (302, 403, 403, 200),
    ),
    (
        "admin:claims_source_quote",
        "get",
        "/admin/claims/source/{source}/quote/",
        None,
        (302, 200, 403, 200),
    ),
    (
        "admin:claims_source_quote",
        "post",
        "/admin/claims/source/{source}/quote/",
        {},
        (302, 200, 403, 200),
    ),
    # Review steps from a claim's page: POST only, each step for the role that takes it (the
    # workflow's other refusals, four eyes among them, come back as messages on the page).
    (
        "admin:claims_claim_review",
        "get",
        "/admin/claims/claim/{draft}/review/",
        None,
        (302, 405, 405, 405),
    ),
    (
        "admin:claims_claim_review",
        "post",
        "/admin/claims/claim/{draft}/review/",
        {"action": "submit", "version": "{draft_version}"},
        (302, 302, 403, 302),
    ),
    (
        "admin:claims_claim_review",
        "post",
        "/admin/claims/claim/{in_review}/review/",
        {"action": "publish", "version": "{in_review_version}"},
        (302, 403, 302, 302),
    ),
    # Public pages: published content for everyone, the same for staff; they only read.
    ("claims:home", "get", "/", None, (200, 200, 200, 200)),
    ("claims:home", "post", "/", {}, (405, 405, 405, 405)),
    ("claims:dispute", "get", "/disputes/cause-of-death/", None, (200, 200, 200, 200)),
    ("claims:dispute", "get", "/disputes/{draft_dispute}/", None, (404, 404, 404, 404)),
    ("claims:dispute", "delete", "/disputes/cause-of-death/", None, (405, 405, 405, 405)),
    ("claims:claim", "get", "/claims/died-of-natural-causes/", None, (200, 200, 200, 200)),
    # Short links by id redirect to the canonical slug.
    ("claims:claim", "get", "/claims/{claim}/", None, (301, 301, 301, 301)),
    ("claims:claim", "get", "/claims/{draft}/", None, (404, 404, 404, 404)),
    ("claims:claim", "get", "/claims/{in_review}/", None, (404, 404, 404, 404)),
    ("claims:claim", "post", "/claims/{claim}/", {}, (405, 405, 405, 405)),
    ("claims:source", "get", "/sources/justice-campaign-press-2014/", None, (200, 200, 200, 200)),
    ("claims:source", "get", "/sources/{source}/", None, (301, 301, 301, 301)),
    ("claims:source", "put", "/sources/{source}/", None, (405, 405, 405, 405)),
    ("claims:source-text", "get", "/sources/justice-campaign-press-2014/text", None, (200,) * 4),
    ("claims:source-text", "post", "/sources/justice-campaign-press-2014/text", {}, (405,) * 4),
    ("claims:speaker", "get", "/speakers/vladimir-putin/", None, (200, 200, 200, 200)),
    ("claims:facts", "get", "/facts/", None, (200, 200, 200, 200)),
    ("claims:methodology", "get", "/methodology/", None, (200, 200, 200, 200)),
    ("claims:methodology", "post", "/methodology/", {}, (405, 405, 405, 405)),
    ("claims:search", "get", "/search/?q=heart", None, (200, 200, 200, 200)),
    ("claims:search", "post", "/search/", {"q": "heart"}, (405, 405, 405, 405)),
    ("claims:feed", "get", "/feeds/claims.atom", None, (200, 200, 200, 200)),
    ("claims:feed", "post", "/feeds/claims.atom", {}, (405, 405, 405, 405)),
    ("claims:sitemap", "get", "/sitemap.xml", None, (200, 200, 200, 200)),
    ("claims:sitemap", "post", "/sitemap.xml", {}, (405, 405, 405, 405)),
    ("claims:sitemap-section", "get", "/sitemap-claims.xml", None, (200, 200, 200, 200)),
    ("claims:sitemap-section", "get", "/sitemap-drafts.xml", None, (404, 404, 404, 404)),
    ("claims:robots", "get", "/robots.txt", None, (200, 200, 200, 200)),
    ("claims:favicon", "get", "/favicon.ico", None, (301, 301, 301, 301)),
    ("claims:claim-index", "get", "/claims/?status=contradiction", None, (200,) * 4),
    ("claims:claim-index", "post", "/claims/", {}, (405,) * 4),
    ("claims:dispute-index", "get", "/disputes/?contested=true", None, (200,) * 4),
    ("claims:source-index", "get", "/sources/?kind=press_release", None, (200,) * 4),
    ("claims:speaker-index", "get", "/speakers/?kind=person&page=2", None, (200,) * 4),
    # The API's description.
    ("schema", "get", "/api/schema/", None, (200, 200, 200, 200)),
    ("api-docs", "get", "/api/docs/", None, (200, 200, 200, 200)),
    ("api:api-root", "get", f"{API}/", None, (200, 200, 200, 200)),
    ("api:anno-context", "get", f"{API}/ns/anno.jsonld", None, (200, 200, 200, 200)),
    ("api:anno-context", "post", f"{API}/ns/anno.jsonld", {}, (405, 405, 405, 405)),
    # API tokens: issued to a signed-in account; logout revokes the token a request carries,
    # so a session alone has nothing to revoke (401).
    ("api:login", "post", f"{API}/auth/login/", None, (401, 200, 200, 200)),
    ("api:logout", "post", f"{API}/auth/logout/", None, (401, 401, 401, 401)),
    ("api:logout-all", "post", f"{API}/auth/logoutall/", None, (401, 401, 401, 401)),
    # Claims: everyone reads what is published; staff also read drafts; editors write drafts;
    # reviewers take review steps; no one deletes a claim (it is rejected or withdrawn instead).
    ("api:claim-list", "get", f"{API}/claims/", None, (200, 200, 200, 200)),
    ("api:claim-list", "post", f"{API}/claims/", {"text": "New."}, (401, 201, 403, 201)),
    ("api:claim-detail", "get", f"{API}/claims/{{claim}}/", None, (200, 200, 200, 200)),
    ("api:claim-detail", "get", f"{API}/claims/{{draft}}/", None, (404, 200, 200, 200)),
    (
        "api:claim-detail",
        "patch",
        f"{API}/claims/{{draft}}/",
        {"text": "Edited.", "version": "{draft_version}"},
        (401, 200, 403, 200),
    ),
    (
        "api:claim-detail",
        "put",
        f"{API}/claims/{{draft}}/",
        {"text": "Replaced.", "version": "{draft_version}"},
        (401, 405, 403, 405),  # changes are partial (PATCH), never a blind replacement
    ),
    # Published claims are not edited in place, by anyone.
    (
        "api:claim-detail",
        "patch",
        f"{API}/claims/{{claim}}/",
        {"text": "Rewritten.", "version": "{claim_version}"},
        (401, 409, 403, 409),
    ),
    ("api:claim-detail", "delete", f"{API}/claims/{{draft}}/", None, (401, 403, 403, 405)),
    ("api:claim-submit", "post", f"{API}/claims/{{draft}}/submit/", {}, (401, 200, 403, 200)),
    ("api:claim-publish", "post", f"{API}/claims/{{in_review}}/publish/", {}, (401, 403, 200, 200)),
    (
        "api:claim-request-changes",
        "post",
        f"{API}/claims/{{in_review}}/request-changes/",
        {"comment": "Needs a second source."},
        (401, 403, 200, 200),
    ),
    (
        "api:claim-reject",
        "post",
        f"{API}/claims/{{in_review}}/reject/",
        {"comment": "Not a checkable claim."},
        (401, 403, 200, 200),
    ),
    (
        "api:claim-withdraw",
        "post",
        f"{API}/claims/{{claim}}/withdraw/",
        {"comment": "The source retracted it."},
        (401, 403, 200, 200),
    ),
    (
        "api:claim-add-evidence",
        "post",
        f"{API}/claims/{{draft}}/evidence/",
        {"excerpt": "{excerpt}", "stance": "supports", "version": "{draft_version}"},
        (401, 201, 403, 201),
    ),
    (
        "api:claim-remove-evidence",
        "delete",
        f"{API}/claims/{{draft}}/evidence/{{draft_evidence}}/?version={{draft_version}}",
        None,
        (401, 200, 403, 200),  # answers with the claim as it now stands
    ),
    ("api:fact-list", "get", f"{API}/facts/", None, (200, 200, 200, 200)),
    ("api:fact-list", "post", f"{API}/facts/", {"text": "New."}, (401, 405, 403, 405)),
    ("api:dispute-list", "get", f"{API}/disputes/", None, (200, 200, 200, 200)),
    ("api:dispute-list", "post", f"{API}/disputes/", {"question": "Q?"}, (401, 405, 403, 405)),
    ("api:dispute-detail", "get", f"{API}/disputes/cause-of-death/", None, (200, 200, 200, 200)),
    ("api:dispute-detail", "get", f"{API}/disputes/{{draft_dispute}}/", None, (404, 404, 404, 404)),
    ("api:source-list", "get", f"{API}/sources/", None, (200, 200, 200, 200)),
    (
        "api:source-list",
        "post",
        f"{API}/sources/",
        {"title": "T", "text": "Text.", "publisher": "{publisher_slug}"},
        (401, 201, 403, 201),
    ),
    ("api:source-detail", "get", f"{API}/sources/{{source}}/", None, (200, 200, 200, 200)),
    # Sources are frozen once quoted and are never deleted over the API.
    ("api:source-detail", "delete", f"{API}/sources/{{source}}/", None, (401, 405, 403, 405)),
    ("api:excerpt-list", "get", f"{API}/excerpts/", None, (200, 200, 200, 200)),
    (
        "api:excerpt-list",
        "post",
        f"{API}/excerpts/",
        {"source": "{source}", "quote": "{quote}"},
        (401, 201, 403, 201),
    ),
    ("api:excerpt-detail", "get", f"{API}/excerpts/{{excerpt}}/", None, (200, 200, 200, 200)),
    ("api:excerpt-detail", "delete", f"{API}/excerpts/{{excerpt}}/", None, (401, 405, 403, 405)),
    ("api:speaker-list", "get", f"{API}/speakers/", None, (200, 200, 200, 200)),
    ("api:speaker-detail", "get", f"{API}/speakers/vladimir-putin/", None, (200, 200, 200, 200)),
    ("api:speaker-list", "post", f"{API}/speakers/", {"name": "N"}, (401, 405, 403, 405)),
    ("api:claimreview-list", "get", f"{API}/claimreview/", None, (200, 200, 200, 200)),
    # Change requests are the desk's: anyone in it reads and proposes; reviewers decide, never
    # on their own proposal (the pending one here is other_editor's).
    ("api:change-list", "get", f"{API}/changes/", None, (401, 200, 200, 200)),
    (
        "api:change-list",
        "post",
        f"{API}/changes/",
        {
            "target": "claim",
            "target_id": "{claim}",
            "changes": {"text": "A corrected wording."},
            "reason": "The source says less than this.",
        },
        (401, 201, 201, 201),
    ),
    ("api:change-detail", "get", f"{API}/changes/{{changerequest}}/", None, (401, 200, 200, 200)),
    (
        "api:change-detail",
        "delete",
        f"{API}/changes/{{changerequest}}/",
        None,
        (401, 403, 403, 405),  # never deleted: the record of what was asked stays
    ),
    (
        "api:change-approve",
        "post",
        f"{API}/changes/{{changerequest}}/approve/",
        {},
        (401, 403, 200, 200),
    ),
    (
        "api:change-reject",
        "post",
        f"{API}/changes/{{changerequest}}/reject/",
        {"comment": "The sources do not support it."},
        (401, 403, 200, 200),
    ),
]

CELLS = [cell for model in ADMIN_MODELS for cell in admin_cells(model)] + OTHER_CELLS


# -- the world the cells run in ------------------------------------------------------------------


@pytest.fixture
def world(seeded_ledger, editor, other_editor, superuser):
    """The seeded ledger plus one of everything a route can point at, with its id."""
    claim = Claim.objects.published().get(slug="died-of-natural-causes")
    source = Source.objects.get(slug="justice-campaign-press-2014")
    excerpt = Excerpt.objects.filter(source=source).first()

    draft = services.claim_create(text="A draft by the editor.", by=editor)
    draft_evidence = services.evidence_add(
        claim=draft, excerpt=excerpt, stance="supports", by=editor, expected_version=draft.version
    )
    in_review = services.claim_create(text="Awaiting review.", by=other_editor)
    services.evidence_add(
        claim=in_review,
        excerpt=excerpt,
        stance="supports",
        by=other_editor,
        expected_version=in_review.version,
    )
    in_review.refresh_from_db()
    workflow.claim_transition(
        claim=in_review, action="submit", by=other_editor, expected_version=in_review.version
    )
    draft.refresh_from_db()
    claim.refresh_from_db()
    in_review.refresh_from_db()

    # A new question is always a draft: it is published with its first published claim.
    draft_dispute = services.dispute_create(
        question="Not yet public?", slug="not-yet-public", by=editor
    )
    # A correction to the published claim, waiting for a reviewer.
    change = services.change_propose(
        target=claim,
        changes={"text": f"{claim.text} (corrected)"},
        reason="The source says it more precisely.",
        by=other_editor,
    )
    publisher = Publisher.objects.first()
    speaker = Speaker.objects.first()
    # A quote that occurs exactly once in the source, inside one of its items, so the excerpt
    # cell can be created.
    spans = [(item.start, item.end) for item in source.items.all()]
    quote = next(
        source.text[start : start + 40]
        for start in range(spans[0][0], len(source.text) - 40, 97)
        if source.text.count(source.text[start : start + 40]) == 1
        and any(first <= start and start + 40 <= end for first, end in spans)
    )
    AuthToken.objects.create(user=other_editor)
    attempt = AccessAttempt.objects.create(
        username="guesser", ip_address="203.0.113.9", failures_since_start=3
    )
    failure = AccessFailureLog.objects.create(username="guesser", ip_address="203.0.113.9")
    access = AccessLog.objects.create(username="edna", ip_address="203.0.113.10")

    def history(model, pk):
        return model.history.filter(id=pk).latest().history_id

    return {
        "claim": claim.pk,
        "claim_version": claim.version,
        "claim_type": ContentType.objects.get_for_model(Claim).pk,
        "draft": draft.pk,
        "draft_version": draft.version,
        "draft_evidence": draft_evidence.pk,
        "in_review": in_review.pk,
        "in_review_version": in_review.version,
        "draft_dispute": draft_dispute.slug,
        "dispute": draft_dispute.pk,
        "source": source.pk,
        "excerpt": excerpt.pk,
        "evidence": Evidence.objects.filter(claim=claim).first().pk,
        "reviewevent": ReviewEvent.objects.first().pk,
        "changerequest": change.pk,
        "publisher": publisher.pk,
        "publisher_slug": publisher.slug,
        "speaker": speaker.pk,
        "quote": quote,
        "user": other_editor.pk,
        "group": Group.objects.get(name="Editors").pk,
        "token": AuthToken.objects.get(user=other_editor).pk,
        "attempt": attempt.pk,
        "failurelog": failure.pk,
        "accesslog": access.pk,
        "history_publisher": history(Publisher, publisher.pk),
        "history_speaker": history(Speaker, speaker.pk),
        "history_source": history(Source, source.pk),
        "history_excerpt": history(Excerpt, excerpt.pk),
        "history_dispute": history(Dispute, draft_dispute.pk),
        "history_draft": history(Claim, draft.pk),
        "history_evidence": history(Evidence, Evidence.objects.filter(claim=claim).first().pk),
        "history_changerequest": history(ChangeRequest, change.pk),
    }


def fill(value, names):
    if isinstance(value, str):
        filled = value.format(**names)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


def run_cell(user, method, path, data):
    """One request as `user`, inside a savepoint that is rolled back afterwards."""
    client = APIClient() if path.startswith("/api/") else Client()
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        if path.startswith("/api/"):
            response = getattr(client, method)(path, data, format="json")
        elif data is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(path, data)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize(
    ("name", "method", "path", "data", "expected"),
    CELLS,
    ids=[f"{method.upper()} {path}" for _, method, path, _, _ in CELLS],
)
def test_access_table(world, request, name, method, path, data, expected):
    users = {
        "anonymous": None,
        "editor": request.getfixturevalue("editor"),
        "reviewer": request.getfixturevalue("reviewer"),
        "superuser": request.getfixturevalue("superuser"),
    }
    url, payload = fill(path, world), fill(data, world)
    unexpected = {}
    for role, wanted in zip(ROLES, expected, strict=True):
        got = run_cell(users[role], method, url, payload)
        if got != wanted:
            unexpected[role] = f"got {got}, expected {wanted}"
    assert not unexpected, f"{method.upper()} {url}: {unexpected}"


# -- the table covers every route ----------------------------------------------------------------


def route_names(patterns=None, namespace=None, prefix=""):
    """Every route the project serves, by name; format-suffix twins share their route's name."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from route_names(pattern.url_patterns, inner, route)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or unnamed_admin_route(route)
            yield f"{namespace}:{name}" if namespace else name


def unnamed_admin_route(route: str) -> str:
    """The admin leaves two kinds of route unnamed: its catch-all, and each model's bare object
    URL (a redirect to the change page); name them as the table does."""
    if route.endswith("(?P<url>.*)$"):
        return "catch_all"
    app, model = route.removeprefix("admin/").split("/")[:2]
    return f"{app}_{model}_object"


def test_every_route_is_in_the_access_table():
    covered = {name for name, *_ in CELLS}
    served = set(route_names())
    missing = sorted(name for name in served if name not in covered)
    assert not missing, f"Routes with no line in the access table: {missing}"


def test_every_admin_model_has_a_policy_line():
    from django.contrib import admin

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


def test_staff_accounts_without_a_role_see_nothing(world, client):
    nobody = User.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(nobody)
    assert client.get("/admin/claims/claim/").status_code == 403
    assert client.get("/admin/").status_code == 200  # the index, listing nothing
    assert b"/admin/claims/" not in client.get("/admin/").content
