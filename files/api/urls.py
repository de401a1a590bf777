from django.urls import path

from . import views

urlpatterns = [
    path("files/", views.FileListView.as_view(), name="api-files"),
    path("files/<str:file_id>/", views.FileDetailView.as_view(), name="api-file"),
    path("files/<str:file_id>/content", views.FileContentView.as_view(), name="api-file-content"),
]
