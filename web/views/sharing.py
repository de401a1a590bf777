"""Sharing: the grants a person gave apps, revoking them, and sharing records with an app.

Listing and revoking need no keys (grants hold field names only); record labels are shown
only while the vault is unlocked, else record kinds. Creating a grant needs the keys.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from coffer.errors import DomainError
from files.selectors import scan_counts
from records.schemas import KINDS
from records.schemas.base import SCAN_ROLES
from records.selectors import record_list, record_open_many
from sharing.errors import NotFound
from sharing.key_handles import key_handle_delete, key_handle_get, key_handle_rotate
from sharing.presenting import present_grant
from sharing.selectors import app_list_approved, grant_get, grant_list
from sharing.services import GrantRequestItem, grant_create, grant_revoke
from vault.api.unlocking import unlock_secret_from
from vault.services import VaultLocked, vault_keys

from ..decorators import shows_lock_state, unlocked_vault_required
from ..documents import ROLE_TITLES
from ..forms import SHARE_LABEL, GrantCreateForm, add_domain_error
from ..presenting import KIND_INFO, field_label


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y, %H:%M}"


def _kind_fields(kind: str) -> list[tuple[str, str]]:
    return [(name, field_label(kind, name)) for name in KINDS[kind].serializer().fields]


def _record_names(request, keys) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Record id -> what to call it, record id -> kind, and record id -> its own label (only
    with the keys; a note without one is called by its title)."""
    records = list(record_list(owner=request.user))
    kinds = {str(record.pk): record.kind for record in records}
    names = {record_id: KIND_INFO[kind].title for record_id, kind in kinds.items()}
    labels: dict[str, str] = {}
    if keys is not None:
        for opened in record_open_many(records=records, keys=keys, request=request):
            payload, kind = opened.payload, opened.record.kind
            if payload is not None:
                labels[str(opened.record.pk)] = payload.label
                label = payload.label or (payload.data.get("title") if kind == "note" else "")
                if label:
                    names[str(opened.record.pk)] = f"{label} ({KIND_INFO[kind].title})"
    return names, kinds, labels


def _grant_rows(grants, names: dict[str, str], kinds: dict[str, str]) -> list[dict]:
    rows = []
    for grant in grants:
        shown = present_grant(grant)
        items = []
        for item in shown["items"]:
            record_id = str(item["record_id"])
            kind = kinds.get(record_id)
            items.append({
                "name": names.get(record_id, "A deleted record"),
                "fields": (["its name"] if item["label_shared"] else [])
                + [field_label(kind, name) if kind else name for name in item["fields"]]
                + [f"{ROLE_TITLES[role].lower()} scan" for role in item["scans"]],
            })
        rows.append({**shown, "items": items})
    return rows


def _scan_choices(user) -> dict[str, list[tuple[str, str]]]:
    """Record id -> a box for each scan role it holds ("Front", "Certified translations (2)")."""
    counts = {(str(record_id), role): count for (record_id, role), count in scan_counts(owner=user).items()}
    choices: dict[str, list[tuple[str, str]]] = {}
    for (record_id, role), count in sorted(counts.items(), key=lambda item: SCAN_ROLES.index(item[0][1])):
        title = ROLE_TITLES[role] + (f" ({count})" if count > 1 else "")
        choices.setdefault(record_id, []).append((role, title))
    return choices


def _create_form(request, names, kinds, labels, data=None) -> GrantCreateForm:
    """Each record's field boxes; first, when it has a label, a box to send that label too.
    A record with scans has a box for each role it holds: none is shared unless ticked."""
    records = [
        (record_id, names[record_id], kind,
         ([(SHARE_LABEL, f"Its name, “{labels[record_id]}”")] if labels.get(record_id) else []) + _kind_fields(kind))
        for record_id, kind in kinds.items()
    ]
    return GrantCreateForm(data, apps=list(app_list_approved()), records=records, scans=_scan_choices(request.user))


def _sharing_page(request, *, keys=None, form=None, status=200):
    names, kinds, labels = _record_names(request, keys)
    if keys is not None and form is None:
        form = _create_form(request, names, kinds, labels)
    context = {
        "grants": _grant_rows(grant_list(user=request.user), names, kinds),
        "key_handle": key_handle_get(user=request.user),
        "form": form,
        "unlocked": keys is not None,
        "has_records": bool(kinds),
        # A form to show: something to share and someone to share it with, or errors to show.
        "can_share": form is not None
        and (form.is_bound or (bool(kinds) and len(form.fields["app"].choices) > 1)),
    }
    return render(request, "web/sharing/index.html", context, status=status)


def _keys_if_unlocked(request):
    if request.autolock is None:
        return None
    try:
        return vault_keys(user=request.user, unlock_secret=unlock_secret_from(request))
    except VaultLocked:
        return None


@shows_lock_state
@require_GET
def sharing_view(request):
    return _sharing_page(request, keys=_keys_if_unlocked(request))


def _item_errors(form: GrantCreateForm, items, errors) -> None:
    """DRF-shaped per-item errors ({"items": [{"fields": [...], "scans": [...]}, ...]}) next to
    each record; an error of the whole list (too many scans) above the form."""
    for (record_id, _, _, _), entry in zip(items, errors):
        if not isinstance(entry, dict):
            form.add_error("records", str(entry))
            continue
        for message in entry.get("fields", []):
            form.add_error(form.fields_name(record_id), str(message))
        for message in entry.get("scans", []):
            name = form.scans_name(record_id)
            form.add_error(name if name in form.fields else "records", str(message))


@unlocked_vault_required
@require_POST
def grant_create_view(request):
    keys = request.vault_keys
    names, kinds, labels = _record_names(request, keys)
    form = _create_form(request, names, kinds, labels, request.POST)
    if not form.is_valid():
        return _sharing_page(request, keys=keys, form=form, status=400)
    items = form.items()
    expires_at = timezone.now() + timedelta(days=int(form.cleaned_data["expires_in_days"]))
    try:
        grant = grant_create(
            user=request.user,
            keys=keys,
            app_id=form.cleaned_data["app"],
            items=[GrantRequestItem(record_id=rid, fields=fields, share_label=label, scan_roles=roles)
                   for rid, fields, label, roles in items],
            expires_at=expires_at,
            request=request,
        )
    except DomainError as exc:
        field = {"app_id": "app", "items": "records"}.get(exc.field or "", None)
        add_domain_error(form, exc, field=field)
        return _sharing_page(request, keys=keys, form=form, status=exc.status)
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        _item_errors(form, items, detail.get("items", []))
        for message in detail.get("expires_at", []):
            form.add_error("expires_in_days", str(message))
        if not form.errors:
            form.add_error(None, "This could not be shared. Please check your choices.")
        return _sharing_page(request, keys=keys, form=form, status=400)
    count = len(items)
    messages.success(
        request,
        f"Shared {count} record{'s' if count != 1 else ''} with {grant.app.name} "
        f"until {_when(grant.expires_at)}.",
    )
    return redirect(reverse("sharing") + "#grants")


@shows_lock_state
@require_http_methods(["GET", "POST"])
def grant_revoke_view(request, grant_id):
    try:
        grant = grant_get(user=request.user, grant_id=grant_id)
    except NotFound:
        raise Http404 from None
    if grant.revoked_at is not None:
        raise Http404
    if request.method == "POST":
        grant_revoke(user=request.user, grant_id=grant.pk, request=request)
        messages.success(request, f"Access for {grant.app.name} revoked. It can fetch nothing more.")
        return redirect(reverse("sharing") + "#grants")
    return render(request, "web/sharing/confirm_revoke.html", {"grant": present_grant(grant)})


@shows_lock_state
@require_POST
def key_handle_view(request):
    if request.POST.get("action") == "withdraw":
        key_handle_delete(user=request.user, request=request)
        messages.success(request, "Your key handle is withdrawn: it finds nothing now.")
    else:
        try:
            key_handle_rotate(user=request.user, request=request)
        except NotFound as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Your new key handle is below. The old one no longer works.")
    return redirect(reverse("sharing") + "#key-handle")
