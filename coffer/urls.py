from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from coffer.api import errors
from coffer.api.schema_docs import ApiDocsView
from web.views import accounts as web_accounts

# Admins sign in through allauth like everyone, second factor included; the admin's own
# password form is never shown (accounts/middleware.py sends staff without one to set it up).
admin.site.login = secure_admin_login(admin.site.login)
# Wide lists (the audit log) need the page's width; the home page lists every model.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("api/v1/accounts/", include("accounts.api.urls")),
    path("api/v1/", include("vault.api.urls")),
    path("api/v1/", include("records.api.urls")),
    path("api/v1/", include("files.api.urls")),
    path("api/v1/", include("uploads.api.urls")),
    path("api/v1/", include("sharing.api.urls")),
    path("", include("corrections.urls")),
    path("api/v1/", include("exports.api.urls")),
    path("api/v1/", include("imports.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    # allauth: the web pages (sign-up, sign-in, email, password, second factors, sessions)
    # and the headless API for apps and scripts (docs/accounts.md).
    path("accounts/logout/", web_accounts.logout_view, name="account_logout"),
    path("accounts/2fa/recovery-codes/", web_accounts.recovery_codes_view, name="mfa_view_recovery_codes"),
    path("accounts/2fa/recovery-codes/download/", web_accounts.recovery_codes_download,
         name="mfa_download_recovery_codes"),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("", include("web.urls")),
]

handler400 = errors.json_400
handler403 = errors.json_403
handler404 = errors.json_404
handler500 = errors.json_500
