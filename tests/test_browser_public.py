"""In a real browser, at a desktop and a phone width: the public pages of the curated ledger."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from claims.ops.loader import load_ledger
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = [
    "/",
    "/disputes/cause-of-death/",
    "/claims/died-of-natural-causes/",
    "/sources/justice-campaign-press-2014/",
    "/facts/",
    "/speakers/vladimir-putin/",
    "/search/?q=heart+attack",
]


@pytest.fixture
def ledger_site(live_server):
    factories.permissions_restored()
    load_ledger(settings.LEDGER_SEEDS_DIR / "ledger.yaml")
    return live_server


@pytest.fixture(params=VIEWPORTS)
def sized_page(request, page: Page):
    page.set_viewport_size(VIEWPORTS[request.param])
    page.viewport_name = request.param
    return page


def test_contradiction_page_shows_rival_claims_and_their_quotes(sized_page: Page, ledger_site):
    page = sized_page
    page.goto(f"{ledger_site.url}/")
    page.get_by_role("link", name="How did Sergei Magnitsky die?").click()

    expect(page.locator("h1")).to_have_text("How did Sergei Magnitsky die?")
    columns = page.locator(".claim-column")
    expect(columns).to_have_count(6)
    heart_attack = columns.filter(has_text="he died of natural causes (a heart attack)")
    expect(heart_attack.locator(".status")).to_have_text("Contradiction")
    expect(heart_attack.locator(".side.supports blockquote").last).to_contain_text("heart attack")
    # The column says why: whose voices, and that the claimant's own do not corroborate.
    expect(heart_attack.locator(".status-reason")).to_contain_text("the claimant's own voice")
    expect(heart_attack.locator(".side.contradicts blockquote").first).to_be_visible()

    first, second = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    if page.viewport_name == "desktop":
        assert first["y"] == second["y"] and first["x"] < second["x"]  # side by side
    else:
        assert second["y"] > first["y"] + first["height"] - 1  # stacked
        assert first["width"] <= VIEWPORTS["phone"]["width"]


def test_a_quotes_source_link_lands_on_the_highlighted_passage(sized_page: Page, ledger_site):
    page = sized_page
    page.goto(f"{ledger_site.url}/claims/died-of-natural-causes/")
    quote = page.locator(".side.supports figure").first
    quoted_text = quote.locator("blockquote").inner_text()
    quote.locator("figcaption a").last.click()

    assert "#excerpt-" in page.url
    anchor_id = page.url.rsplit("#", 1)[1]
    highlighted = page.locator(f"#{anchor_id} + mark")
    expect(highlighted).to_be_in_viewport()
    expect(highlighted).to_have_css("outline-style", "solid")  # the :target emphasis
    assert quoted_text.startswith(highlighted.inner_text()[:40])


def test_pages_have_no_serious_accessibility_violations(sized_page: Page, ledger_site):
    page = sized_page
    axe = Axe()
    problems = {}
    for path in PAGES:
        page.goto(f"{ledger_site.url}{path}")
        violations = axe.run(page).response["violations"]
        serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            problems[path] = serious
    assert problems == {}


def test_public_pages_work_with_javascript_off(browser, ledger_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{ledger_site.url}/")
    page.fill("#site-search", "Browder")
    page.press("#site-search", "Enter")
    expect(page.locator("h1")).to_have_text("Search")
    expect(page.locator("main")).to_contain_text("Bill Browder")
    context.close()


def test_api_docs_and_browsable_api_work_under_the_content_security_policy(page: Page, ledger_site):
    page.goto(f"{ledger_site.url}/api/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/claims/").first).to_be_visible()

    page.goto(f"{ledger_site.url}/api/v1/claims/?format=api")
    expect(page.locator(".response-info")).to_contain_text('"results"')
