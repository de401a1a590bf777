"""The OpenAPI schema documents every records operation and its answers."""

from drf_spectacular.generators import SchemaGenerator


def test_every_records_operation_documents_its_status_codes(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    expected = {
        ("/api/v1/records/", "get"): {"200", "400", "401", "403", "423"},
        ("/api/v1/records/", "post"): {"201", "400", "401", "403", "413", "415", "423"},
        ("/api/v1/records/{record_id}/", "get"): {"200", "400", "401", "403", "404", "409", "423"},
        ("/api/v1/records/{record_id}/", "patch"): {
            "200", "400", "401", "403", "404", "409", "412", "413", "415", "423", "428",
        },
        ("/api/v1/records/{record_id}/", "delete"): {"204", "401", "403", "404", "412", "423", "428"},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes, (path, method)


def test_the_create_request_is_one_shape_per_kind(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["components"]["schemas"]["RecordCreateRequest"]
    assert set(create["discriminator"]["mapping"]) == {
        "id_card", "passport", "driver_licence", "bank_card", "bank_account", "note",
    }
