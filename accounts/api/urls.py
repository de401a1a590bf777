from django.urls import path

from . import access_views, views

urlpatterns = [
    path("token", views.TokenCreateView.as_view(), name="api-token-create"),
    path("tokens", views.TokenListView.as_view(), name="api-token-list"),
    path("delete", views.AccountDeleteView.as_view(), name="api-account-delete"),
    path("tokens/<int:token_id>", views.TokenDetailView.as_view(), name="api-token-detail"),
    path("access", access_views.AccessListView.as_view(), name="api-access-list"),
    path("access/unlock-sessions/<str:session_id>", access_views.UnlockSessionDetailView.as_view(),
         name="api-access-unlock-session"),
]
