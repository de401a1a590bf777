from django.urls import path

from . import views

urlpatterns = [
    path("records/", views.RecordListView.as_view(), name="api-records"),
    path("records/<str:record_id>/", views.RecordDetailView.as_view(), name="api-record"),
]
