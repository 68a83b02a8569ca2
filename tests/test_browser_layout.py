"""In a real browser: no page the desk or the public uses scrolls sideways.

An editor or reviewer works at 1280 px; a reader may be on a 390 px phone. Every page they use is
visited, with the curated ledger and a source full of long unbroken words and addresses, and a
page fails when anything on it scrolls sideways: the page itself, or a box within it (a table
whose last columns are out of sight counts). The failure names the widest element at fault.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page

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
from claims.ops.loader import load_ledger
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# A word longer than any line, and an address without a break: what pasted PDFs and archives hold.
UNBROKEN = "Magnitsky" * 30
LONG_URL = "https://web.archive.org/web/20091117000000/" + "a-very-long-path-segment-" * 6
LONG_TEXT = (
    f"Archived from {LONG_URL} on the day.\n\n{UNBROKEN} is not a word anyone reads.\n\n"
    "The guards beat him with rubber batons, the commission found.\n\n"
    "A second page repeats that the guards beat him with rubber batons."
)
LONG_CLAIM = (
    "The commission of the Presidential Council on Human Rights found that Sergei Magnitsky "
    "was beaten with rubber batons by guards in the hours before his death in custody, and "
    "that the medical help he had asked for in writing was withheld from him for months."
)

NOT_FOUND = "/no-such-page/"
PUBLIC_PAGES = [
    "/",
    "/disputes/",
    "/disputes/cause-of-death/",
    "/claims/",
    "/claims/died-of-natural-causes/",
    "/facts/",
    "/facts/?status=contradiction&speaker=vladimir-putin",
    "/sources/",
    "/sources/justice-campaign-press-2014/",
    "/sources/{long_source}/",
    "/speakers/",
    "/speakers/vladimir-putin/",
    "/search/?q=heart+attack",
    "/search/?q=" + UNBROKEN[:60],
    "/methodology/",
    NOT_FOUND,
]


@pytest.fixture
def ledger_site(live_server):
    """The curated ledger, plus a published claim quoting a source of hard-to-wrap words,
    and a correction waiting for review."""
    factories.permissions_restored()
    load_ledger(settings.LEDGER_SEEDS_DIR / "ledger.yaml")
    source = factories.source(LONG_TEXT, title=f"Archive of {LONG_URL}", url=LONG_URL)
    claim = factories.claim(LONG_CLAIM)
    factories.evidence(claim, source, "guards beat him with rubber batons, the commission")
    services.change_propose(
        target=source.publisher,
        changes={"name": f"Renamed {UNBROKEN[:40]}"},
        reason="The publisher's name as it appears on its masthead.",
        by=factories.author(),
    )
    factories.user("edna", "Editors")
    factories.user("rita", "Reviewers")
    live_server.long_source = source
    return live_server


# In the page: null if nothing scrolls sideways, else how it does and the element at fault.
SIDEWAYS = """(boxesMayScroll) => {
    const viewport = window.innerWidth;
    const elements = [...document.body.querySelectorAll("*")];
    const pageWidth = document.documentElement.scrollWidth;
    // A box that scrolls on its own within the page (a wide table in its wrapper) counts too,
    // unless boxes may scroll.
    const boxes = boxesMayScroll ? [] : elements.filter((element) =>
        ["auto", "scroll"].includes(getComputedStyle(element).overflowX)
        && element.scrollWidth > element.clientWidth + 1);
    if (pageWidth <= viewport && boxes.length === 0) { return null; }

    const describe = (element) => {
        const classes = [...element.classList].slice(0, 3).map((name) => "." + name).join("");
        const id = element.id ? "#" + element.id : "";
        const width = Math.round(element.getBoundingClientRect().width);
        return `${element.tagName.toLowerCase()}${id}${classes} ${width}px`;
    };
    const edgeFor = (element) => {
        const box = boxes.find((box) => box !== element && box.contains(element));
        return box ? box.getBoundingClientRect().right : viewport;
    };
    // The culprit sticks out furthest past the viewport (or past its scroll box). Text too long
    // for its element leaves the element's edge in place: then it is the innermost such element.
    let culprit = null, furthest = 0.5;
    for (const element of elements) {
        const beyond = element.getBoundingClientRect().right - edgeFor(element);
        if (beyond > furthest) { culprit = element; furthest = beyond; }
    }
    for (const element of culprit ? [] : elements) {
        const left = element.getBoundingClientRect().left;
        if (left + element.scrollWidth > edgeFor(element) + 0.5) { culprit = element; }
    }
    return [
        pageWidth > viewport ? `page ${pageWidth}px wide` : "page fits",
        ...boxes.map((box) => `${describe(box)} holding ${box.scrollWidth}px`),
        "widest: " + (culprit ? describe(culprit) : "?"),
    ].join("; ");
}"""


def sideways_pages(page: Page, base_url: str, paths: list[str], boxes_may_scroll=False) -> str:
    """One line for each page in `paths` that scrolls sideways, saying how."""
    found = []
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        assert response.status == (404 if path == NOT_FOUND else 200), path
        page.wait_for_load_state("load")
        problem = page.evaluate(SIDEWAYS, boxes_may_scroll)
        if problem:
            found.append(f"{path}: {problem}")
    return "\n".join(found)


def log_in(page: Page, base_url: str, username: str):
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def desk_pages(site, username: str) -> list[str]:
    """Every page of the desk an editor or reviewer opens: the index, each list (also filtered
    and searched), each record's page and its history, and for an editor the add pages, a
    deletion and the quote page."""
    first = {model: model.objects.order_by("pk").first() for model in DESK_MODELS}
    long_claim = Claim.objects.get(text=LONG_CLAIM)
    source_version = Source.history.filter(id=first[Source].pk).earliest("history_date")
    pages = ["/admin/", "/admin/claims/"]
    for model, row in first.items():
        name = model._meta.model_name
        pages.append(reverse(f"admin:claims_{name}_changelist"))
        pages.append(reverse(f"admin:claims_{name}_change", args=[row.pk]))
        pages.append(reverse(f"admin:claims_{name}_history", args=[row.pk]))
    pages += [
        reverse("admin:claims_claim_changelist") + "?review_state__exact=submitted",
        reverse("admin:claims_claim_changelist") + "?q=beaten",
        reverse("admin:claims_claim_change", args=[long_claim.pk]),
        reverse("admin:claims_claim_history", args=[long_claim.pk]),
        reverse("admin:claims_excerpt_changelist") + "?q=guards",
        reverse("admin:claims_changerequest_changelist") + "?state__exact=pending",
        reverse("admin:claims_source_change", args=[site.long_source.pk]),
        reverse("admin:claims_source_simple_history", args=[first[Source].pk, source_version.pk]),
    ]
    if username == "edna":
        pages += [
            reverse(f"admin:claims_{model._meta.model_name}_add")
            for model in (Claim, Dispute, Source, Publisher, Speaker)
        ]
        pages += [
            reverse("admin:claims_source_delete", args=[site.long_source.pk]),
            reverse("admin:claims_source_quote", args=[first[Source].pk]),
            reverse("admin:claims_source_quote", args=[site.long_source.pk]),
        ]
    return pages


DESK_MODELS = [
    Dispute,
    Claim,
    Evidence,
    ReviewEvent,
    ChangeRequest,
    Source,
    Excerpt,
    Publisher,
    Speaker,
]


@pytest.mark.parametrize("username", ["edna", "rita"])
def test_no_desk_page_scrolls_sideways_at_1280_px(ledger_site, page: Page, username):
    page.set_viewport_size(DESK)
    log_in(page, ledger_site.url, username)
    problems = sideways_pages(page, ledger_site.url, desk_pages(ledger_site, username))
    assert not problems, "These pages scroll sideways at 1280 px:\n" + problems


@pytest.mark.parametrize("username", ["edna", "rita"])
def test_no_desk_page_scrolls_sideways_on_a_phone_but_its_tables(ledger_site, page: Page, username):
    # On a phone a list's seven columns cannot all be in sight: its table scrolls within its
    # own box, as Django's admin has it. The page around it does not.
    page.set_viewport_size(PHONE)
    log_in(page, ledger_site.url, username)
    pages = desk_pages(ledger_site, username)
    problems = sideways_pages(page, ledger_site.url, pages, boxes_may_scroll=True)
    assert not problems, "These pages scroll sideways at 390 px:\n" + problems


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "390px"])
def test_no_public_page_scrolls_sideways(ledger_site, page: Page, viewport):
    page.set_viewport_size(viewport)
    paths = [path.format(long_source=ledger_site.long_source.slug) for path in PUBLIC_PAGES]
    problems = sideways_pages(page, ledger_site.url, paths)
    assert not problems, f"These pages scroll sideways at {viewport['width']} px:\n" + problems
