"""The OpenAPI schema speaks the standard exactly: it validates, and it says what the server does
(the bodies it takes, the parameters it accepts and their bounds, and what it answers, refusals
included), so that a client generated from it works without hand edits."""

import pytest
from django.core.cache import cache
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator
from rest_framework.test import APIClient

from claims import services
from claims.api.pagination import (
    ChangeOrderPagination,
    CreationOrderPagination,
    LedgerCursorPagination,
    RankedPagination,
)
from tests import factories

API = "/api/v1"


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def deref(schema, node: dict) -> dict:
    """The schema object a `$ref` points to (or the node itself)."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def query_parameters(operation):
    return {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}


def assert_documented(schema, template: str, method: str, response):
    """The response's body is one the schema documents for its path, method, status and type."""
    content_type = response["Content-Type"].split(";")[0]
    answers = schema["paths"][template][method.lower()]["responses"]
    assert str(response.status_code) in answers, f"{response.status_code} is not documented"
    content = answers[str(response.status_code)].get("content", {})
    assert content_type in content, f"{content_type} is not documented: {sorted(content)}"
    body_schema = content[content_type]["schema"]
    # References point into the document's components, so validate inside a copy of them.
    validator = OAS30Validator({**body_schema, "components": schema["components"]})
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], response.json()


# -- the document ---------------------------------------------------------------------------------


def test_the_schema_passes_the_openapi_spec_validator(openapi_schema):
    errors = [error.message for error in OpenAPIV30SpecValidator(openapi_schema).iter_errors()]
    assert errors == []


def test_write_bodies_are_advertised_as_json_only(openapi_schema):
    # The server reads forms too, for the browsable API's own pages; a client is told JSON,
    # since a generated client otherwise sends multipart, which cannot carry nested values.
    bodies = {
        name: sorted(operation["requestBody"]["content"])
        for name, operation in operations(openapi_schema)
        if "requestBody" in operation
    }
    assert bodies
    assert {name: types for name, types in bodies.items() if types != ["application/json"]} == {}


@pytest.mark.django_db
def test_the_browsable_api_still_posts_its_forms(editor):
    response = as_user(editor).post(f"{API}/claims/", {"text": "From a form."}, format="multipart")
    assert response.status_code == 201 and response.json()["text"] == "From a form."


def test_write_bodies_say_that_unknown_fields_are_refused(openapi_schema):
    open_bodies = [
        name
        for name, operation in operations(openapi_schema)
        if "requestBody" in operation
        and deref(
            openapi_schema, operation["requestBody"]["content"]["application/json"]["schema"]
        ).get("additionalProperties")
        is not False
    ]
    assert open_bodies == []


def test_page_size_is_documented_with_the_bounds_the_paginators_enforce(openapi_schema):
    assert LedgerCursorPagination.max_page_size == RankedPagination.max_page_size == 200
    sizes = {
        name: query_parameters(operation)["page_size"]
        for name, operation in operations(openapi_schema)
        if "page_size" in query_parameters(operation)
    }
    assert "GET /api/v1/claims/" in sizes and "GET /api/v1/disputes/" in sizes
    for name, size in sizes.items():
        assert (size["type"], size.get("minimum"), size.get("maximum")) == ("integer", 1, 200), name


@pytest.mark.parametrize(
    ("path", "orderings"),
    [
        ("/api/v1/claims/", LedgerCursorPagination.orderings),
        ("/api/v1/facts/", LedgerCursorPagination.orderings),
        ("/api/v1/sources/", ChangeOrderPagination.orderings),
        ("/api/v1/excerpts/", CreationOrderPagination.orderings),
        ("/api/v1/changes/", CreationOrderPagination.orderings),
    ],
)
def test_cursor_lists_document_the_orderings_they_accept(openapi_schema, path, orderings):
    ordering = query_parameters(openapi_schema["paths"][path]["get"])["ordering"]
    assert ordering["enum"] == orderings


def test_list_parameters_declare_that_an_empty_value_is_refused(openapi_schema):
    # StrictFilterBackend answers `?speaker=` on a list with a 400; only `cursor` may be empty.
    lists = {
        name: operation
        for name, operation in operations(openapi_schema)
        if name.startswith("GET ") and not name.endswith("}/")
    }
    assert "GET /api/v1/claims/" in lists
    lax = [
        f"{name} {parameter}"
        for name, operation in lists.items()
        for parameter, schema in query_parameters(operation).items()
        if schema.get("type") == "string" and parameter != "cursor" and schema.get("minLength") != 1
    ]
    assert lax == []


def test_every_refusal_documents_its_body(openapi_schema):
    # A refusal is `{"detail", "code"}`, or for a 400 field errors too, so a client keeps them.
    bodies = [ref("Error"), {"anyOf": [ref("Error"), ref("FieldErrors")]}]
    undocumented = [
        f"{name} {code}"
        for name, operation in operations(openapi_schema)
        for code, answer in operation["responses"].items()
        if code.startswith("4")
        and answer.get("content", {}).get("application/json", {}).get("schema") not in bodies
    ]
    # A refused quote also says where the nearest passage is, or where the quote occurs.
    assert undocumented == ["POST /api/v1/excerpts/ 400"]
    quote = openapi_schema["paths"]["/api/v1/excerpts/"]["post"]["responses"]["400"]
    assert quote["content"]["application/json"]["schema"]["anyOf"] == [
        ref("Error"),
        ref("QuoteRefused"),
        ref("FieldErrors"),
    ]


def test_field_errors_are_documented_as_lists_of_messages_by_field(openapi_schema):
    field_errors = openapi_schema["components"]["schemas"]["FieldErrors"]
    assert field_errors["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    error = openapi_schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code"} and error["required"] == ["detail"]


def test_annotations_are_documented_as_web_annotations_not_excerpts(openapi_schema):
    excerpt = openapi_schema["paths"]["/api/v1/excerpts/{id}/"]["get"]["responses"]["200"]
    annotation = deref(openapi_schema, excerpt["content"]["application/ld+json"]["schema"])
    assert deref(openapi_schema, annotation["properties"]["type"])["enum"] == ["Annotation"]
    listed = openapi_schema["paths"]["/api/v1/excerpts/"]["get"]["responses"]["200"]
    forms = deref(openapi_schema, listed["content"]["application/ld+json"]["schema"])["oneOf"]
    collection, page = (deref(openapi_schema, form) for form in forms)
    assert deref(openapi_schema, collection["properties"]["type"])["enum"] == [
        "AnnotationCollection"
    ]
    assert page["properties"]["items"]["items"] == ref("WebAnnotation")


# -- the server answers as documented -------------------------------------------------------------


@pytest.fixture
def api():
    cache.clear()  # throttle counts
    return APIClient()


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def draft(editor):
    return services.claim_create(text="A draft by the editor.", by=editor)


@pytest.mark.django_db
def test_field_errors_are_answered_as_documented(openapi_schema, editor):
    response = as_user(editor).post(
        f"{API}/claims/", {"text": "x", "dispute": "no-such-dispute"}, format="json"
    )
    assert response.status_code == 400 and "dispute" in response.json()
    assert_documented(openapi_schema, "/api/v1/claims/", "POST", response)


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused_as_documented(openapi_schema, editor):
    response = as_user(editor).generic(
        "POST", f"{API}/claims/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert_documented(openapi_schema, "/api/v1/claims/", "POST", response)


@pytest.mark.django_db
def test_a_refused_filter_is_answered_as_documented(openapi_schema, api):
    response = api.get(f"{API}/claims/?speaker=&colour=red")
    assert response.status_code == 400 and set(response.json()) == {"speaker", "colour"}
    assert_documented(openapi_schema, "/api/v1/claims/", "GET", response)


@pytest.mark.django_db
def test_a_stale_version_is_answered_as_documented(openapi_schema, editor, draft):
    response = as_user(editor).patch(
        f"{API}/claims/{draft.pk}/", {"text": "Late.", "version": 0}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert_documented(openapi_schema, "/api/v1/claims/{id}/", "PATCH", response)


@pytest.mark.django_db
def test_the_four_eyes_rule_is_answered_as_documented(openapi_schema, superuser):
    client = as_user(superuser)
    claim = client.post(f"{API}/claims/", {"text": "Mine."}, format="json").json()
    source = factories.source("Mine is a sentence.")
    excerpt = services.excerpt_create(source=source, quote="Mine is a sentence.", by=superuser)
    client.post(
        f"{API}/claims/{claim['id']}/evidence/",
        {"excerpt": excerpt.pk, "stance": "supports", "version": 1},
        format="json",
    )
    client.post(f"{API}/claims/{claim['id']}/submit/", {}, format="json")
    response = client.post(f"{API}/claims/{claim['id']}/publish/", {}, format="json")
    assert response.status_code == 403
    assert_documented(openapi_schema, "/api/v1/claims/{id}/publish/", "POST", response)


@pytest.mark.django_db
def test_a_quote_not_in_its_source_is_answered_as_documented(openapi_schema, editor):
    source = factories.source()
    response = as_user(editor).post(
        f"{API}/excerpts/",
        {"source": source.pk, "quote": "a savage beating by the prison guards"},
        format="json",
    )
    assert response.status_code == 400 and "nearest_passage" in response.json()
    assert_documented(openapi_schema, "/api/v1/excerpts/", "POST", response)


@pytest.mark.django_db
def test_anonymous_writes_and_throttled_reads_are_answered_as_documented(openapi_schema, api):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    refused = api.post(f"{API}/claims/", {"text": "x"}, format="json")
    assert refused.status_code == 401
    assert_documented(openapi_schema, "/api/v1/claims/", "POST", refused)

    AnonRateThrottle.THROTTLE_RATES = {"anon": "1/minute"}
    try:
        api.get(f"{API}/claims/")
        throttled = api.get(f"{API}/claims/")
    finally:
        AnonRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert throttled.status_code == 429
    assert_documented(openapi_schema, "/api/v1/claims/", "GET", throttled)


@pytest.mark.django_db
def test_annotations_are_answered_as_documented(openapi_schema, api, published):
    _, _, excerpt = published
    one = api.get(f"{API}/excerpts/{excerpt.pk}/?format=annotation")
    assert one.status_code == 200 and one.json()["type"] == "Annotation"
    assert_documented(openapi_schema, "/api/v1/excerpts/{id}/", "GET", one)
    listed = api.get(f"{API}/excerpts/?format=annotation")
    assert listed.status_code == 200
    assert_documented(openapi_schema, "/api/v1/excerpts/", "GET", listed)
