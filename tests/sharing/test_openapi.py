"""The sharing endpoints appear in the OpenAPI schema, with the app signature scheme."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_sharing_endpoint_is_documented(schema):
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/v1/apps/"])
    assert "get" in paths["/api/v1/apps/me/grants/"]
    assert {"get", "post"} <= set(paths["/api/v1/grants/"])
    assert {"get", "delete"} <= set(paths["/api/v1/grants/{grant_id}/"])
    assert "get" in paths["/api/v1/keys/{handle}"]
    assert "get" in paths["/api/v1/apps/me/users/{user_id}/keys"]
    assert {"get", "post", "delete"} <= set(paths["/api/v1/key-handle"])
    assert not any(path.startswith("/api/v1/users/") for path in paths)
    assert "post" in paths["/api/v1/attestations/"]


def test_app_endpoints_use_the_signature_scheme(schema):
    assert "appSignature" in schema["components"]["securitySchemes"]
    assert schema["paths"]["/api/v1/apps/me/grants/"]["get"]["security"] == [{"appSignature": []}]
