"""What a rotation will cover and roughly how long it takes, before the owner starts it.

The rates are the ones `make bench` measured on a 2-core machine (docs/performance.md,
"Rotation"): a rewrap re-wraps keys only, a re-encryption reads and writes every byte.
A real server may be faster or slower; the page says "about".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Sum

from vault.admin_selectors import owned_models

RATES = {  # items per second, bytes per second
    "rewrap": (169, 6.7 * 1024 * 1024),
    "reencrypt": (113, 4.5 * 1024 * 1024),
}


@dataclass(frozen=True)
class RotationEstimate:
    records: int
    files: int
    stored_bytes: int
    seconds: int

    @property
    def duration_text(self) -> str:
        if self.seconds < 60:
            return "under a minute"
        minutes = math.ceil(self.seconds / 60)
        return f"about {minutes} minutes" if minutes < 120 else f"about {math.ceil(minutes / 60)} hours"


def rotation_estimate(*, user, kind: str) -> RotationEstimate:
    counts, stored = {}, 0
    for model in owned_models():
        totals = model.objects.filter(owner=user).aggregate(n=Count("pk"), b=Sum("ciphertext_size"))
        counts[model._meta.model_name] = totals["n"]
        stored += totals["b"] or 0
    records, files = counts.get("record", 0), counts.get("file", 0)
    items_per_second, bytes_per_second = RATES[kind]
    # A rewrap never reads file contents; a re-encryption is bound by bytes or by items.
    seconds = (records + files) / items_per_second
    if kind == "reencrypt":
        seconds = max(seconds, stored / bytes_per_second)
    return RotationEstimate(records=records, files=files, stored_bytes=stored, seconds=math.ceil(seconds))
