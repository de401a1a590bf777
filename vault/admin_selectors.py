"""Reads for the admin: per-user vault metadata as SQL annotations, one query per page.

Only metadata columns are named here; no annotation touches a salt, a wrapped
key, a ciphertext or a token hash.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import (
    BigIntegerField, Case, CharField, Count, Exists, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum, Value,
    When,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from .models import Vault, VaultKey

UNSET, LOCKED, UNLOCKED, BACKOFF, LOCKED_OUT = "unset", "locked", "unlocked", "backoff", "locked_out"

# How stale an unlock session's last_used_at may be (it moves at most once a minute).
_LAST_USED_SLACK = timedelta(minutes=1)

# What a changelist may load of a vault row.
VAULT_METADATA_FIELDS = (
    "id", "user_id", "created_at", "kdf_params", "server_key_version", "recovery_issued_at",
    "failed_attempts", "backoff_until", "locked_out_at", "last_unlock_at", "pin_changed_at",
)


def owned_models() -> list:
    """Models with an `owner` and a `ciphertext_size`: records and files, when installed."""
    found = []
    for label in ("records.Record", "files.File"):
        app_label = label.split(".")[0]
        if apps.is_installed(app_label):
            found.append(apps.get_model(label))
    return found


def _vault_state(prefix: str, user_ref: str) -> Case:
    """Unlocked: an unlock session of the current epoch was used within the idle TTL and is
    younger than the absolute TTL (the access app's registry; the keys are only in the cache)."""
    whens = [
        When(**{f"{prefix}id__isnull": True}, then=Value(UNSET)),
        When(**{f"{prefix}locked_out_at__isnull": False}, then=Value(LOCKED_OUT)),
    ]
    if apps.is_installed("access"):
        now = timezone.now()
        sessions = apps.get_model("access", "UnlockSessionRecord").objects.filter(
            user_id=OuterRef(user_ref), epoch=OuterRef(f"{prefix}unlock_epoch"),
            last_used_at__gte=now - settings.COFFER_UNLOCK_IDLE_TTL - _LAST_USED_SLACK,
            opened_at__gte=now - settings.COFFER_UNLOCK_ABSOLUTE_TTL,
        )
        whens.append(When(Exists(sessions), then=Value(UNLOCKED)))
    whens.append(When(**{f"{prefix}backoff_until__gt": Now()}, then=Value(BACKOFF)))
    return Case(*whens, default=Value(LOCKED), output_field=CharField())


def _vault_key_stats(vault_ref: str) -> dict:
    keys = VaultKey.objects.filter(vault_id=OuterRef(vault_ref)).order_by().values("vault_id")
    return {
        "vault_key_version": Subquery(keys.annotate(v=Max("version")).values("v")[:1], output_field=IntegerField()),
        "vault_key_count": Coalesce(
            Subquery(keys.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), Value(0)
        ),
    }


def _usage(user_ref: str) -> dict:
    annotations: dict = {}
    stored = []
    for model in owned_models():
        name = model._meta.model_name
        count = _owned(model, "n", Count("pk"), user_ref, IntegerField())
        size = _owned(model, "b", Sum("ciphertext_size"), user_ref, BigIntegerField())
        annotations[f"{name}_count"] = count
        stored.append(size)
    total = Value(0, output_field=BigIntegerField())
    for size in stored:
        total = total + size
    annotations["stored_bytes"] = total
    return annotations


def _owned(model, alias: str, aggregate, user_ref: str, output_field):
    rows = (
        model.objects.filter(owner_id=OuterRef(user_ref)).order_by().values("owner_id")
        .annotate(**{alias: aggregate}).values(alias)[:1]
    )
    return Coalesce(Subquery(rows, output_field=output_field), Value(0), output_field=output_field)


def users_with_vault_metadata(users: QuerySet) -> QuerySet:
    """Users annotated with vault state, KDF, key versions, item counts, stored bytes, last unlock."""
    return users.annotate(
        vault_state=_vault_state("vault__", "pk"),
        vault_pk=F("vault__id"),
        vault_kdf=F("vault__kdf_params"),
        vault_server_key_version=F("vault__server_key_version"),
        vault_last_unlock_at=F("vault__last_unlock_at"),
        vault_failed_attempts=Coalesce("vault__failed_attempts", Value(0)),
        **_vault_key_stats("vault__id"),
        **_usage("pk"),
    )


def vaults_with_metadata(vaults: QuerySet[Vault]) -> QuerySet[Vault]:
    """Vaults loading metadata columns only, annotated like users_with_vault_metadata."""
    return (
        vaults.only(*VAULT_METADATA_FIELDS, "user__username")
        .select_related("user")
        .annotate(vault_state=_vault_state("", "user_id"), **_vault_key_stats("pk"), **_usage("user_id"))
    )


def vault_key_versions(*, vault_id: int) -> list[tuple[int, object]]:
    """(version, created_at) of each vault key, oldest first."""
    return list(VaultKey.objects.filter(vault_id=vault_id).order_by("version").values_list("version", "created_at"))


def owned_model_names() -> list[str]:
    return [model._meta.model_name for model in owned_models()]
