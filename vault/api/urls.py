from django.urls import path

from . import rotation, views

urlpatterns = [
    path("vault", views.VaultView.as_view(), name="api-vault"),
    path("vault/setup", views.SetupView.as_view(), name="api-vault-setup"),
    path("vault/unlock", views.UnlockView.as_view(), name="api-vault-unlock"),
    path("vault/lock", views.LockView.as_view(), name="api-vault-lock"),
    path("vault/pin", views.PinChangeView.as_view(), name="api-vault-pin"),
    path("vault/recover", views.RecoverView.as_view(), name="api-vault-recover"),
    path("vault/recovery-code", views.RecoveryCodeView.as_view(), name="api-vault-recovery-code"),
    path("vault/reauthorize", views.ReauthorizeView.as_view(), name="api-vault-reauthorize"),
    path("vault/rotations/", rotation.RotationListView.as_view(), name="api-rotation-list"),
    path("vault/rotations/<str:job_id>/", rotation.RotationDetailView.as_view(), name="api-rotation-detail"),
    path("vault/rotations/<str:job_id>/resume", rotation.RotationResumeView.as_view(), name="api-rotation-resume"),
]
