from django.urls import path

from coffer.inputs import BoundedIdConverter  # noqa: F401  (registers <id:...>)

from . import apps, attestations, grants, keys

urlpatterns = [
    path("apps/", apps.AppRegisterView.as_view(), name="api-apps"),
    path("apps/me/", apps.AppView.as_view(), name="api-app-me"),
    path("apps/me/grants/", apps.AppGrantListView.as_view(), name="api-app-grants"),
    path("apps/me/grants/<str:grant_id>/scans/<str:scan_id>", apps.AppScanDownloadView.as_view(),
         name="api-app-grant-scan"),
    path("grants/", grants.GrantListView.as_view(), name="api-grants"),
    path("grants/<str:grant_id>/", grants.GrantDetailView.as_view(), name="api-grant"),
    path("apps/me/users/<id:user_id>/keys", keys.AppUserKeysView.as_view(), name="api-app-user-keys"),
    path("keys/<str:handle>", keys.PublishedKeysView.as_view(), name="api-keys-by-handle"),
    path("key-handle", keys.KeyHandleView.as_view(), name="api-key-handle"),
    path("attestations/", attestations.AttestationView.as_view(), name="api-attestations"),
]
