"""One worked example per operation for the API docs, by operationId.

Request bodies and success answers, with the values a real vault would show.
tests/project/test_schema_examples.py checks that every operation with a JSON body or a JSON
answer has its example here, and that every example is valid against the operation's schema.
"""

from __future__ import annotations

_RECORD_ID = "6f1d2c84-3a5e-4b7f-9c21-8e0d4a6b2f13"
_FILE_ID = "0b9e7a51-2d4c-4e8a-a6f3-5c1d9e2b7a40"
_APP_ID = "3c7a9e12-54d8-4f1b-8e6a-2b9d0c4f7e85"
_GRANT_ID = "a2e4c6f8-1b3d-4f5a-9c7e-0d2f4b6a8c1e"
_JOB_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_WHEN = "2026-12-04T09:30:00Z"
_LATER = "2026-12-04T09:45:00Z"

_PASSPORT = {
    "number": "C01X00T47", "issuing_country": "DEU", "surname": "Mustermann", "given_names": "Erika",
    "nationality": "DEU", "date_of_birth": "1964-08-12", "sex": "F", "date_of_issue": "2024-03-01",
    "date_of_expiry": "2034-02-28",
}
_MASKED_PASSPORT = {**_PASSPORT, "number": "••••T47"}
_RECORD = {
    "id": _RECORD_ID, "kind": "passport", "schema_version": 1, "revision": 1, "etag": '"r1"',
    "label": "My passport", "data": _PASSPORT, "expired": False, "revealed": True,
    "created_at": _WHEN, "updated_at": _WHEN,
}
_FILE = {"id": _FILE_ID, "filename": "passport-scan.pdf", "content_type": "application/pdf", "size": 482113,
         "record": _RECORD_ID, "role": "front", "created_at": _WHEN, "integrity_error": False}
_UPLOAD = {"id": _FILE_ID, "offset": 16777216, "size": 104857600, "part_size": 8388608,
           "expires_at": "2026-12-04T21:30:00Z"}
_TOKEN = {"id": 7, "name": "Laptop backup script", "prefix": "cof_3Jq9", "scopes": ["records:read", "files:read"],
          "created_at": _WHEN, "expires_at": "2027-03-04T09:30:00Z", "last_used_at": None, "revoked_at": None}
_ROTATION = {"id": _JOB_ID, "kind": "rewrap", "state": "running", "target_version": 3, "items_total": 120,
             "items_done": 45, "bytes_total": 0, "bytes_done": 0, "progress": 0.375,
             "items": {"pending": 75, "done": 45, "failed": 0}, "errors": [], "created_at": _WHEN,
             "progressed_at": _LATER, "finished_at": None}
_GRANT = {"id": _GRANT_ID, "app": {"id": _APP_ID, "name": "Rent-a-flat"}, "state": "live",
          "items": [{"record_id": _RECORD_ID, "fields": ["surname", "given_names", "date_of_expiry"],
                     "label_shared": False, "scans": ["front"]}],
          "issued_at": _WHEN, "expires_at": "2027-01-03T09:30:00Z", "revoked_at": None}
_EXPORT = {"id": _JOB_ID, "state": "running", "filename": "coffer-export-erika-20261204.age", "items_total": 58,
           "items_done": 12, "bytes_total": 96468992, "bytes_done": 20971520, "progress": 0.217, "size": 0,
           "error": "", "download_url": None, "created_at": _WHEN, "finished_at": None, "expires_at": None}
_CORRECTION = {"id": "c4d2e6f8-0a1b-4c3d-8e5f-7a9b1c3d5e7f", "grant_id": _GRANT_ID, "record_id": _RECORD_ID,
               "field": "date_of_expiry", "scan_role": None, "state": "open", "reason": None, "created_at": _WHEN,
               "resolved_at": None}
_APP = {"id": _APP_ID, "name": "Rent-a-flat", "callback_url": "https://rent-a-flat.example/coffer/callback",
        "box_public_key": "m3Yl2A4cQ0n6o1oG1k2Zr0xVdQ1yq0vT3hJ0b8z9p2E=",
        "sign_public_key": "u1Jm0f7Yb4q6w2Zs0Qm7lK3t9Xv1c8Rj5Hn2Ge6Pd0A=", "state": "approved",
        "created_at": _WHEN, "approved_at": _LATER}
_KEYS = {"user_id": 42, "box_public_key": "Q2xE9a1uVw7b3Yp0r5s8T4m6nK2j1H0g9F8d7C6b5A4=",
         "sign_public_key": "Z0y9X8w7V6u5T4s3R2q1P0o9N8m7L6k5J4i3H2g1F0E="}
_IMPORT = {"id": _JOB_ID, "state": "preview", "format": "bitwarden_json", "records_planned": 2, "files_planned": 0,
           "left_count": 1, "files_staged": 0, "bytes_planned": 0, "bytes_staged": 0, "records_created": 0,
           "files_created": 0, "progress": 0.0, "error": None,
           "preview": {"records": [{"kind": "passport", "label": "Passport", "files": []},
                                   {"kind": "bank_card", "label": "Everyday Visa", "files": []}],
                       "files": [],
                       "left": [{"source": "item 3 'Email'", "what": "a login",
                                 "reason": "Coffer keeps documents and cards, not passwords."}]},
           "created_at": _WHEN, "started_at": None, "finished_at": None}

# operationId: {"request": body, "response": body, optional "responses": {status: body}}. An operation without a JSON body or answer
# (a 204, a download) has none.
EXAMPLES: dict[str, dict] = {
    "v1_accounts_access_list": {"response": [
        {"kind": "web", "id": "k3j2h1", "where": "203.0.113.7", "device": "Firefox 133 on Linux",
         "last_used_at": _LATER, "started_at": _WHEN, "current": True, "name": "", "scopes": []},
        {"kind": "token", "id": "7", "where": "198.51.100.20", "device": "cof_3Jq9…", "last_used_at": _LATER,
         "started_at": _WHEN, "current": False, "name": "Laptop backup script", "scopes": ["records:read"]},
    ]},
    "v1_accounts_delete_create": {
        "request": {"password": "correct horse battery staple", "confirmation": "erika", "code": "492 817"},
        "response": {"erasure_job_id": _JOB_ID, "detail": "Your account is deleted; its data is being erased."},
    },
    "v1_accounts_token_create": {
        "request": {"username": "erika", "password": "correct horse battery staple", "name": "Laptop backup script",
                    "scopes": ["records:read", "files:read"], "expires_at": "2027-03-04T09:30:00Z"},
        "response": {**_TOKEN, "token": "cof_3Jq9vR7dL2mX8pN4tB6yK1wZ5cH0sF9gE3uA"},
    },
    "v1_accounts_tokens_list": {"response": [_TOKEN]},
    "apps_register": {
        "request": {k: _APP[k] for k in ("name", "callback_url", "box_public_key", "sign_public_key")},
        "response": {**_APP, "state": "pending", "approved_at": None},
    },
    "apps_me": {"response": _APP},
    "apps_me_grants": {"response": {"count": 1, "next": None, "previous": None, "results": [
        {"id": _GRANT_ID, "user_id": 42, "issued_at": _WHEN, "expires_at": "2027-01-03T09:30:00Z",
         "sealed_grant": "g2l3bW9yZSBjaXBoZXJ0ZXh0IHRoYW4gdGhpcw=="}]}},
    "apps_me_user_keys": {"response": _KEYS},
    "apps_me_grant_corrections_create": {
        "request": {"record_id": _RECORD_ID, "field": "date_of_expiry",
                    "message": "The expiry date does not match the scan of the front."},
        "response": _CORRECTION,
    },
    "apps_me_grant_corrections_list": {"response": {"count": 1, "next": None, "previous": None, "results": [
        {**_CORRECTION, "state": "resolved", "reason": "changed", "resolved_at": _LATER}]}},
    "records_corrections_list": {"response": {"count": 1, "next": None, "previous": None, "results": [
        {**_CORRECTION, "app": {"id": _APP_ID, "name": "Rent-a-flat"},
         "message": "The expiry date does not match the scan of the front.", "integrity_error": False}]}},
    "records_corrections_dismiss": {"response": {**_CORRECTION, "state": "resolved", "reason": "dismissed",
                                                 "resolved_at": _LATER}},
    "attestations_sign": {
        "request": {"purpose": "age-over-18", "payload": {"over_18": True, "nonce": "b7e1c0"}},
        "response": {"attestation": {"version": 1, "user_id": 42, "purpose": "age-over-18", "issued_at": 1796376600,
                                     "payload": {"over_18": True, "nonce": "b7e1c0"}},
                     "signature": "3q2+7w" + "A" * 80, "public_key": _KEYS["sign_public_key"],
                     "canonical": '{"issued_at":1796376600,"payload":{"nonce":"b7e1c0","over_18":true},'
                                  '"purpose":"age-over-18","user_id":42,"version":1}'},
    },
    "v1_exports_list": {"response": [_EXPORT]},
    "v1_exports_create": {"request": {"passphrase": "lantern-orbit-meadow-quartz-violet-harbor"},
                          "response": {**_EXPORT, "items_done": 0, "bytes_done": 0, "progress": 0.0}},
    "v1_exports_retrieve": {"response": {**_EXPORT, "state": "done", "items_done": 58, "bytes_done": 96468992,
                                         "progress": 1.0, "size": 48302377,
                                         "download_url": f"/api/v1/exports/{_JOB_ID}/download",
                                         "finished_at": _LATER, "expires_at": "2026-12-05T09:45:00Z"}},
    "v1_exports_passphrase_suggestion_retrieve": {"response": {"passphrase": "lantern-orbit-meadow-quartz-violet-harbor"}},
    "files_list": {"response": {"count": 1, "next": None, "previous": None, "results": [_FILE]}},
    "files_create": {"response": _FILE},
    "files_retrieve": {"response": _FILE},
    "uploads_create": {"request": {"size": 104857600, "filename": "passport.pdf", "content_type": "application/pdf"},
                       "response": {**_UPLOAD, "offset": 0}},
    "uploads_retrieve": {"response": _UPLOAD},
    "uploads_append": {"response": _UPLOAD, "responses": {"201": {**_FILE, "record": None, "role": None}}},
    "records_files_list": {"response": {"count": 1, "next": None, "previous": None, "results": [_FILE]}},
    "records_files_attach": {"response": _FILE},
    "records_files_replace": {"response": _FILE},
    "grants_list": {"response": {"count": 1, "next": None, "previous": None, "results": [_GRANT]}},
    "grants_create": {
        "request": {"app_id": _APP_ID, "items": [{"record_id": _RECORD_ID,
                                                  "fields": ["surname", "given_names", "date_of_expiry"],
                                                  "scans": ["front"]}],
                    "expires_at": "2027-01-03T09:30:00Z"},
        "response": _GRANT,
    },
    "grants_retrieve": {"response": _GRANT},
    "imports_list": {"response": [_IMPORT]},
    "imports_create": {"response": _IMPORT},
    "imports_retrieve": {"response": _IMPORT},
    "imports_confirm": {"response": {**_IMPORT, "state": "running", "started_at": _LATER}},
    "key_handle_get": {"response": {"handle": "erika-7f3k9q2m", "created_at": _WHEN}},
    "key_handle_rotate": {"response": {"handle": "erika-p4w8z1x6", "created_at": _LATER}},
    "keys_by_handle": {"response": _KEYS},
    "records_list": {"response": {"count": 1, "next": None, "previous": None, "results": [
        {**_RECORD, "data": _MASKED_PASSPORT, "revealed": False, "integrity_error": False}]}},
    "records_create": {"request": {"kind": "passport", "label": "My passport", "data": _PASSPORT},
                       "response": _RECORD},
    "records_retrieve": {"response": _RECORD},
    "records_partial_update": {
        "request": {"label": "Passport (renewed)", "data": {"date_of_issue": "2026-11-20", "date_of_expiry": "2036-11-19"}},
        "response": {**_RECORD, "label": "Passport (renewed)", "revision": 2, "etag": '"r2"', "updated_at": _LATER,
                     "data": {**_PASSPORT, "date_of_issue": "2026-11-20", "date_of_expiry": "2036-11-19"}},
    },
    "v1_vault_retrieve": {"response": {
        "state": "unlocked", "kdf": {"algorithm": "argon2id", "memory_kib": 262144, "iterations": 3, "parallelism": 1},
        "key_version": 2, "server_key_version": 1, "failed_attempts": 0, "attempts_remaining": 5,
        "retry_after": None, "idle_expires_at": _LATER, "expires_at": "2026-12-04T17:30:00Z",
        "last_unlock_at": _WHEN, "recovery_issued_at": "2026-11-02T18:04:11Z"}},
    "v1_vault_pin_create": {"request": {"pin": "482915", "new_pin": "730194"}},
    "v1_vault_reauthorize_create": {"request": {"password": "correct horse battery staple"}},
    "v1_vault_recover_create": {"request": {"recovery_code": "K7QF-2M9X-PL4R-8W3N-TD6V-J5HC", "new_pin": "730194"},
                                "response": {"recovery_code": "R3DW-9KX2-M7QP-4TN8-VL6F-H2JC"}},
    "v1_vault_recovery_code_create": {"request": {"pin": "482915"},
                                      "response": {"recovery_code": "W8TN-3QXK-J6RM-2PLV-F9DC-H4BZ"}},
    "v1_vault_rotations_list": {"response": [_ROTATION]},
    "v1_vault_rotations_create": {"request": {"kind": "rewrap"},
                                  "response": {**_ROTATION, "items_done": 0, "progress": 0.0,
                                               "items": {"pending": 120, "done": 0, "failed": 0}}},
    "v1_vault_rotations_retrieve": {"response": _ROTATION},
    "v1_vault_rotations_resume_create": {"response": _ROTATION},
    "v1_vault_setup_create": {"request": {"pin": "482915"},
                              "response": {"state": "locked", "recovery_code": "K7QF-2M9X-PL4R-8W3N-TD6V-J5HC"}},
    "v1_vault_unlock_create": {"request": {"pin": "482915"},
                               "response": {"unlock_secret": "uS_4e9Rk2Lw7Xq1Zp8Vn3Jc6Hb0Ty5Md",
                                            "idle_expires_at": _LATER, "expires_at": "2026-12-04T17:30:00Z"}},
}


def add_examples(result: dict) -> None:
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            example = EXAMPLES.get(operation.get("operationId"), {})
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "request" in example:
                body["example"] = example["request"]
            for status, answer in operation.get("responses", {}).items():
                json_answer = answer.get("content", {}).get("application/json")
                if status.startswith("2") and json_answer is not None and "response" in example:
                    # "responses" gives an example per status, where one operation answers two shapes.
                    json_answer["example"] = example.get("responses", {}).get(status, example["response"])
