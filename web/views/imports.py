"""Importing from the web: upload a source (Settings), see the preview, confirm, watch
the progress. The upload's file part goes straight into the encrypting pipeline
(imports.api.receiving), installed before the CSRF check reads the form; the
progress page refreshes itself through static/js/import.js (no inline script)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffer.errors import DomainError
from imports.api.receiving import SourceReceiver
from imports.selectors import import_get, import_progress
from imports.services import import_cancel, import_confirm, import_create, import_preview

from ..decorators import unlocked_vault_required


class ImportUploadForm(forms.Form):
    source = forms.FileField(label="File to import", help_text="A Coffer export (.age), a CXF document (.json, or an "
                             "unencrypted CXP export .zip with its files), or Bitwarden's unencrypted export "
                             "(.json, or .zip with attachments).")
    passphrase = forms.CharField(
        label="Export passphrase", required=False, max_length=1024, strip=False,
        help_text="Only for a Coffer export: the passphrase it was made with.",
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@csrf_exempt  # checked by _upload below, once the encrypting handler is in place
@sensitive_post_parameters()
@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request):
    receiver = SourceReceiver(request) if request.method == "POST" else None
    try:
        return _upload(request, receiver)
    finally:
        if receiver is not None:
            receiver.discard()


@csrf_protect
def _upload(request, receiver: SourceReceiver | None):
    error = None
    if receiver is not None:
        try:
            incoming, _ = receiver.received(request)
            job = import_create(incoming=incoming, request=request)
        except DomainError as exc:
            error = exc  # the file is gone (the receiver discards it); the form starts again
        else:
            receiver.keep()
            return redirect(reverse("import-detail", args=[job.id]))
    return render(request, "web/imports/upload.html", {"form": ImportUploadForm(), "error": error},
                  status=error.status if error else 200)


@unlocked_vault_required
@require_GET
def import_detail_view(request, job_id):
    job = import_get(owner=request.user, job_id=job_id)
    return render(request, "web/imports/detail.html", {
        "job": job, "preview": import_preview(job=job) if job.state in ("preview", "running") else None,
        "progress": import_progress(job), "api_url": reverse("api-import", args=[job.id]),
    })


@unlocked_vault_required
@require_POST
def import_confirm_view(request, job_id):
    job = import_get(owner=request.user, job_id=job_id)
    try:
        import_confirm(owner=request.user, keys=request.vault_keys, job_id=job.pk, request=request)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "The import has started. Nothing appears in your vault until all of it is in.")
    return redirect(reverse("import-detail", args=[job.id]))


@unlocked_vault_required
@require_POST
def import_cancel_view(request, job_id):
    job = import_get(owner=request.user, job_id=job_id)
    try:
        import_cancel(owner=request.user, job_id=job.pk, request=request)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("import-detail", args=[job.id]))
    messages.success(request, "Cancelled: nothing was imported, and the uploaded file is deleted.")
    return redirect(reverse("settings") + "#import")
