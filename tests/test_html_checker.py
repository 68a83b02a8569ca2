"""Every public page type is valid HTML, as the Nu HTML checker (the W3C's validator) reads it,
and its headings form an outline without gaps.

The pages are rendered from the curated ledger, saved as files, and checked in one run of
vnu.jar, which `make browser` installs from tests/validators/: the JVM takes seconds to start,
so it starts once for all pages. Errors fail the test; warnings are reported in its output.
"""

import json
import subprocess
import time
import warnings
from pathlib import Path

import lxml.html
import pytest
from django.test import RequestFactory
from django.urls import resolve

from claims.choices import ClaimStatus
from claims.models import Claim, Dispute, Publisher, Source, Speaker
from claims.services import workflow
from claims.web.urls import urlpatterns as public_routes
from ledger.errors import server_error

pytestmark = pytest.mark.django_db

VNU_JAR = Path(__file__).parent / "validators/node_modules/vnu-jar/build/dist/vnu.jar"
# Not HTML: checked against their own standards elsewhere (the plain text, character for
# character, in tests/test_web_annotations.py).
NOT_HTML = {"feed", "sitemap", "sitemap-section", "robots", "source-text", "favicon"}


def public_pages(reviewer) -> dict[str, tuple[str, int]]:
    """Each page type, several times where its content varies: name -> (address, status)."""
    claims = Claim.objects.published()
    by_status = {status: claims.filter(status=status).first() for status in ClaimStatus}
    withdrawn = claims.exclude(pk__in=[c.pk for c in by_status.values()]).first()
    workflow.claim_transition(
        claim=withdrawn,
        action="withdraw",
        by=reviewer,
        expected_version=withdrawn.version,
        comment="The quote was from a different hearing.",
    )
    dispute = Dispute.objects.published().first()
    fact = Claim.objects.verified().first()
    publisher = Publisher.objects.filter(sources__in=Source.objects.published()).first()
    pages = {
        "home": ("/", 200),
        "dispute": (dispute.get_absolute_url(), 200),
        **{f"claim-{s}": (c.get_absolute_url(), 200) for s, c in by_status.items()},
        "claim-withdrawn": (withdrawn.get_absolute_url(), 410),
        **{f"source-{s.slug}": (s.get_absolute_url(), 200) for s in Source.objects.published()},
        "facts": ("/facts/", 200),
        "facts-by-question": (f"/facts/?dispute={fact.dispute.slug}", 200),
        "facts-by-publisher": (f"/facts/?publisher={publisher.slug}", 200),
        "facts-unknown-filter": ("/facts/?publisher=nobody", 200),
        "search": ("/search/?q=heart+attack", 200),
        "search-nothing-found": ("/search/?q=xylophone", 200),
        "search-empty": ("/search/?q=", 200),
        "methodology": ("/methodology/", 200),
        "claims": ("/claims/", 200),
        "claims-in-contradiction": ("/claims/?status=contradiction", 200),
        "claims-unknown-filter": ("/claims/?status=nothing&page=x", 200),
        "disputes": ("/disputes/", 200),
        "disputes-contested": ("/disputes/?contested=true", 200),
        "sources": ("/sources/", 200),
        "sources-by-kind": ("/sources/?kind=press_release", 200),
        "speakers": ("/speakers/", 200),
        "speakers-people": ("/speakers/?kind=person", 200),
        "not-found": ("/claims/no-such-claim/", 404),
        "bad-request": ("/search/?q=%00", 400),
    }
    for speaker in Speaker.objects.published().order_by("pk")[:3]:
        pages[f"speaker-{speaker.slug}"] = (speaker.get_absolute_url(), 200)
    return pages


def rendered(client, pages, folder: Path) -> list[Path]:
    """Each page as the server sends it, saved in `folder`, with the 500 page besides."""
    for name, (url, status) in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        (folder / f"{name}.html").write_bytes(response.content)
    # The 500 page has no address to visit: it is rendered as the handler renders it.
    (folder / "server-error.html").write_bytes(server_error(RequestFactory().get("/")).content)
    return sorted(folder.glob("*.html"))


def nu_html_checker(files: list[Path]) -> list[dict]:
    """The checker's messages for all files, from one JVM."""
    assert VNU_JAR.exists(), "The Nu HTML checker is missing: run `make browser` to install it."
    run = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["messages"]


def described(message: dict) -> str:
    page = Path(message.get("url", "?")).stem
    extract = message.get("extract", "").strip().replace("\n", " ")
    return f"{page}:{message.get('lastLine', '?')}: {message['message']} [{extract[:100]}]"


@pytest.mark.browser  # in the browser test job: it needs the checker `make browser` installs
def test_every_public_page_type_passes_the_nu_html_checker(
    client, seeded_ledger, reviewer, tmp_path
):
    pages = public_pages(reviewer)
    files = rendered(client, pages, tmp_path)
    # Every route of the public pages that answers HTML is among them.
    checked = {
        resolve(url.split("?")[0]).url_name for url, status in pages.values() if status != 404
    }
    assert {route.name for route in public_routes} - NOT_HTML - checked == set()

    started = time.monotonic()
    messages = nu_html_checker(files)
    print(f"Nu HTML checker: {len(files)} pages in {time.monotonic() - started:.1f} s")
    errors = [described(m) for m in messages if m["type"] != "info"]
    notes = [described(m) for m in messages if m["type"] == "info"]
    if notes:
        warnings.warn("Nu HTML checker warnings:\n" + "\n".join(notes), stacklevel=1)
    assert not errors, f"{len(errors)} errors from the Nu HTML checker:\n" + "\n".join(errors)


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
SECTIONS = ("section", "article", "aside", "nav")


def first_heading(section):
    return next(section.iter(HEADINGS), None)


def heading_skips(page: Path) -> list[str]:
    """Headings deeper than the outline allows: more than one level below the heading before
    them, or below the heading of the section they are in (the checker does not look)."""
    document = lxml.html.parse(page).getroot()
    level = {h: int(h.tag[1]) for h in document.iter(HEADINGS)}
    skips, previous = [], 0
    for heading, depth in level.items():
        if depth > previous + 1:
            skips.append(f"h{depth} after h{previous}: {heading.text_content().strip()[:60]}")
        previous = depth
    for section in document.iter(SECTIONS):
        own = first_heading(section)
        outers = (first_heading(outer) for outer in section.iterancestors(SECTIONS))
        outer = next((heading for heading in outers if heading is not None), None)
        if own is not None and outer is not None and level[own] > level[outer] + 1:
            skips.append(
                f"h{level[own]} in a section of h{level[outer]}: {own.text_content().strip()[:60]}"
            )
    return skips


def test_headings_on_every_public_page_go_down_one_level_at_a_time(
    client, seeded_ledger, reviewer, tmp_path
):
    files = rendered(client, public_pages(reviewer), tmp_path)
    skips = {page.stem: heading_skips(page) for page in files}
    assert {page: found for page, found in skips.items() if found} == {}
