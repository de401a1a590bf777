"""Every API error is JSON: {code, detail} plus `fields` for bad input. Never a traceback."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from coffer.errors import DomainError
from coffer.inputs import wants_json
from coffer.limits import body_limit, too_large
from vault.crypto.errors import IntegrityError

logger = logging.getLogger(__name__)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = [_field_errors(item) for item in detail]
        return flat if not all(isinstance(x, str) for x in flat) else [str(x) for x in flat]
    return str(detail)


def _body(code: str, detail: str, **extra) -> dict:
    return {"code": code, "detail": detail, **extra}


def exception_handler(exc, context):
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        body = _body(exc.code, exc.detail, **exc.extra)
        if exc.field:
            body["fields"] = {exc.field: [exc.detail]}
        set_rollback()
        return Response(body, status=exc.status, headers=exc.headers)
    if isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            _body("integrity_error", "Stored data failed its integrity check and was not returned."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_body("invalid", "The request is not valid.", fields=fields), status=400)
    if isinstance(exc, Http404):
        return Response(_body("not_found", "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):  # a form body Django parsed itself
        exc = too_large(body_limit())
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            _body("invalid", "The request is not valid.", fields=_field_errors(exc.detail)),
            status=400,
        )
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait) + 1)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        set_rollback()
        return Response(_body(code, detail), status=exc.status_code, headers=headers)
    return None


def json_404(request, exception=None):
    if not wants_json(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse(_body("not_found", "Not found."), status=404)


def json_500(request):
    if not wants_json(request):
        return defaults.server_error(request)
    return JsonResponse(_body("server_error", "Something went wrong on our side."), status=500)


def json_400(request, exception=None):
    if not wants_json(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(_body("payload_too_large", str(too_large(body_limit()).detail)), status=413)
    return JsonResponse(_body("bad_request", "The request is not valid."), status=400)


def json_403(request, exception=None):
    if not wants_json(request):
        return defaults.permission_denied(request, exception)
    return JsonResponse(_body("permission_denied", "You may not do that."), status=403)
