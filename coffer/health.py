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
            # A query, not ensure_connection(): a persistent connection that PostgreSQL
            # has dropped still looks open until it is used (CONN_HEALTH_CHECKS replaces it).
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            cache.get("healthz")
        except Exception:  # any failure means unhealthy; say nothing more
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})
