"""Shared by the rotation tests that move files on the S3 server."""

import pytest
from django.test import override_settings


@pytest.fixture
def s3_settings(s3_server):
    bucket = s3_server.create_bucket()
    with override_settings(
        COFFER_STORAGE="s3", COFFER_S3_ENDPOINT_URL=s3_server.endpoint_url, COFFER_S3_BUCKET=bucket,
        COFFER_S3_ACCESS_KEY=s3_server.access_key, COFFER_S3_SECRET_KEY=s3_server.secret_key,
        COFFER_S3_REGION=s3_server.region, COFFER_S3_PART_SIZE=5 * 1024 * 1024,
    ):
        yield
