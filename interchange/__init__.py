"""Other formats in and out of Coffer: CXF (FIDO Credential Exchange Format) and
Bitwarden's JSON export. Pure functions over JSON documents: no database, no keys.

Readers turn a foreign document into a `plan.ImportPlan` (records and files to
create, and what Coffer cannot hold, each with a reason). The imports app checks
every planned record against its kind's schema before anything is written.
"""
