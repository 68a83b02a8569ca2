"""In a real browser: an editor quotes a source with the mouse and submits; a reviewer publishes.
An editor's correction to published material waits for a reviewer, who approves it."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from claims import services
from claims.models import ChangeRequest, Claim, Excerpt, Publisher, ReviewState, Source
from tests import factories
from tests.conftest import is_csp_violation

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; the roles made by migrations are restored afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _roles_as_migrated(transactional_db):
    """The roles and their permissions as the migrations made them, before a test makes any
    account: after some orders of transactional tests they are gone (see `factories.role()`),
    and a system account made then would hold no permission."""
    factories.permissions_restored()


SOURCE_TEXT = (
    "Weekly Digest\n\n"
    "Magnitsky died after a savage beating by prison guards in a Moscow detention center "
    "in November 2009.\n\nOfficials said he died of heart failure."
)
PASSAGE = "a savage beating by prison guards"


def log_in(page: Page, live_server, username: str):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username.upper(), ignore_case=True)


def select_with_mouse(page: Page, selector: str, passage: str, *, last: bool = False):
    """Drag the mouse across `passage` (its first occurrence, or its `last`) inside the element,
    as a person selecting text would."""
    # Measure only once the stylesheets have laid the page out for good.
    page.wait_for_load_state("load")
    box = page.evaluate(
        """([selector, passage, fromEnd]) => {
            const element = document.querySelector(selector);
            const node = element.firstChild;
            const start = fromEnd ? node.textContent.lastIndexOf(passage)
                               : node.textContent.indexOf(passage);
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + passage.length);
            // Bring the passage into view, in the page and in the text's own scroll box (the
            // mouse only reaches what is on screen).
            element.scrollIntoView({block: "center"});
            const box = element.getBoundingClientRect();
            element.scrollTop += range.getBoundingClientRect().top - box.top - box.height / 2;
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: last.right - 1, y2: last.top + last.height / 2};
        }""",
        [selector, passage, last],
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def run_action(page: Page, live_server, claim_text: str, action_label: str, *, model="claim"):
    page.goto(f"{live_server.url}/admin/claims/{model}/")
    row = page.locator("#result_list tr", has_text=claim_text)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", label=action_label)
    page.click("button[name=index]")


def test_editor_quotes_submits_and_reviewer_publishes(page: Page, live_server):
    source = factories.source(SOURCE_TEXT, title="Weekly Digest")
    factories.user("edna2", "Editors")  # password "pw"
    factories.user("rita", "Reviewers")

    # The editor writes a claim.
    log_in(page, live_server, "edna2")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    page.locator("#id_text").press_sequentially("Magnitsky was beaten by prison guards.")
    expect(page.locator("#id_slug")).to_have_value(re.compile("magnitsky-was-beaten"))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    claim = Claim.objects.get(text="Magnitsky was beaten by prison guards.")

    # ...cuts the evidence out of the source by selecting it with the mouse...
    page.goto(f"{live_server.url}/admin/claims/source/{source.pk}/change/")
    page.click("text=Quote from this source")
    select_with_mouse(page, "#source-text", PASSAGE)
    expect(page.locator("#id_quote")).to_have_value(PASSAGE)
    expect(page.locator("#selection-status")).to_contain_text("Selected characters")
    page.select_option("#id_claim", label=str(claim))
    page.select_option("#id_stance", "supports")
    page.click("input[value='Save excerpt']")
    expect(page.locator(".messagelist")).to_contain_text("Excerpt saved at characters")

    excerpt = Excerpt.objects.get(source=source)
    assert excerpt.text == PASSAGE
    assert (excerpt.start, excerpt.end) == (
        SOURCE_TEXT.index(PASSAGE),
        SOURCE_TEXT.index(PASSAGE) + len(PASSAGE),
    )

    # ...and submits it for review.
    run_action(page, live_server, claim.text, "Submit for review")
    expect(page.locator(".messagelist")).to_contain_text("1 claim submitted for review")

    # The reviewer publishes it.
    page.context.clear_cookies()
    log_in(page, live_server, "rita")
    expect(page.locator("#review-queue")).to_contain_text("1 claim awaiting review")
    run_action(page, live_server, claim.text, "Publish (four-eyes: not your own work)")
    expect(page.locator(".messagelist")).to_contain_text("1 claim published")
    claim.refresh_from_db()
    assert claim.review_state == ReviewState.PUBLISHED

    # The public sees it, with its quote.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    expect(page.locator("h1")).to_have_text(claim.text)
    expect(page.locator("blockquote")).to_have_text(PASSAGE)


def press_review_step(page: Page, label: str, comment: str = ""):
    """Take a review step with the buttons under the claim's page, as its reader would."""
    if comment:
        page.fill("#review-steps textarea[name=comment]", comment)
    page.locator("#review-steps").get_by_role("button", name=label).click()


def test_the_review_cycle_runs_from_the_claims_page_and_the_inbox(page: Page, live_server):
    """No bulk action: an editor writes and submits, a reviewer sends it back with a comment,
    the editor finds it in the inbox and the email, fixes it and resubmits, and a second
    reviewer publishes it."""
    source = factories.source(SOURCE_TEXT, title="Weekly Digest")
    factories.user("edna2", "Editors", email="edna2@example.org")
    factories.user("rita", "Reviewers", email="rita@example.org")
    factories.user("rob", "Reviewers", email="rob@example.org")

    # The editor writes a claim, quotes its evidence, and submits it from its page.
    log_in(page, live_server, "edna2")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    page.fill("#id_text", "Magnitsky was beaten by guards.")
    page.click("input[name=_save]")
    claim = Claim.objects.get(text="Magnitsky was beaten by guards.")
    page.goto(f"{live_server.url}/admin/claims/source/{source.pk}/quote/")
    page.fill("#id_quote", PASSAGE)
    page.select_option("#id_claim", label=str(claim))
    page.click("input[value='Save excerpt']")
    expect(page.locator(".messagelist")).to_contain_text("Excerpt saved at characters")
    claim_page = f"{live_server.url}/admin/claims/claim/{claim.pk}/change/"
    page.goto(claim_page)
    press_review_step(page, "Submit for review")
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")
    assert [m.to for m in mail.outbox] == [["rita@example.org"], ["rob@example.org"]]
    mail.outbox.clear()

    # A reviewer finds it waiting in their inbox, reads it, and sends it back from its page.
    page.context.clear_cookies()
    log_in(page, live_server, "rita")
    page.locator("#inbox-to-review").get_by_role("link", name=claim.text).click()
    expect(page.locator("#evidence-group")).to_contain_text(PASSAGE)
    press_review_step(page, "Request changes", "Say which guards, as the source does.")
    expect(page.locator(".messagelist")).to_contain_text("sent back for changes")
    expect(page.locator("#review-steps")).to_contain_text("No review step is yours")

    # The editor hears of it by email and sees it, with the comment, on the desk's front page.
    assert [m.to for m in mail.outbox] == [["edna2@example.org"]]
    assert "Say which guards, as the source does." in mail.outbox[0].body
    page.context.clear_cookies()
    log_in(page, live_server, "edna2")
    sent_back = page.locator("#inbox-sent-back")
    expect(sent_back).to_contain_text("Changes requested by rita")
    expect(sent_back).to_contain_text("Say which guards, as the source does.")

    # ...fixes it, and submits it again.
    sent_back.get_by_role("link", name=claim.text).click()
    page.fill("#id_text", "Magnitsky was beaten by prison guards.")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    press_review_step(page, "Submit for review")
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")

    # A second reviewer publishes it from its page.
    page.context.clear_cookies()
    log_in(page, live_server, "rob")
    page.goto(claim_page)
    press_review_step(page, "Publish")
    expect(page.locator(".messagelist")).to_contain_text("published")
    claim.refresh_from_db()
    assert claim.review_state == ReviewState.PUBLISHED
    assert claim.text == "Magnitsky was beaten by prison guards."
    assert [(e.action, e.actor_name) for e in claim.review_events.all()] == [
        ("submit", "edna2"),
        ("request_changes", "rita"),
        ("submit", "edna2"),
        ("publish", "rob"),
    ]
    assert ["edna2@example.org"] in [m.to for m in mail.outbox]


def test_a_correction_to_published_material_waits_for_a_reviewer(page: Page, live_server):
    publisher = factories.publisher("Moscow Daily")
    source = factories.source(SOURCE_TEXT, title="Weekly Digest", publisher_=publisher)
    claim = factories.claim("Magnitsky was beaten by prison guards.")
    factories.evidence(claim, source, PASSAGE)
    claim.refresh_from_db()
    assert claim.review_state == ReviewState.PUBLISHED
    factories.user("edna2", "Editors")
    factories.user("rita", "Reviewers")

    # Readers see the publisher's name, so the editor cannot just change it...
    log_in(page, live_server, "edna2")
    page.goto(f"{live_server.url}/admin/claims/publisher/{publisher.pk}/change/")
    page.fill("#id_name", "The Moscow Daily")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("must be approved by another reviewer")
    assert Publisher.objects.get(pk=publisher.pk).name == "Moscow Daily"

    # ...but can propose it, with the reason readers will see.
    page.fill("#id_name", "The Moscow Daily")
    page.fill("#id_change_reason", "The paper's name has a definite article.")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("waiting for another reviewer")
    assert Publisher.objects.get(pk=publisher.pk).name == "Moscow Daily"
    change = ChangeRequest.objects.get()
    assert change.state == ChangeRequest.State.PENDING

    # A reviewer reads what would change and approves it.
    page.context.clear_cookies()
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/admin/claims/changerequest/{change.pk}/change/")
    expect(page.locator("body")).to_contain_text("The Moscow Daily")
    run_action(
        page,
        live_server,
        "Moscow Daily",
        "Approve and apply (four-eyes: not your own)",
        model="changerequest",
    )
    expect(page.locator(".messagelist")).to_contain_text("1 change approved")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.APPROVED

    # Readers see the corrected name under the quote.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    expect(page.locator("figcaption")).to_contain_text("The Moscow Daily")


@pytest.mark.writes_outside_services("a source stored with \\r\\n before line ends were normalised")
def test_a_selected_repeated_phrase_in_a_crlf_text_is_saved_where_it_was_selected(
    page: Page, live_server
):
    # Thirty short lines, then one phrase twice, close together: a position that drifted by
    # one character per line break would land nearer the first occurrence than the second.
    stored = "line\r\n" * 30 + "echo and echo.\r\n"
    source = factories.source("placeholder", title="Pasted from Windows")
    Source.objects.filter(pk=source.pk).update(text=stored)
    factories.user("edna3", "Editors")
    log_in(page, live_server, "edna3")
    page.goto(f"{live_server.url}/admin/claims/source/{source.pk}/quote/")
    select_with_mouse(page, "#source-text", "echo", last=True)
    expect(page.locator("#id_quote")).to_have_value("echo")
    page.click("input[value='Save excerpt']")
    expect(page.locator(".messagelist")).to_contain_text("Excerpt saved at characters")
    excerpt = Excerpt.objects.get(source=source)
    assert excerpt.start == stored.rindex("echo")


REPEATED_TEXT = (
    "The guards beat him with rubber batons, the commission found.\n\n"
    "Its second report repeats that the guards beat him with rubber batons."
)
REPEATED = "guards beat him with rubber batons"


def test_a_pasted_quote_that_occurs_twice_is_saved_where_the_editor_chooses(
    live_server, page: Page
):
    source = factories.source(REPEATED_TEXT, title="Commission report")
    factories.user("edna4", "Editors")
    log_in(page, live_server, "edna4")
    page.goto(f"{live_server.url}/admin/claims/source/{source.pk}/quote/")
    page.fill("#id_quote", REPEATED)
    page.click("input[value='Save excerpt']")

    # Nothing is saved yet: the editor is shown each occurrence in its words, and picks one.
    expect(page.locator(".errorlist")).to_contain_text("occurs 2 times")
    assert not Excerpt.objects.filter(source=source).exists()
    choices = page.get_by_role("radio")
    expect(choices).to_have_count(2)
    expect(choices.first).to_have_accessible_name(re.compile("characters 4–38: …The guards"))
    page.get_by_role("radio", name=re.compile("second report repeats")).check()
    page.click("input[value='Save excerpt']")

    expect(page.locator(".messagelist")).to_contain_text("Excerpt saved at characters")
    excerpt = Excerpt.objects.get(source=source)
    second = REPEATED_TEXT.rindex(REPEATED)
    assert (excerpt.start, excerpt.end) == (second, second + len(REPEATED))


def test_a_speaker_not_yet_in_the_ledger_is_added_from_the_quote_page(live_server, page: Page):
    source = factories.source(REPEATED_TEXT, title="Commission report")
    factories.user("edna5", "Editors")
    log_in(page, live_server, "edna5")
    page.goto(f"{live_server.url}/admin/claims/source/{source.pk}/quote/")
    page.fill("#id_quote", "the commission found")

    # The admin's "+" beside the speakers opens the speaker form in a popup...
    with page.expect_popup() as opened:
        page.get_by_title("Add another speaker").click()
    popup = opened.value
    blocked = []
    popup.on("console", lambda message: is_csp_violation(message) and blocked.append(message.text))
    popup.fill("#id_name", "Presidential Council on Human Rights")
    popup.select_option("#id_kind", label="Organisation")
    popup.click("input[name=_save]")
    popup.wait_for_event("close")
    assert not blocked, "the popup ran into the Content-Security-Policy"

    # ...which closes with the new speaker chosen, and the quote half made is still there.
    expect(page.locator("#id_speaker option:checked")).to_have_text(
        "Presidential Council on Human Rights"
    )
    expect(page.locator("#id_quote")).to_have_value("the commission found")
    page.click("input[value='Save excerpt']")
    expect(page.locator(".messagelist")).to_contain_text("Excerpt saved at characters")
    assert Excerpt.objects.get(source=source).speaker.name == "Presidential Council on Human Rights"


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_claims_page_fits_a_desk_screen_without_scrolling_sideways(page: Page, live_server):
    editor = factories.user("edna2", "Editors")
    factories.user("rita", "Reviewers")
    source = factories.source(SOURCE_TEXT, title="Weekly Digest")
    claim = services.claim_create(
        text="Magnitsky died after a savage beating by prison guards in a Moscow detention "
        "center in November 2009, officials said otherwise.",
        by=editor,
    )
    for quote in (PASSAGE, "Officials said he died of heart failure.", "in November 2009"):
        excerpt = services.excerpt_create(source=source, quote=quote, by=editor)
        claim.refresh_from_db()
        services.evidence_add(
            claim=claim,
            excerpt=excerpt,
            stance="supports",
            note="Why this passage bears on the claim, in a sentence or two of the editor's.",
            by=editor,
            expected_version=claim.version,
        )

    for username in ("edna2", "rita"):  # the editor's form, and the reviewer's read-only page
        page.context.clear_cookies()
        log_in(page, live_server, username)
        page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{username}'s view of the claim is {width} px wide"
        title = page.locator("#content > h2").bounding_box()
        for tool in page.locator(".object-tools a").all():
            assert not boxes_overlap(tool.bounding_box(), title), f"{tool.inner_text()} covers"
