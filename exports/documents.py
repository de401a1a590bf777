"""The JSON members of an export archive, written as streams (docs/export.md).

records.json and cxf.json are produced one record at a time, so memory does not grow
with the vault; the archive writer runs each producer twice (once to learn the size
that the tar header needs, once to write) and refuses a second run that differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

FORMAT = "coffer-export"
VERSION = 1
ROOT = "coffer-export"

_HOLE = "\u0000coffer-hole\u0000"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=False, allow_nan=False)


def json_with_lists(skeleton: dict[str, Any], lists: dict[str, Callable[[], Iterable[Any]]]) -> Iterator[bytes]:
    """`skeleton` as JSON, with each key of `lists` (a top-level key, or a path of keys
    joined by '/') filled by its iterable, one element written at a time."""
    holes: list[tuple[str, Callable[[], Iterable[Any]]]] = []
    document = json.loads(json.dumps(skeleton))
    for path, produce in lists.items():
        *parents, last = path.split("/")
        target = document
        for key in parents:
            target = target[key][0] if isinstance(target[key], list) else target[key]
        marker = f"{_HOLE}{len(holes)}"
        target[last] = marker
        holes.append((marker, produce))
    text = _dumps(document)
    for marker, produce in holes:
        before, _, text = text.partition(_dumps(marker))
        yield before.encode("utf-8")
        yield b"["
        for index, element in enumerate(produce()):
            yield ((", " if index else "") + _dumps(element)).encode("utf-8")
        yield b"]"
    yield text.encode("utf-8") + b"\n"


def records_json(*, username: str, exported_at: datetime, records: Callable[[], Iterable[dict]],
                 unattached: Callable[[], Iterable[dict]]) -> Iterator[bytes]:
    skeleton = {"format": FORMAT, "version": VERSION, "exported_at": rfc3339(exported_at), "username": username,
                "records": [], "files": []}
    return json_with_lists(skeleton, {"records": records, "files": unattached})


def cxf_json(*, username: str, exported_at: datetime, records: Callable[[], Iterable[dict]],
             unattached: Callable[[], Iterable[dict]]) -> Iterator[bytes] | None:
    """The same records as a CXF 1.0 document (interchange.cxf), or None without that module."""
    try:
        from interchange.cxf import cxf_from_export
    except ImportError:
        return None
    head = {"username": username, "exported_at": rfc3339(exported_at)}
    skeleton = cxf_from_export({**head, "records": [], "files": []})

    def items() -> Iterator[dict]:
        for record in records():
            yield from cxf_from_export({**head, "records": [record], "files": []})["accounts"][0]["items"]
        for file in unattached():
            yield from cxf_from_export({**head, "records": [], "files": [file]})["accounts"][0]["items"]

    return json_with_lists(skeleton, {"accounts/items": items})


# ---- records.schema.json ----


@cache
def records_schema() -> bytes:
    """JSON Schema (draft 2020-12) of records.json, the fields of each kind taken from
    the API's own schema of records/schemas (drf-spectacular)."""
    from drf_spectacular.generators import SchemaGenerator

    from records.schemas import KINDS
    from records.schemas.base import SCAN_ROLES

    components = SchemaGenerator().get_schema(public=True)["components"]["schemas"]
    defs: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for name, kind in KINDS.items():
        component = f"{kind.serializer.__name__}Request"
        kinds[name] = component
        _collect(components, component, defs)
    if "brand" not in defs[kinds["bank_card"]]["properties"]:
        defs[kinds["bank_card"]]["properties"]["brand"] = {
            "type": "string", "readOnly": True, "description": "Derived from the number; not part of the input.",
        }
    defs["file"] = {
        "type": "object",
        "required": ["id", "name", "path", "size", "sha256", "content_type", "created_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "description": "The original file name."},
            "path": {"type": "string", "pattern": "^files/[^/]+/[^/]+$",
                     "description": "Where the file is in the archive, under coffer-export/."},
            "size": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "content_type": {"type": "string"},
            "role": {"enum": [*SCAN_ROLES, None],
                     "description": "The scan's role on its record (front, back, selfie, translation, other), or null."},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
    defs["record"] = {
        "type": "object",
        "required": ["id", "kind", "label", "schema_version", "created_at", "updated_at", "fields", "files"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "kind": {"enum": sorted(kinds)},
            "label": {"type": "string"},
            "schema_version": {"type": "integer", "minimum": 1},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "fields": {"type": "object"},
            "files": {"type": "array", "items": {"$ref": "#/$defs/file"}},
        },
        "allOf": [
            {"if": {"properties": {"kind": {"const": name}}},
             "then": {"properties": {"fields": {"$ref": f"#/$defs/{component}"},
                                     "schema_version": {"const": KINDS[name].schema_version}}}}
            for name, component in sorted(kinds.items())
        ],
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Coffer export: records.json, version 1",
        "type": "object",
        "required": ["format", "version", "exported_at", "username", "records", "files"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "exported_at": {"type": "string", "format": "date-time"},
            "username": {"type": "string"},
            "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
            "files": {"type": "array", "items": {"$ref": "#/$defs/file"},
                      "description": "Files attached to no record."},
        },
        "$defs": dict(sorted(defs.items())),
    }
    return (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _collect(components: dict[str, Any], name: str, defs: dict[str, Any]) -> None:
    if name in defs:
        return
    defs[name] = converted = _to_json_schema(components[name])
    for ref in _refs(converted):
        _collect(components, ref, defs)


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema 2020-12: `$ref`s into $defs, `nullable` as a null type."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _to_json_schema(value) for key, value in node.items() if key != "nullable"}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# ---- README.txt ----


def readme(*, username: str, exported_at: datetime) -> bytes:
    return f"""Your Coffer export
==================

This archive holds everything that was in the Coffer vault of {username} on
{rfc3339(exported_at)}: every record and every file, in plain, open formats.
It came inside an encrypted file (coffer-export-...age) that only your export
passphrase opens. Once you have unpacked it, these files are NOT encrypted:
keep them somewhere safe, or delete them when you are done.

How it was opened
-----------------
The .age file is an ordinary age file (https://age-encryption.org), made with a
passphrase. Any age program opens it, for example:

    age -d -o coffer-export.tar coffer-export-{username}-YYYYMMDD.age
    tar -xf coffer-export.tar

(rage, another age program, reads the same format.) A wrong passphrase is
refused; a damaged or cut-off file stops age with an error: delete what it
wrote and download the export again.

What is inside
--------------
coffer-export/README.txt           this text.
coffer-export/records.json         every record: its kind (id_card, passport,
                                   driver_licence, bank_card, bank_account, note),
                                   your label for it, every field with its full
                                   value, its dates, and the files attached to it.
                                   Files attached to no record are listed at the end.
coffer-export/records.schema.json  a JSON Schema (draft 2020-12) that describes
                                   records.json exactly, field by field.
coffer-export/cxf.json             the same records in the FIDO Alliance Credential
                                   Exchange Format (CXF 1.0), which other password
                                   managers can import.
coffer-export/files/               every file, in a folder named after its record
                                   (or "Unattached"), under its original name. A
                                   name that could not be used as it was is made
                                   safe; two files of the same name get " (2)".
                                   records.json gives each file's place in "path",
                                   its size and its SHA-256 checksum.

Dates are in UTC (RFC 3339). Checksums are SHA-256, in hexadecimal: on most
systems `sha256sum <file>` prints the same value.
""".encode("utf-8")
