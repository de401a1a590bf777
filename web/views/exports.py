"""Exporting the vault from the web: the start page (passphrase and a suggestion) and
the progress page, which refreshes itself through static/js/export.js (no inline
script: the CSP forbids it). The file itself downloads from the API URL."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from coffer.limits import throttled
from exports.errors import ExportError
from exports.passphrases import MIN_LENGTH, passphrase_suggest
from exports.selectors import export_get, export_list
from exports.services import export_start

from ..decorators import unlocked_vault_required
from ..forms import add_domain_error


class ExportStartForm(forms.Form):
    passphrase = forms.CharField(
        label="Export passphrase", max_length=1024, strip=False,
        help_text=f"At least {MIN_LENGTH} characters, not only digits. You will type it into age to open "
                  "the file; Coffer does not keep it and cannot tell it to you again.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}),
    )


@sensitive_post_parameters()
@unlocked_vault_required
@require_http_methods(["GET", "POST"])
@throttled("unlock")  # scrypt runs in the request
def export_start_view(request):
    form = ExportStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            job = export_start(user=request.user, keys=request.vault_keys,
                               passphrase=form.cleaned_data["passphrase"], request=request)
        except ExportError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Your export is being made. You can keep using your vault meanwhile.")
            return redirect(reverse("export-progress", args=[job.id]))
    status = 400 if form.errors else 200
    return render(request, "web/exports/start.html", {
        "form": form, "suggestion": passphrase_suggest(), "exports": export_list(owner=request.user)[:5],
    }, status=status)


@unlocked_vault_required
@require_GET
def export_progress_view(request, job_id):
    job = export_get(owner=request.user, job_id=job_id)
    return render(request, "web/exports/progress.html", {
        "job": job, "download_url": reverse("api-export-download", args=[job.id]),
        "api_url": reverse("api-export", args=[job.id]),
    })
