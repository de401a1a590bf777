"""Forms whose POST must act once: reloading the page after it (or a double click) must
not do it again. The form carries a random `once` value from the page that showed it; the
first POST with that value acts, and any later one is told it already happened. Only the
value's use is remembered (in the cache, a day), never what the POST made: a token made
by the first POST is never kept to be shown again."""

from __future__ import annotations

import secrets

from django import forms
from django.core.cache import cache

ONCE_TTL_SECONDS = 24 * 3600


class OnceField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            widget=forms.HiddenInput, min_length=16, max_length=64, initial=lambda: secrets.token_urlsafe(16),
            error_messages={"required": "This form is out of date. Reload the page and try again."}, **kwargs,
        )


def submission_first(*, user_id: int, form_name: str, once: str) -> bool:
    """True the first time this user posts this form with this value, False afterwards."""
    return cache.add(f"web:once:{form_name}:{user_id}:{once}", 1, timeout=ONCE_TTL_SECONDS)


def submission_forget(*, user_id: int, form_name: str, once: str) -> None:
    """The POST was refused after all: the same form may be sent again."""
    cache.delete(f"web:once:{form_name}:{user_id}:{once}")
