"""The OpenAPI schema speaks the standard exactly: it validates, and it says what the server does
(the bodies it takes, the parameters it accepts and their bounds, and what it answers, refusals
included), so that a client generated from it works without hand edits."""

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from rest_framework.test import APIClient

from claims.api.pagination import (
    ChangeOrderPagination,
    CreationOrderPagination,
    LedgerCursorPagination,
    RankedPagination,
)

API = "/api/v1"


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation


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


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client
