"""Records: add one of any kind, read it masked, reveal a secret field, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from coffer.errors import DomainError
from records import selectors, services
from records.errors import PreconditionFailed, RecordNotFound
from web.views.reminders import reminder_switch
from records.presenting import masked_data
from records.schemas import KINDS
from records.selectors import OpenedRecord
from vault.crypto.errors import IntegrityError

from ..decorators import unlocked_vault_required
from ..documents import documents_of_record, scan_slots
from ..presenting import (
    KIND_INFO, display_value, record_fields, record_row, secret_fields, secrets_hidden_when_editing,
)
from ..record_forms import RecordForm


def _kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


def _damaged(request, record_id):
    return render(request, "web/records/damaged.html", {"record_id": record_id}, status=409)


def _open(request, record_id, *, reveal: bool = False) -> OpenedRecord:
    """The owner's record, decrypted; a foreign or unknown id is a 404. Reveals are audited."""
    lookup = services.record_reveal if reveal else selectors.record_read
    try:
        return lookup(
            owner=request.user, keys=request.vault_keys, record_id=record_id, request=request
        )
    except RecordNotFound:
        raise Http404 from None


@unlocked_vault_required
@require_GET
def choose_kind_view(request):
    return render(request, "web/records/choose_kind.html", {"kinds": KIND_INFO.values()})


@sensitive_post_parameters()
@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def create_view(request, kind: str):
    kind = _kind_or_404(kind)
    form = RecordForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.record_create(
                owner=request.user,
                keys=request.vault_keys,
                kind=kind,
                label=form.cleaned_data["label"],
                data=form.record_data(),
                request=request,
            )
        except ValidationError as exc:
            form.add_schema_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"{KIND_INFO[kind].title} saved.")
            return redirect("record-detail", record_id=opened.record.pk)
    context = {"form": form, "kind": KIND_INFO[kind], "editing": False}
    return render(request, "web/records/form.html", context, status=400 if form.errors else 200)


def _detail(request, opened: OpenedRecord, *, reveal_only: str | None = None):
    documents = documents_of_record(
        owner=request.user, keys=request.vault_keys, record_id=opened.record.pk, request=request
    )
    context = {
        "record": record_row(opened),
        "opened": opened.record,
        "fields": record_fields(opened, reveal_only=reveal_only),
        "documents": [doc for doc in documents if not doc.role],
        "scan_slots": scan_slots(record=opened.record, documents=documents),
        "reminder": reminder_switch(request, opened),
    }
    return render(request, "web/records/detail.html", context)


@unlocked_vault_required
@require_GET
def detail_view(request, record_id):
    try:
        opened = _open(request, record_id)
    except IntegrityError:
        return _damaged(request, record_id)
    return _detail(request, opened)


@unlocked_vault_required
@require_POST
def reveal_view(request, record_id):
    """Shows one secret field unmasked. POST only, so no value is ever in a URL or a
    browser's history; every reveal is audited (record.reveal)."""
    try:
        record = selectors.record_get(owner=request.user, record_id=record_id)
    except RecordNotFound:
        raise Http404 from None
    name = request.POST.get("field", "")
    if name not in secret_fields(record.kind):
        return JsonResponse({"detail": "That field cannot be revealed."}, status=400)
    try:
        opened = _open(request, record_id, reveal=True)
    except IntegrityError:
        return _damaged(request, record_id)
    if name not in opened.payload.data:
        return JsonResponse({"detail": "That field is empty."}, status=400)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {"field": name, "value": display_value(name, opened.payload.data[name])}
        )
    return _detail(request, opened, reveal_only=name)


@sensitive_post_parameters()
@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def edit_view(request, record_id):
    try:
        opened = _open(request, record_id)
        kind = opened.record.kind
        if request.method == "GET" and secrets_hidden_when_editing(kind) != secret_fields(kind):
            opened = _open(request, record_id, reveal=True)  # the form shows a secret: a reveal
    except IntegrityError:
        return _damaged(request, record_id)
    secrets = secrets_hidden_when_editing(kind)
    # The other secrets are shown masked and kept unless typed over: editing reveals none of them.
    kept = {name: shown for name, shown in masked_data(KINDS[kind], opened.payload.data).items() if name in secrets}
    if request.method == "GET":
        shown = {name: value for name, value in opened.payload.data.items() if name not in secrets}
        initial = RecordForm.initial_from(label=opened.payload.label, data=shown, revision=opened.record.revision)
        form = RecordForm(initial=initial, kind=kind, kept_secrets=kept)
    else:
        form = RecordForm(request.POST, kind=kind, kept_secrets=kept)
        if form.is_valid():
            revision = form.cleaned_data["revision"] or opened.record.revision
            try:
                services.record_update(
                    owner=request.user,
                    keys=request.vault_keys,
                    record_id=opened.record.pk,
                    expected_revisions=frozenset({revision}),
                    label=form.cleaned_data["label"],
                    data=form.record_changes(),
                    request=request,
                )
            except ValidationError as exc:
                form.add_schema_errors(exc)
            except PreconditionFailed:
                form.add_error(
                    None,
                    "This record changed in another window since you opened it. "
                    "Open it again to see the latest version.",
                )
            except IntegrityError:
                return _damaged(request, record_id)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "Changes saved.")
                return redirect("record-detail", record_id=opened.record.pk)
    context = {
        "form": form,
        "kind": KIND_INFO[kind],
        "editing": True,
        "record_id": opened.record.pk,
    }
    return render(request, "web/records/form.html", context, status=400 if form.errors else 200)


@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def delete_view(request, record_id):
    try:
        opened = _open(request, record_id)
    except IntegrityError:
        opened = None
    if request.method == "POST":
        try:
            services.record_delete(owner=request.user, record_id=record_id, keys=request.vault_keys, request=request)
        except RecordNotFound:
            raise Http404 from None
        messages.success(request, "Record deleted.")
        return redirect("home")
    row = record_row(opened) if opened else None
    return render(request, "web/records/confirm_delete.html", {"row": row, "record_id": record_id})
