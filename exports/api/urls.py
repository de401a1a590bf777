from django.urls import path

from . import views

urlpatterns = [
    path("exports/", views.ExportListView.as_view(), name="api-exports"),
    path("exports/passphrase-suggestion/", views.ExportSuggestionView.as_view(), name="api-export-suggestion"),
    path("exports/<str:job_id>/", views.ExportDetailView.as_view(), name="api-export"),
    path("exports/<str:job_id>/download", views.ExportDownloadView.as_view(), name="api-export-download"),
]
