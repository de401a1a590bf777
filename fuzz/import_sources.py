"""Import sources, read as imports.readers reads them after upload.

Untrusted input: a whole uploaded file. The first byte picks how the rest is read: as
a JSON document (CXF or Bitwarden, told apart as at upload), as a .zip (Bitwarden's or
a CXP container, told apart as at upload), or as the tar inside a Coffer export (the age layer has its own tests). The only exception
allowed is ImportRefused (a stable code, a 4xx status); whatever plans, plans valid
records only, and its plan survives the JSON it is previewed in.
"""

from __future__ import annotations

import io
import json

from fuzz import harness

harness.django_setup()

from imports.errors import ImportRefused  # noqa: E402
from imports.readers import ZIP, OpenedSource, open_source, ExportReader  # noqa: E402
from records.schemas import KINDS  # noqa: E402


def _read(mode: int, body: bytes) -> OpenedSource:
    if mode == 0:
        return open_source("json", passphrase="", plaintext=[body])
    if mode == 1:
        return open_source(ZIP, passphrase="", seekable=io.BytesIO(body))
    return OpenedSource(ExportReader([body]).plan)


def one_input(data: bytes) -> None:
    if not data:
        return
    try:
        opened = _read(data[0] % 3, data[1:])
    except ImportRefused as refusal:
        assert refusal.code and 400 <= refusal.status < 500, refusal.code
        return
    for record in opened.plan.records:
        assert KINDS[record.kind].validate(record.data) == record.data, "a planned record is not canonical"
    json.dumps(opened.plan.to_json())


if __name__ == "__main__":
    harness.main(one_input, instrument=(*harness.DEFAULT_INSTRUMENTED, "interchange", "imports.readers",
                                        "zipfile", "tarfile"))
