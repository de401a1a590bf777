import yaml
from rest_framework.test import APIClient


def test_the_openapi_schema_is_served_and_documents_the_vault_endpoints(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in ["/api/v1/accounts/token", "/api/v1/accounts/access", "/api/v1/vault", "/api/v1/vault/setup",
                 "/api/v1/vault/unlock", "/api/v1/vault/lock", "/api/v1/vault/pin", "/api/v1/vault/recover"]:
        assert path in paths, path
    unlock = paths["/api/v1/vault/unlock"]["post"]["responses"]
    assert {"200", "423", "429"} <= set(unlock)
    assert "Error" in schema["components"]["schemas"]


def test_the_interactive_docs_page_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Inline styles for Swagger UI on this page only; scripts stay 'self' only.
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy
    assert "'unsafe-inline'" not in client.get("/accounts/login/")["Content-Security-Policy"]


def test_an_unknown_api_path_answers_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_responses_are_not_cacheable_and_carry_security_headers(client):
    assert client.get("/api/v1/vault")["Cache-Control"] == "no-store"
    response = client.get("/accounts/login/")  # allauth's never_cache says more; no-store is among it
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_healthz_answers_ok_whatever_the_host_header(client, db):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_operation_is_grouped_by_resource_and_has_a_summary(db):
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    groups = {tag["name"] for tag in schema["tags"]}
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 40
    for path, method, op in operations:
        assert op.get("summary"), f"{method.upper()} {path} has no summary (coffer/api/schema_docs.py)"
        assert op["tags"] and set(op["tags"]) <= groups, (path, op["tags"])
    assert schema["paths"]["/api/v1/vault/rotations/"]["post"]["tags"] == ["Rotations"]
    assert schema["paths"]["/api/v1/grants/"]["post"]["tags"] == ["Sharing"]
