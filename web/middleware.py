"""A page, not an empty body, for a web address opened with the wrong method (a bookmarked
or typed POST-only address such as /vault/lock/). The API keeps its JSON answers."""

from __future__ import annotations

from django.shortcuts import render

from coffer.inputs import wants_json


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or wants_json(request) or response.content or request.method == "HEAD":
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page
