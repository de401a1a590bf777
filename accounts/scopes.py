"""Token scopes. A browser session holds every scope; a token only those it was given."""

RECORDS_READ = "records:read"
RECORDS_WRITE = "records:write"
FILES_READ = "files:read"
FILES_WRITE = "files:write"
VAULT_MANAGE = "vault:manage"

ALL_SCOPES = (RECORDS_READ, RECORDS_WRITE, FILES_READ, FILES_WRITE, VAULT_MANAGE)
