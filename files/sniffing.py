"""What a file is, from its first bytes, against an allowlist of document types.

The sniffed type is what Coffer stores and later serves as Content-Type, so a file
can only ever be served as one of these types, whatever its uploader declared.

Two refusals: a declared type outside the allowlist is 415 `unsupported_file_type`
(known before a byte is read); bytes that are empty, hold no accepted signature, or
another accepted type than declared, are 400 `unsupported_content`. A file must hold
its type's whole signature: three bytes `%PD` are not a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UnsupportedContent, UnsupportedFileType

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"
TIFF = "image/tiff"
ALLOWED = (PDF, JPEG, PNG, WEBP, HEIC, TIFF)

# How many leading bytes decide; enough for an ftyp box with a dozen brands.
SNIFF_BYTES = 64

# Declarations that say nothing: the type is then what the bytes show.
UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ALIASES = {
    "application/x-pdf": PDF,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
    "image/heif": HEIC,
    "image/heic-sequence": HEIC,
    "image/heif-sequence": HEIC,
    "image/tif": TIFF,
    "image/x-tiff": TIFF,
}

# HEVC-coded HEIF brands. Plain "mif1" alone may hold AVIF or JPEG items: not enough.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})

_ANY = None  # a byte that may take any value (a length field)


@dataclass(frozen=True)
class Signature:
    content_type: str
    pattern: tuple[int | None, ...]

    def matches(self, head: bytes) -> bool:
        return len(head) >= len(self.pattern) and all(
            want is _ANY or want == got for want, got in zip(self.pattern, head)
        )


def _sig(content_type: str, *parts: bytes | int) -> Signature:
    pattern: list[int | None] = []
    for part in parts:
        pattern.extend([_ANY] * part if isinstance(part, int) else part)
    return Signature(content_type, tuple(pattern))


SIGNATURES = (
    _sig(PDF, b"%PDF-"),
    _sig(JPEG, b"\xff\xd8\xff"),
    _sig(PNG, b"\x89PNG\r\n\x1a\n"),
    _sig(WEBP, b"RIFF", 4, b"WEBP"),
    _sig(TIFF, b"II*\x00"),
    _sig(TIFF, b"MM\x00*"),
    _sig(TIFF, b"II+\x00"),  # BigTIFF
    _sig(TIFF, b"MM\x00+"),
    *(_sig(HEIC, 4, b"ftyp", brand) for brand in sorted(_HEIC_BRANDS)),
)


def declared_type(value: str | None) -> str | None:
    """The canonical allowed type a Content-Type names; None when it names none.

    Raises UnsupportedFileType for a type outside the allowlist.
    """
    media_type = (value or "").split(";", 1)[0].strip().lower()
    if media_type in UNDECLARED:
        return None
    media_type = _ALIASES.get(media_type, media_type)
    if media_type not in ALLOWED:
        raise UnsupportedFileType(
            f"Files of type '{media_type[:100]}' are not accepted. {_ALLOWED_TEXT}"
        )
    return media_type


def sniff(head: bytes) -> str | None:
    """The allowed type whose signature head starts with, or None."""
    if _is_heic(head):
        return HEIC
    for signature in SIGNATURES:
        if signature.content_type != HEIC and signature.matches(head):
            return signature.content_type
    return None


def check_type(head: bytes, *, declared: str | None, whole_file: bool) -> str:
    """The type to store for a file starting with `head`, or UnsupportedContent.

    `head` holds SNIFF_BYTES bytes, or the whole file when `whole_file`.
    """
    if whole_file and not head:
        raise UnsupportedContent(f"The file is empty. {_ALLOWED_TEXT}")
    found = sniff(head)
    if found is None:
        raise UnsupportedContent(f"The file's content is not of an accepted type. {_ALLOWED_TEXT}")
    if declared is not None and declared != found:
        raise UnsupportedContent(f"The file's content is {found}, not the declared {declared}.")
    return found


def _is_heic(head: bytes) -> bool:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    end = min(box_size, len(head)) if box_size >= 16 else 12
    # The major brand, then (after the 4-byte minor version) the compatible brands.
    brands = {head[8:12]} | {head[at : at + 4] for at in range(16, end - 3, 4)}
    return not brands.isdisjoint(_HEIC_BRANDS)


_ALLOWED_TEXT = "Upload a PDF, JPEG, PNG, WebP, HEIC or TIFF file."
