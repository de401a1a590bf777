from django.urls import path

from . import views

urlpatterns = [
    path("files/", views.FileListView.as_view(), name="api-files"),
    path("files/<str:file_id>/", views.FileDetailView.as_view(), name="api-file"),
    path("files/<str:file_id>/content", views.FileContentView.as_view(), name="api-file-content"),
    path("records/<str:record_id>/files/", views.RecordFileListView.as_view(), name="api-record-files"),
    path("records/<str:record_id>/files/<uuid:file_id>/", views.RecordScanDetailView.as_view(), name="api-record-file"),
    path("records/<str:record_id>/files/<str:role>/", views.RecordScanView.as_view(), name="api-record-scan"),
]
