"""Corrections for the record page (open, and lately resolved) and the Sharing page (open), included by one line each
(templates/corrections/). Messages are opened only with an unlocked vault's keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from corrections.selectors import (
    OpenedCorrection,
    corrections_open,
    owner_open_corrections,
    record_corrections_shown,
)
from vault.api.unlocking import unlock_secret_from
from vault.services import VaultLocked, vault_keys
from web.documents import ROLE_TITLES
from web.presenting import field_label

register = template.Library()


@dataclass
class Problem:
    opened: OpenedCorrection
    about: str  # "Date of expiry", "Scan: Selfie holding it", "The whole record"


@dataclass
class GrantProblems:
    grant_id: str
    app_name: str
    problems: list[Problem] = field(default_factory=list)


def _about(opened: OpenedCorrection) -> str:
    correction = opened.correction
    if correction.field:
        return field_label(correction.record.kind, correction.field)
    if correction.scan_role:
        return f"Scan: {ROLE_TITLES.get(correction.scan_role, correction.scan_role)}"
    return "The whole record"


@register.simple_tag(takes_context=True)
def record_problems(context, record_id) -> list[Problem]:
    """The record's open corrections, then those resolved lately (so the user sees the change
    resolved them), messages opened (the record page needs an unlocked vault)."""
    request = context["request"]
    rows = record_corrections_shown(owner=request.user, record_id=record_id).select_related("record")
    keys = getattr(request, "vault_keys", None)
    return [Problem(opened=item, about=_about(item))
            for item in corrections_open(owner=request.user, corrections=rows, keys=keys)]


@register.simple_tag(takes_context=True)
def sharing_problems(context) -> list[GrantProblems]:
    """Every open correction, by grant; messages opened only while the vault is unlocked."""
    request = context["request"]
    keys = None
    if context.get("unlocked"):
        try:
            keys = vault_keys(user=request.user, unlock_secret=unlock_secret_from(request))
        except VaultLocked:
            keys = None
    rows = owner_open_corrections(owner=request.user).select_related("record")
    groups: dict[str, GrantProblems] = {}
    for item in corrections_open(owner=request.user, corrections=rows, keys=keys):
        grant = item.correction.grant
        group = groups.setdefault(str(grant.pk), GrantProblems(grant_id=str(grant.pk), app_name=grant.app.name))
        group.problems.append(Problem(opened=item, about=_about(item)))
    return list(groups.values())


@register.filter
def problem_count(groups: list[GrantProblems]) -> int:
    return sum(len(group.problems) for group in groups)
