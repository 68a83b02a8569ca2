"""Screenshots of the public pages and the editorial desk for the README, from `make run`.

Usage: PORT=8000 make run (in another terminal), then
       .venv/bin/python scripts/take_screenshots.py [http://127.0.0.1:8000]

For the desk's pictures it first stages a review through the desk, as its users would: the demo
editor writes two claims and submits them, and the demo reviewer sends one back with a comment.
So run it on a fresh `make run` (each run writes two more claims).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page, username, password):
    page.context.clear_cookies()
    page.goto(f"{BASE}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


SOURCE = "/admin/claims/source/"
QUOTE = "Norway has reiterated"


def write_and_submit(page, text, quote):
    """As the signed-in editor: write a claim, quote its evidence, submit it from its page."""
    page.goto(f"{BASE}/admin/claims/claim/add/")
    page.fill("#id_text", text)
    page.click("input[name=_continue]")
    claim_page = page.url
    page.goto(f"{BASE}{SOURCE}")
    page.click("#result_list tbody tr:first-child th a")
    page.click("text=Quote from this source")
    page.fill("#id_quote", quote)
    page.select_option("#id_claim", label=text)
    page.click("input[value='Save excerpt']")
    page.goto(claim_page)
    page.locator("#review-steps").get_by_role("button", name="Submit for review").click()
    return claim_page


def stage_review(page):
    """Two claims in review; the reviewer sends the first back with a comment."""
    log_in(page, "editor", "editor-demo")
    sent_back = write_and_submit(
        page, "Norway will not follow the United States with sanctions of its own.", QUOTE
    )
    waiting = write_and_submit(
        page, "Norway said it has no tradition of unilateral sanctions.", "no tradition of"
    )
    log_in(page, "reviewer", "reviewer-demo")
    page.goto(sent_back)
    page.fill("#review-steps textarea[name=comment]", "Quote the minister's own words too.")
    page.locator("#review-steps").get_by_role("button", name="Request changes").click()
    return waiting


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        public = [
            ("public-home", "/", 1280),
            ("public-dispute", "/disputes/cause-of-death/", 1280),
            ("public-dispute-phone", "/disputes/cause-of-death/", 390),
            ("public-claim", "/claims/died-of-natural-causes/", 1280),
        ]
        for name, path, width in public:
            tab = browser.new_page(viewport={"width": width, "height": 860 if width > 600 else 844})
            tab.goto(f"{BASE}{path}")
            tab.screenshot(path=OUT / f"{name}.png")
            tab.close()
        source = browser.new_page(viewport={"width": 1280, "height": 860})
        source.goto(f"{BASE}/claims/died-of-natural-causes/")
        source.locator(".side.supports figcaption a").last.click()
        source.screenshot(path=OUT / "public-source-highlight.png")
        source.close()

        page = browser.new_page(viewport={"width": 1280, "height": 860})
        waiting = stage_review(page)
        log_in(page, "reviewer", "reviewer-demo")
        page.screenshot(path=OUT / "admin-review-queue.png")
        page.goto(f"{BASE}/admin/claims/claim/?review_state__exact=in_review")
        page.screenshot(path=OUT / "admin-claims-in-review.png")
        page.goto(waiting)
        page.screenshot(path=OUT / "admin-claim.png", full_page=True)
        log_in(page, "editor", "editor-demo")
        page.screenshot(path=OUT / "admin-inbox.png")
        page.goto(f"{BASE}/admin/claims/source/")
        page.click("#result_list tbody tr:first-child th a")
        page.click("text=Quote from this source")
        page.wait_for_load_state("load")
        page.locator("#source-text").evaluate(
            """(element) => {
                const node = element.firstChild;
                // A whole clause, from its first word to "Magnitsky" (the text has no-break
                // spaces in it, so its end is found rather than typed).
                const text = node.textContent;
                const start = text.indexOf("Norway has reiterated");
                const end = text.indexOf("Magnitsky", start) + "Magnitsky".length;
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, end);
                getSelection().removeAllRanges();
                getSelection().addRange(range);
                element.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
            }"""
        )
        page.screenshot(path=OUT / "admin-quote-picking.png")
        browser.close()


if __name__ == "__main__":
    main()
