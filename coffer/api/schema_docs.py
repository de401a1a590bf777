"""The API docs' grouping and one-line summaries (drf-spectacular postprocessing hook).

Operations are grouped by resource, and every operation has a summary: the test
tests/project/test_schema.py fails on an operation added without one here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from coffer.api.error_codes import describe as describe_errors
from coffer.api.schema_examples import add_examples
from coffer.middleware import CONTENT_SECURITY_POLICY

TAGS = [
    {"name": "Accounts", "description": "API tokens, where you are signed in, deleting the account. "
                                        "Sign-up and sign-in are allauth's headless API under /_allauth/."},
    {"name": "Vault", "description": "Set the PIN, unlock and lock, change the PIN, recover with the recovery code."},
    {"name": "Rotations", "description": "Rotate the vault key or re-encrypt everything, in the background."},
    {"name": "Exports", "description": "An encrypted export of the whole vault, opened with the age tool."},
    {"name": "Imports", "description": "Import a Coffer export, a CXF document or a Bitwarden export: "
                                       "a preview first, then one job that is all or nothing."},
    {"name": "Records", "description": "ID cards, passports, driver licences, bank cards and accounts, notes."},
    {"name": "Files", "description": "Scans and documents, encrypted as they stream in; Range downloads."},
    {"name": "Sharing", "description": "Grants of chosen fields to approved apps, attestations, key handles, "
                                       "and the app's own signed requests (docs/sharing.md)."},
]

# Longest first: /vault/rotations/ is Rotations, not Vault.
_TAG_BY_PREFIX = [
    ("/api/v1/vault/rotations", "Rotations"),
    ("/api/v1/accounts", "Accounts"),
    ("/api/v1/vault", "Vault"),
    ("/api/v1/exports", "Exports"),
    ("/api/v1/imports", "Imports"),
    ("/api/v1/records", "Records"),
    ("/api/v1/files", "Files"),
    ("/api/v1/uploads", "Files"),
    ("/api/v1/grants", "Sharing"),
    ("/api/v1/apps", "Sharing"),
    ("/api/v1/attestations", "Sharing"),
    ("/api/v1/key-handle", "Sharing"),
    ("/api/v1/keys", "Sharing"),
]

# The API docs point app developers and power users at the client instead of hand-rolled requests.
CLIENT_NOTE = (
    "**Clients.** `coffer-client`, the Python library and `coffer` command-line tool kept in Coffer's "
    "source under `clients/python/` (`pip install ./clients/python[cli]`; its README has a five-minute "
    "quick start for users and one for apps), signs app requests, opens and verifies grants, downloads "
    "shared scans, resumes uploads and downloads, and raises these error codes as typed exceptions."
)

SUMMARIES = {
    "v1_accounts_access_list": "List web sign-ins, unlocked sessions and API tokens",
    "v1_accounts_access_unlock_sessions_destroy": "End one unlock session",
    "v1_accounts_delete_create": "Delete the account and everything in its vault",
    "v1_accounts_token_create": "Issue an API token",
    "v1_accounts_tokens_list": "List your API tokens",
    "v1_accounts_tokens_destroy": "Revoke an API token",
    "apps_register": "Register an app (signed with the key it registers)",
    "apps_me": "The app's own registration",
    "apps_me_grants": "The app's live grants, sealed to it",
    "apps_me_grant_scan": "Download a scan shared in a grant (ciphertext, Range supported)",
    "apps_me_user_keys": "A granting user's public keys",
    "apps_me_grant_corrections_create": "Report a problem with a record of a grant",
    "apps_me_grant_corrections_list": "The app's corrections for a grant, open or resolved",
    "attestations_sign": "Sign a statement for an app with your key",
    "exports_download": "Download an export (the age file, Range supported)",
    "v1_exports_list": "List your exports",
    "v1_exports_create": "Start an encrypted export of the vault",
    "v1_exports_retrieve": "An export's progress",
    "v1_exports_passphrase_suggestion_retrieve": "A suggested export passphrase",
    "imports_list": "List your imports",
    "imports_create": "Upload an import source and preview it",
    "imports_retrieve": "An import's preview and progress",
    "imports_confirm": "Start a previewed import",
    "imports_cancel": "Cancel a previewed import",
    "files_list": "List your files",
    "files_create": "Upload a file",
    "files_retrieve": "A file's metadata",
    "files_destroy": "Delete a file",
    "files_content": "Download a file (decrypted, Range supported)",
    "uploads_create": "Start a resumable upload",
    "uploads_retrieve": "Where a resumable upload stands",
    "uploads_append": "Send a segment of a resumable upload",
    "uploads_destroy": "Cancel a resumable upload",
    "records_files_list": "List a record's files and their scan roles",
    "records_files_attach": "Upload a scan into a role of a record",
    "records_files_replace": "Replace the scan of a role of a record",
    "records_files_detach": "Take a file off a record",
    "grants_list": "List what you shared",
    "grants_create": "Share chosen fields of records with an app",
    "grants_retrieve": "One grant",
    "grants_revoke": "Revoke a grant",
    "key_handle_get": "Your key handle",
    "key_handle_rotate": "Make a new key handle",
    "key_handle_delete": "Delete your key handle",
    "keys_by_handle": "Public keys by handle (no authentication)",
    "records_list": "List your records (masked)",
    "records_create": "Add a record",
    "records_retrieve": "Read a record (masked, or revealed)",
    "records_partial_update": "Change a record (If-Match)",
    "records_destroy": "Delete a record",
    "records_corrections_list": "Problems apps reported with a record (messages opened)",
    "records_corrections_dismiss": "Dismiss a problem an app reported",
    "v1_vault_retrieve": "The vault's state",
    "v1_vault_lock_create": "Lock the vault",
    "v1_vault_pin_create": "Change the PIN",
    "v1_vault_reauthorize_create": "Lift a lock-out with the account password",
    "v1_vault_recovery_code_create": "Make a new recovery code with the PIN (the old one stops working)",
    "v1_vault_recover_create": "Set a new PIN with the recovery code",
    "v1_vault_rotations_list": "List rotations",
    "v1_vault_rotations_create": "Start a rotation or a re-encryption",
    "v1_vault_rotations_retrieve": "A rotation's progress",
    "v1_vault_rotations_resume_create": "Resume a failed rotation",
    "v1_vault_setup_create": "Set the PIN and get the recovery code",
    "v1_vault_unlock_create": "Unlock the vault with the PIN",
}


def _tag(path: str) -> str | None:
    return next((tag for prefix, tag in _TAG_BY_PREFIX if path.startswith(prefix)), None)


def group_and_summarise(result, generator, request, public):
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            tag = _tag(path)
            if tag:
                operation["tags"] = [tag]
            summary = SUMMARIES.get(operation["operationId"])
            if summary:
                operation["summary"] = summary
    result["tags"] = TAGS
    add_examples(result)
    result["info"]["description"] = "\n\n".join([result["info"].get("description", ""), CLIENT_NOTE, describe_errors()])
    return result


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI sets style attributes from its script, which `style-src 'self'` blocks
    (a console error per panel, and collapsed panels that never open). This page shows the
    schema and nothing of anyone's vault, so it alone allows inline styles; scripts stay
    'self' only, as everywhere. The page is Coffer's own (a language, a way home, readable
    contrast: tests/web/browser/test_axe.py runs axe-core on it)."""

    template_name = "web/api/docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
        return response
