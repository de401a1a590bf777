from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="api-imports"),
    path("imports/<str:job_id>/", views.ImportDetailView.as_view(), name="api-import"),
    path("imports/<str:job_id>/confirm", views.ImportConfirmView.as_view(), name="api-import-confirm"),
    path("imports/<str:job_id>/cancel", views.ImportCancelView.as_view(), name="api-import-cancel"),
]
