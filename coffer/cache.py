"""The cache's serializer: JSON, never pickle (docs/format.md, "Unlock sessions").

Django's Redis cache pickles every value but integers, and unpickling what a shared
Redis hands back runs whatever code it names. Coffer's cache values are all plain JSON:
counters, flags, rate-limit histories and unlock-session entries. Integers stay Redis
integers, so INCR keeps working. A value that is not JSON (an entry written before this
serializer, or anything planted in Redis) reads as a miss: an unlock session from before
is simply locked, and the user unlocks again.
"""

from __future__ import annotations

import json


class JSONSerializer:
    def dumps(self, obj) -> bytes | int:
        if type(obj) is int:  # a bool is JSON, an int is a Redis integer
            return obj
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode()

    def loads(self, data: bytes):
        try:
            return int(data)
        except ValueError:
            pass
        try:
            text = data.decode("utf-8")  # UTF-8 only: no UTF-16 or UTF-32, which json.loads would guess
            return None if text.startswith("\ufeff") else json.loads(text)
        except ValueError:  # UnicodeDecodeError is a ValueError too
            return None
