"""docker-compose.yml keeps the keyring a Docker secret and offers backups apart from it (issue 22)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DJANGO_SERVICES = ("migrate", "web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_django_service_gets_the_keyring_as_a_secret_file():
    compose = _compose()
    assert compose["secrets"]["server_keys"] == {"file": "./secrets/server_keys"}
    for name in DJANGO_SERVICES:
        assert compose["services"][name]["secrets"] == ["server_keys"], name


def test_the_keyring_is_never_an_environment_variable_in_compose():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "COFFER_SERVER_KEYS:" not in text and "COFFER_SERVER_KEYS=" not in text
    env_example = (ROOT / ".env.example").read_text()
    assert "COFFER_SERVER_KEYS_FILE=/run/secrets/server_keys" in env_example


def test_backups_of_the_database_and_the_bucket_are_separate_and_leave_the_keyring_out():
    services = _compose()["services"]
    db, bucket = services["backup-db"], services["backup-bucket"]
    assert db["profiles"] == bucket["profiles"] == ["backup"]
    assert "pg_dump" in " ".join(db["entrypoint"]) and "mc mirror" in bucket["entrypoint"]
    assert db["volumes"] != bucket["volumes"]
    for service in (db, bucket):
        assert "secrets" not in service and "env_file" not in service
