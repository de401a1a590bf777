"""The kinds of record and their versioned data schemas. One module per kind."""

from __future__ import annotations

from . import bank_account, bank_card, driver_licence, id_card, note, passport
from .base import Kind

KINDS: dict[str, Kind] = {
    module.KIND.name: module.KIND
    for module in (id_card, passport, driver_licence, bank_card, bank_account, note)
}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def get_kind(name: str) -> Kind:
    return KINDS[name]


__all__ = ["KINDS", "KIND_NAMES", "Kind", "get_kind"]
