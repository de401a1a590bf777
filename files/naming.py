"""Original filenames: what an upload may call a file, and how apps send the name.

The name is only ever shown back to its owner (decrypted) and put in a
Content-Disposition header, so it is kept close to what was sent: only the parts
that could mislead a client saving it are removed (directories, control characters).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

from .errors import InvalidUpload

MAX_FILENAME_CHARS = 255


def _invalid(detail: str) -> InvalidUpload:
    return InvalidUpload(detail, field="filename")


def clean_filename(name: str | None) -> str:
    """The name to store, or InvalidUpload naming the field `filename`."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    if name in {"", ".", ".."}:
        raise _invalid("Give the file a name.")
    if len(name) > MAX_FILENAME_CHARS:
        raise _invalid(f"A filename may hold at most {MAX_FILENAME_CHARS} characters.")
    return name


def filename_from_header(value: str | None) -> str:
    """X-Filename carries the name percent-encoded as UTF-8 (RFC 3986), since
    HTTP header values are not UTF-8. Plain ASCII names need no encoding."""
    if value is None:
        raise _invalid("Send the file's name in the X-Filename header.")
    try:
        # Header values reach WSGI as Latin-1; anything beyond ASCII was not encoded.
        value.encode("ascii")
        decoded = unquote(value, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise _invalid("Percent-encode the X-Filename header as UTF-8.") from None
    return clean_filename(decoded)


def attachment_disposition(filename: str) -> str:
    """Content-Disposition for a download (RFC 6266): a quoted ASCII `filename`
    that every client understands, and, when that had to differ from the real
    name, the exact name in `filename*` (RFC 8187), which clients prefer."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # Quotes and backslashes are escaped inconsistently by clients, and some
    # percent-decode `filename`: keep all three out of the fallback.
    fallback = "".join("_" if char in '"\\%' or not char.isprintable() else char for char in ascii_name).strip()
    header = f'attachment; filename="{fallback or "download"}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
