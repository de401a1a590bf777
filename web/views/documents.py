"""Documents: the list, a document's page with its preview, attach, delete.

Uploading and downloading go straight to the files API (POST /api/v1/files/,
GET /api/v1/files/{id}/content), which the browser reaches with its session and
unlock cookie. The preview is served here, inline and frameable by our own pages
only, since the API always answers as a download.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from files.errors import FileNotFound, RangeNotSatisfiable
from files.selectors import file_get
from files.services import file_delete, file_download
from records.errors import RecordNotFound
from vault.crypto.errors import IntegrityError

from ..decorators import unlocked_vault_required
from ..documents import PREVIEWABLE, document_attach, document_get, documents_list, record_labels
from ..forms import AttachForm

# The preview may be framed by our own pages, and may run nothing (the PDF viewer still works).
PREVIEW_CSP = "default-src 'none'; frame-ancestors 'self'; sandbox"


def _document_or_404(request, file_id, labels):
    try:
        return document_get(
            owner=request.user,
            keys=request.vault_keys,
            file_id=file_id,
            labels=labels,
            request=request,
        )
    except FileNotFound:
        raise Http404 from None


@unlocked_vault_required
@require_GET
def list_view(request):
    documents = documents_list(owner=request.user, keys=request.vault_keys, request=request)
    return render(request, "web/documents/list.html", {"documents": documents})


def _detail_page(request, document, labels, *, form=None, status=200):
    choices = sorted(labels.items(), key=lambda item: item[1].lower())
    form = form or AttachForm(initial={"record": document.record_id or ""}, record_choices=choices)
    return render(
        request,
        "web/documents/detail.html",
        {"document": document, "attach_form": form},
        status=status,
    )


@unlocked_vault_required
@require_GET
def detail_view(request, file_id):
    labels = record_labels(owner=request.user, keys=request.vault_keys, request=request)
    return _detail_page(request, _document_or_404(request, file_id, labels), labels)


@unlocked_vault_required
@require_POST
def attach_view(request, file_id):
    labels = record_labels(owner=request.user, keys=request.vault_keys, request=request)
    document = _document_or_404(request, file_id, labels)
    form = AttachForm(request.POST, record_choices=list(labels.items()))
    if not form.is_valid():
        return _detail_page(request, document, labels, form=form, status=400)
    record_id = form.cleaned_data["record"] or None
    try:
        document_attach(owner=request.user, file_id=file_id, record_id=record_id, request=request)
    except (FileNotFound, RecordNotFound):
        raise Http404 from None
    if record_id:
        messages.success(request, "Attached. The record’s page lists it now.")
    else:
        messages.success(request, "No longer attached to a record.")
    return redirect("document-detail", file_id=file_id)


@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def delete_view(request, file_id):
    labels = record_labels(owner=request.user, keys=request.vault_keys, request=request)
    document = _document_or_404(request, file_id, labels)
    if request.method == "POST":
        try:
            file_delete(owner=request.user, file_id=file_id, request=request)
        except FileNotFound:
            raise Http404 from None
        messages.success(request, "Document deleted.")
        return redirect("documents")
    return render(request, "web/documents/confirm_delete.html", {"document": document})


@unlocked_vault_required
@require_GET
@xframe_options_sameorigin
def preview_view(request, file_id):
    """The decrypted file, inline, for the document page's <img> or <iframe>. Audited as a download."""
    try:
        if file_get(owner=request.user, file_id=file_id).content_type not in PREVIEWABLE:
            raise Http404
        download = file_download(
            owner=request.user,
            keys=request.vault_keys,
            file_id=file_id,
            range_header=request.headers.get("Range"),
            request=request,
        )
    except FileNotFound:
        raise Http404 from None
    except RangeNotSatisfiable as exc:
        response = StreamingHttpResponse([], status=416)
        response["Content-Range"] = exc.headers["Content-Range"]
        return response
    except IntegrityError:
        return render(request, "web/documents/damaged.html", status=409)
    partial = download.byte_range is not None
    response = StreamingHttpResponse(
        download.body, status=206 if partial else 200, content_type=download.file.content_type
    )
    response["Content-Length"] = str(download.length)
    if partial:
        response["Content-Range"] = download.byte_range.content_range(download.file.plaintext_size)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-store"
    return response
