"""What a failed log-in keeps of the name that was typed: a keyed hash, never the text.

People type passwords into the username field. An HMAC-SHA256 keyed from
SECRET_KEY (Django's salted_hmac, with a salt of its own) still lets an admin see
that fifty failures share one name, and check a name they suspect, without the
log ever holding what was typed. Names are casefolded first, as accounts are
unique without regard to case. A new SECRET_KEY starts new hashes.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac

SALT = "coffer/audit/typed-username/v1"


def typed_username_hash(username: str) -> str:
    return salted_hmac(SALT, str(username).casefold(), algorithm="sha256").hexdigest()
