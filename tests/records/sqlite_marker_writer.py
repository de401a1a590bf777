"""Run in a subprocess by test_markers: writes marked records through the API into
a fresh SQLite database (the `make run` default), then prints the record ids.

    DJANGO_SETTINGS_MODULE=coffer.settings.dev DATABASE_URL=sqlite:////tmp/x.sqlite3 \
        python tests/records/sqlite_marker_writer.py <marked-records.json>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main(spec_path: str) -> None:
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from accounts.scopes import ALL_SCOPES
    from accounts.services import token_create

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user(username="marker", email="m@example.com", password="x" * 20)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='m', scopes=list(ALL_SCOPES)).token}")
    assert client.post("/api/v1/vault/setup", {"pin": "482915"}, format="json").status_code == 201
    unlock_secret = client.post("/api/v1/vault/unlock", {"pin": "482915"}, format="json").json()["unlock_secret"]
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_X_VAULT_UNLOCK=unlock_secret
    )

    ids = []
    for kind, label, data in json.loads(Path(spec_path).read_text()):
        response = client.post("/api/v1/records/", {"kind": kind, "label": label, "data": data}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        # Exercise the update and reveal paths too: they write ciphertext and audit rows.
        response = client.patch(
            f"/api/v1/records/{ids[-1]}/", {"label": label}, format="json", HTTP_IF_MATCH=response["ETag"]
        )
        assert response.status_code == 200, response.content
        assert client.get(f"/api/v1/records/{ids[-1]}/?reveal=true").json()["label"] == label
    print(json.dumps(ids))


if __name__ == "__main__":
    main(sys.argv[1])
