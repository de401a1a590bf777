from django.urls import path

from . import web
from .api import views

urlpatterns = [
    path("api/v1/apps/me/grants/<str:grant_id>/corrections", views.AppCorrectionsView.as_view(),
         name="api-app-grant-corrections"),
    path("api/v1/records/<str:record_id>/corrections", views.RecordCorrectionsView.as_view(),
         name="api-record-corrections"),
    path("api/v1/records/<str:record_id>/corrections/<str:correction_id>/dismiss",
         views.RecordCorrectionDismissView.as_view(), name="api-record-correction-dismiss"),
    path("records/<uuid:record_id>/corrections/<uuid:correction_id>/dismiss/", web.dismiss_view,
         name="record-correction-dismiss"),
]
