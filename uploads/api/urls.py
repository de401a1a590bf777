from django.urls import path

from . import views

urlpatterns = [
    path("uploads/", views.UploadListView.as_view(), name="api-uploads"),
    path("uploads/<str:upload_id>", views.UploadDetailView.as_view(), name="api-upload"),
]
