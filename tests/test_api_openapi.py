"""The OpenAPI schema speaks the standard exactly: it validates, and it says what the server does
(the bodies it takes, the parameters it accepts and their bounds, and what it answers, refusals
included), so that a client generated from it works without hand edits."""

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from rest_framework.test import APIClient

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


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client
