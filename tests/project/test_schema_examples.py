"""The API docs give a worked example for every operation that takes or answers JSON,
and every example is valid against the operation's own schema."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

BASE = "urn:coffer-schema"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return yaml.safe_load(APIClient().get("/api/schema/").content)


def _as_json_schema(node):
    """OpenAPI 3.0 in JSON Schema terms: `nullable` becomes a null alternative, and local
    references (#/components/...) point into the registry's copy of the document."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: (BASE + value if key == "$ref" else _as_json_schema(value)) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _validator(schema, body_schema) -> jsonschema.Draft202012Validator:
    document = Resource.from_contents({"components": _as_json_schema(schema["components"])},
                                      default_specification=DRAFT202012)
    return jsonschema.Draft202012Validator(_as_json_schema(body_schema), registry=Registry().with_resource(BASE, document),
                                           format_checker=jsonschema.FormatChecker())


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                yield f"{method.upper()} {path}", operation


def _json_bodies(operation):
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        yield "request", body
    for status, answer in operation["responses"].items():
        json_answer = answer.get("content", {}).get("application/json")
        if status.startswith("2") and json_answer is not None and json_answer["schema"].get("format") != "binary":
            yield f"response {status}", json_answer


def test_every_operation_that_takes_or_answers_json_has_an_example(schema):
    missing = [f"{name}: {part}" for name, operation in _operations(schema)
               for part, body in _json_bodies(operation) if "example" not in body]
    assert missing == []


def test_every_example_is_valid_against_its_schema(schema):
    invalid = []
    for name, operation in _operations(schema):
        for part, body in _json_bodies(operation):
            if "example" in body:
                errors = _validator(schema, body["schema"]).iter_errors(body["example"])
                invalid += [f"{name} {part}: {error.message}" for error in errors]
    assert invalid == []


def test_an_example_that_breaks_its_schema_is_caught(schema):
    """The check above can fail: a record without its kind, or with a wrong type, is refused."""
    body = schema["paths"]["/api/v1/records/"]["post"]["requestBody"]["content"]["application/json"]
    validator = _validator(schema, body["schema"])
    assert list(validator.iter_errors({k: v for k, v in body["example"].items() if k != "kind"}))
    assert list(validator.iter_errors({**body["example"], "label": 7}))
