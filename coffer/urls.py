from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from coffer.api import errors
from coffer.limits import throttled

# The admin's own log-in shares the API's log-in rate limit.
admin.site.login = throttled("login")(admin.site.login)

urlpatterns = [
    path("api/v1/accounts/", include("accounts.api.urls")),
    path("api/v1/", include("vault.api.urls")),
    path("api/v1/", include("records.api.urls")),
    path("api/v1/", include("files.api.urls")),
    path("api/v1/", include("sharing.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]

handler400 = errors.json_400
handler403 = errors.json_403
handler404 = errors.json_404
handler500 = errors.json_500
