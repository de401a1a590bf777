"""Reads for the admin: per-user vault metadata as SQL annotations, one query per page.

Only metadata columns are named here; no annotation touches a salt, a wrapped
key, a ciphertext or a token hash.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import (
    BigIntegerField, Case, CharField, Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce, Now

from .models import Vault, VaultKey

UNSET, LOCKED, BACKOFF, LOCKED_OUT = "unset", "locked", "backoff", "locked_out"

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


def _vault_state(prefix: str) -> Case:
    return Case(
        When(**{f"{prefix}id__isnull": True}, then=Value(UNSET)),
        When(**{f"{prefix}locked_out_at__isnull": False}, then=Value(LOCKED_OUT)),
        When(**{f"{prefix}backoff_until__gt": Now()}, then=Value(BACKOFF)),
        default=Value(LOCKED),
        output_field=CharField(),
    )


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
        vault_state=_vault_state("vault__"),
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
        .annotate(vault_state=_vault_state(""), **_vault_key_stats("pk"), **_usage("user_id"))
    )


def vault_key_versions(*, vault_id: int) -> list[tuple[int, object]]:
    """(version, created_at) of each vault key, oldest first."""
    return list(VaultKey.objects.filter(vault_id=vault_id).order_by("version").values_list("version", "created_at"))


def owned_model_names() -> list[str]:
    return [model._meta.model_name for model in owned_models()]
