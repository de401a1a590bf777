"""The OpenAPI schema documents every files operation and its answers."""

from drf_spectacular.generators import SchemaGenerator


def test_every_files_operation_documents_its_status_codes(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    expected = {
        ("/api/v1/files/", "get"): {"200", "400", "401", "403"},
        ("/api/v1/files/", "post"): {"201", "400", "401", "403", "404", "411", "413", "415", "423", "503", "507"},
        ("/api/v1/files/{file_id}/", "get"): {"200", "401", "403", "404"},
        ("/api/v1/files/{file_id}/", "delete"): {"204", "401", "403", "404", "423"},
        ("/api/v1/files/{file_id}/content", "get"): {"200", "206", "401", "403", "404", "409", "416", "423"},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes, (path, method)


def test_uploads_are_documented_as_a_form_or_a_raw_body(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    content = paths["/api/v1/files/"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/pdf", "image/jpeg", "application/octet-stream"} <= set(content)
    assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    downloads = paths["/api/v1/files/{file_id}/content"]["get"]["responses"]["206"]["content"]
    assert set(downloads) == {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic", "image/tiff"}
