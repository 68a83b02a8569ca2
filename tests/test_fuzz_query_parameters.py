"""Anonymous input never makes a 500: Hypothesis over the query parameters of every list.

Each example is a request to one list, public page or API, with parameters drawn from the names
that list understands (and some it does not), and values drawn from what a careless client or
an attacker sends: odd digits, huge numbers, hand-made cursors, long word lists, control and
invisible characters. Every answer must be a page or a 4xx with a message, never a 500.
"""

import base64
import string

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories

# Each list and the parameters it reads (a few it does not are drawn too).
LISTS = {
    "/api/v1/claims/": [
        "status",
        "review_state",
        "dispute",
        "speaker",
        "source",
        "publisher",
        "stance",
        "q",
        "updated_after",
        "published_after",
        "cursor",
        "page_size",
        "ordering",
    ],
    "/api/v1/facts/": ["dispute", "publisher", "q", "cursor", "page_size", "ordering"],
    "/api/v1/claimreview/": ["status", "dispute", "cursor", "page_size"],
    "/api/v1/disputes/": ["page", "page_size"],
    "/api/v1/sources/": ["publisher", "kind", "cursor", "page_size", "ordering"],
    "/api/v1/excerpts/": ["source", "speaker", "cursor", "page_size", "ordering"],
    "/api/v1/speakers/": ["format"],
    "/facts/": ["dispute", "publisher"],
    "/search/": ["q"],
    "/": ["page"],
}


def cursor_of(fields: dict) -> str:
    return base64.b64encode("&".join(f"{k}={v}" for k, v in fields.items()).encode()).decode()


odd_text = st.text(
    alphabet=st.sampled_from(
        [*string.printable, "\u00b2", "\u0663", "\u200b", "\u202e", "\x0b", "\x85", "é", "ß"]
    ),
    max_size=40,
)
# Digits of every script: str.isdigit() accepts them, int() does not always.
digits = st.text(alphabet="0123456789\u00b2\u0663\u0660\u00bd", min_size=1, max_size=4)
numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
anything = st.one_of(
    odd_text,
    digits,
    numbers,
    st.sampled_from(["agreement", "draft", "withdrawn", "published", "supports", "2012-05-02"]),
)
# Hand-made cursors: offset, reverse flag and position, any of them odd.
cursors = st.fixed_dictionaries(
    {}, optional={"o": st.one_of(digits, odd_text), "r": digits, "p": anything}
).map(cursor_of)
VALUES = {
    "cursor": st.one_of(cursors, odd_text),
    "page_size": st.one_of(digits, numbers, odd_text),
    "page": st.one_of(digits, numbers, odd_text),
    "ordering": st.one_of(
        st.sampled_from(["id", "-id", "updated_at", "-published_at", "text"]), odd_text
    ),
    "q": st.one_of(
        odd_text,
        st.lists(st.sampled_from(["heart", "attack", "Browder", "the"]), max_size=1_200).map(
            " ".join
        ),
    ),
}


@st.composite
def requests(draw):
    path = draw(st.sampled_from(sorted(LISTS)))
    # Few at a time: one bad value already answers 400, and would hide what the others do.
    names = draw(st.lists(st.sampled_from([*LISTS[path], "unknown"]), max_size=2, unique=True))
    return path, {name: draw(VALUES.get(name, anything)) for name in names}


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(call=requests())
def test_no_query_parameters_make_a_server_error(client, ledger_for_fuzzing, call):
    cache.clear()  # the anonymous throttle must not be what answers
    path, parameters = call
    response = client.get(path, parameters, HTTP_ACCEPT="application/json, text/html")
    assert response.status_code < 500, (path, parameters)


@pytest.fixture
def ledger_for_fuzzing(db):
    """A published claim with a quote, a draft dispute: enough for every filter to bite."""
    claim = factories.claim("He was beaten.", dispute=factories.dispute())
    factories.evidence(claim, factories.source(), "savage beating by prison guards")
    factories.dispute("A draft question?")
    return claim
