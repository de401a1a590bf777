"""Coffer's crypto core: pure Python on PyNaCl and argon2-cffi, no Django.

Every function does one thing: derive, wrap, seal, open. Every failure to open
raises `IntegrityError` and nothing else. docs/format.md specifies every byte.
"""

from .errors import IntegrityError

__all__ = ["IntegrityError"]
