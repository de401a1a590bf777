"""Running a kind's schema directly, without HTTP, for the many validation cases."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from records.schemas import KINDS


def clean(kind: str, data) -> dict:
    return KINDS[kind].validate(data)


def field_errors(kind: str, data) -> dict:
    """The per-field messages for invalid data, as the API would nest them under `data`."""
    try:
        KINDS[kind].validate(data)
    except ValidationError as exc:
        return {key: [str(m) for m in value] if isinstance(value, list) else value
                for key, value in exc.detail["data"].items()}
    raise AssertionError("the data was accepted")
