"""/healthz for container healthchecks. Answers before host checks and the HTTPS
redirect, since the probe comes from inside the container over plain HTTP."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != PATH:
            return self.get_response(request)
        try:
            connection.ensure_connection()
            cache.get("healthz")
        except Exception:  # any failure means unhealthy; say nothing more
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})
