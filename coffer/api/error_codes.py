"""Every stable error code of the API: its HTTP status and what it means.

Every error body is `{"code": ..., "detail": ...}` (plus `fields` for bad input). Clients
branch on `code`, never on `detail`, which is for people and may change. The list is
published in the API docs (`describe`), and tests/project/test_error_codes.py fails when
the source raises a code that is not here, or lists one that nothing raises.
"""

from __future__ import annotations

ERROR_CODES: dict[str, tuple[int, str]] = {
    # Requests in general
    "invalid": (400, "A field or the body is not valid; `fields` says which and why."),
    "bad_request": (400, "The request could not be read at all."),
    "parse_error": (400, "The body is not well-formed JSON (or multipart)."),
    "invalid_header": (400, "A header (Content-Length, Range, If-Match) is malformed; `header` names it."),
    "not_authenticated": (401, "No credentials: send `Authorization: Token <token>`."),
    "authentication_failed": (401, "The token or the app's signature is wrong, expired or revoked."),
    "permission_denied": (403, "You may not do that."),
    "insufficient_scope": (403, "The token lacks the scope this operation needs; `detail` names it."),
    "session_required": (403, "This operation needs a signed-in web session, not an API token."),
    "not_found": (404, "No such object, or it belongs to someone else (the two are not told apart)."),
    "method_not_allowed": (405, "This URL does not take that method."),
    "not_acceptable": (406, "The Accept header asks for a type this URL cannot answer with."),
    "payload_too_large": (413, "The body is larger than allowed; `limit` gives the bound in bytes."),
    "unsupported_media_type": (415, "The Content-Type is not one this operation reads."),
    "throttled": (429, "Too many requests; wait for the seconds in Retry-After."),
    "server_error": (500, "Something went wrong on the server; nothing was changed."),
    "integrity_error": (409, "Stored data failed its integrity check and was not returned."),
    # Accounts and tokens
    "invalid_credentials": (401, "Wrong username or password."),
    "too_many_attempts": (429, "Too many failed sign-ins; wait for the seconds in Retry-After."),
    "second_factor_required": (403, "The account has a second factor: sign in through /_allauth/ first."),
    "second_factor_failed": (403, "The second-factor code is wrong."),
    "email_unverified": (403, "Verify the account's email address first."),
    "invalid_scopes": (400, "A token scope is unknown."),
    "invalid_expiry": (400, "A token's expiry is outside what is allowed."),
    "reauthentication_failed": (403, "The password given to confirm is wrong."),
    "confirmation_mismatch": (400, "The typed confirmation (the username) does not match."),
    # The vault and its PIN
    "vault_unset": (409, "The vault has no PIN yet: set one first."),
    "vault_exists": (409, "The vault already has a PIN."),
    "vault_locked": (423, "The vault is locked: unlock it with the PIN first."),
    "vault_changed": (409, "A PIN change or a recovery finished first; read the vault again and retry."),
    "weak_pin": (400, "The new PIN is too weak; `detail` says why."),
    "pin_unchanged": (400, "The new PIN is the same as the current one."),
    "wrong_pin": (403, "Wrong PIN; `detail` says how many tries are left."),
    "pin_backoff": (429, "Too many wrong PINs: wait for the seconds in Retry-After."),
    "locked_out": (423, "Too many wrong PINs: lift the lock-out with the account password."),
    "invalid_recovery_code": (403, "The recovery code is wrong."),
    "unlock_busy": (503, "Too many unlocks at once; retry after the seconds in Retry-After."),
    # Rotations
    "invalid_kind": (400, "The rotation kind is neither `rewrap` nor `reencrypt`."),
    "rotation_running": (409, "A key rotation of this vault is running; wait for it to finish."),
    "rotation_not_resumable": (409, "Only a failed rotation can be resumed."),
    "stale_session": (409, "The unlock session predates the vault's current keys: unlock again."),
    "vault_keys_changed": (409, "The vault's keys changed while the job ran; start it again."),
    "gc_unavailable": (503, "(Admin) Blob garbage collection cannot run in this installation."),
    # Records
    "precondition_failed": (412, "The record changed since you read it: fetch it, then retry with its new ETag."),
    "precondition_required": (428, "Send the record's ETag in If-Match."),
    # Files
    "file_too_large": (413, "The file is larger than the per-file limit; `limit` gives it."),
    "quota_exceeded": (507, "The vault's storage quota would be exceeded."),
    "unsupported_file_type": (415, "Coffer keeps PDF, JPEG, PNG, WebP, HEIC and TIFF files only."),
    "unsupported_content": (415, "The file's bytes are not of the type its name and Content-Type claim."),
    "length_required": (411, "A raw upload needs a Content-Length."),
    "upload_incomplete": (400, "The upload ended before its announced length."),
    "upload_offset_mismatch": (409, "A resumable upload's segment does not start at its offset; `offset` gives it."),
    "upload_too_long": (413, "A segment runs past the resumable upload's declared size; `limit` gives it."),
    "upload_segment_invalid": (400, "A segment other than the last is not a whole number of parts; `part_size` gives one."),
    "upload_segment_changed": (409, "A part was sent again with other bytes: the file changed; start a new upload."),
    "invalid_upload": (400, "The upload is not a single file in the expected form."),
    "range_not_satisfiable": (416, "The Range lies outside the file."),
    "scan_role_not_accepted": (400, "The record's kind takes no scan of this role; `accepted` lists those it takes."),
    "scan_role_taken": (409, "The record already has its one scan of this role: replace it (PUT) or detach it."),
    "scan_role_full": (409, "The record holds as many scans of this role as it may; `limit` gives how many."),
    "storage_unavailable": (503, "The file store is unreachable; nothing was written. Retry later."),
    # Sharing
    "app_key_taken": (409, "Another app is registered with this key."),
    "app_not_approved": (403, "The app is not approved (yet) to receive grants."),
    "not_shared": (400, "The grant does not share that field or scan role of the record with the app."),
    "too_many_corrections": (409, "The grant has as many open corrections as allowed; `limit` says how many."),
    "scan_changed": (409, "A scan was replaced or removed while it was being shared; nothing was shared. Retry."),
    # Exports
    "export_running": (409, "An export of this vault is running; wait until it has finished."),
    "export_not_ready": (409, "The export is not finished yet."),
    "export_expired": (410, "The export has expired and was deleted; make a new one."),
    "weak_passphrase": (400, "The export passphrase is too weak; the answer suggests one."),
    # Imports
    "import_running": (409, "An import into this vault is running; wait until it has finished."),
    "import_not_in_preview": (409, "Only an import shown in preview can be confirmed or cancelled."),
    "import_too_large": (413, "The import source is larger than allowed."),
    "import_too_many_items": (400, "The import source holds more items than one import may create."),
    "import_unknown_format": (400, "The source is not a Coffer export, a CXF document or a Bitwarden export."),
    "import_unreadable": (409, "The stored import source can no longer be read (the server's keys changed); upload it again."),
    "import_invalid_json": (400, "The source is not valid JSON."),
    "import_files_missing": (400, "Files the source names are missing from it."),
    "import_file_mismatch": (400, "A file in the source does not match its size or SHA-256."),
    "passphrase_required": (400, "A Coffer export needs its passphrase to be imported."),
    "invalid_passphrase": (400, "The passphrase is empty or too long."),
    "export_unreadable": (400, "The export does not open: a wrong passphrase, or a damaged or cut-off file."),
    "export_invalid": (400, "The export opened but its contents do not follow Coffer's export layout."),
    "bitwarden_zip_invalid": (400, "The Bitwarden zip export cannot be read."),
    "bitwarden_zip_layout": (400, "The Bitwarden zip export does not have the documented layout."),
    "import_zip_invalid": (400, "The zip file is damaged, or holds a link or a device."),
    "cxf_zip_invalid": (400, "The CXP zip export cannot be read, or a member inflates like a zip bomb."),
}


def describe() -> str:
    """The error-code table, in Markdown, for the API docs."""
    rows = "\n".join(f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in ERROR_CODES.items())
    return (
        "## Errors\n\n"
        "Every error answer is JSON: `{\"code\": \"…\", \"detail\": \"…\"}`, with `fields` for bad input. "
        "Branch on `code`, which is stable; `detail` is for people and may change.\n\n"
        "| code | status | meaning |\n|---|---|---|\n" + rows + "\n"
    )
