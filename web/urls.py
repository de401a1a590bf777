from django.urls import path
from django.views.generic import TemplateView

from .views import account_delete, activity, devices, documents, exports, imports, records, reminders, settings, sharing, vault

urlpatterns = [
    path("", vault.home_view, name="home"),
    path("security/", TemplateView.as_view(template_name="web/security.html"), name="security"),
    # accounts
    path("account/", devices.devices_view, name="account_devices"),
    path("account/unlock-sessions/<str:session_id>/end/", devices.unlock_session_end_view, name="account-unlock-session-end"),
    path("accounts/delete/", account_delete.account_delete_view, name="account-delete"),
    path("accounts/deleted/", account_delete.account_deleted_view, name="account-deleted"),
    # the vault
    path("vault/setup/", vault.setup_view, name="vault-setup"),
    path("vault/setup/saved/", vault.recovery_code_saved_view, name="vault-setup-saved"),
    path("vault/unlock/", vault.unlock_view, name="unlock"),
    path("vault/reauthorize/", vault.reauthorize_view, name="vault-reauthorize"),
    path("vault/recover/", vault.recover_view, name="vault-recover"),
    path("vault/lock/", vault.lock_view, name="lock"),
    path("vault/keepalive/", vault.keepalive_view, name="vault-keepalive"),
    # records
    path("records/new/", records.choose_kind_view, name="record-choose"),
    path("records/new/<str:kind>/", records.create_view, name="record-create"),
    path("records/<uuid:record_id>/", records.detail_view, name="record-detail"),
    path("records/<uuid:record_id>/reveal/", records.reveal_view, name="record-reveal"),
    path("records/<uuid:record_id>/edit/", records.edit_view, name="record-edit"),
    path("records/<uuid:record_id>/delete/", records.delete_view, name="record-delete"),
    path("records/<uuid:record_id>/reminders/", reminders.record_reminders_view, name="record-reminders"),
    # documents
    path("documents/", documents.list_view, name="documents"),
    path("documents/<uuid:file_id>/", documents.detail_view, name="document-detail"),
    path("documents/<uuid:file_id>/preview/", documents.preview_view, name="document-preview"),
    path("documents/<uuid:file_id>/attach/", documents.attach_view, name="document-attach"),
    path("documents/<uuid:file_id>/delete/", documents.delete_view, name="document-delete"),
    # settings
    path("settings/", settings.settings_view, name="settings"),
    path("settings/pin/", settings.pin_change_view, name="settings-pin"),
    path("settings/recovery-code/", settings.recovery_code_new_view, name="settings-recovery-code"),
    path("settings/rotation/", settings.rotation_start_view, name="settings-rotation"),
    path("settings/rotation/<uuid:job_id>/resume/", settings.rotation_resume_view, name="settings-rotation-resume"),
    path("settings/reminders/", settings.reminders_view, name="settings-reminders"),
    path("settings/tokens/", settings.token_create_view, name="settings-token-create"),
    path("settings/export/", exports.export_start_view, name="export-start"),
    path("settings/export/<uuid:job_id>/", exports.export_progress_view, name="export-progress"),
    path("settings/import/", imports.import_upload_view, name="import-upload"),
    path("settings/import/<uuid:job_id>/", imports.import_detail_view, name="import-detail"),
    path("settings/import/<uuid:job_id>/confirm", imports.import_confirm_view, name="import-confirm"),
    path("settings/import/<uuid:job_id>/cancel", imports.import_cancel_view, name="import-cancel"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        settings.token_revoke_view,
        name="settings-token-revoke",
    ),
    # sharing
    path("sharing/", sharing.sharing_view, name="sharing"),
    path("sharing/grants/", sharing.grant_create_view, name="sharing-grant-create"),
    path("sharing/key-handle/", sharing.key_handle_view, name="sharing-key-handle"),
    path(
        "sharing/grants/<uuid:grant_id>/revoke/",
        sharing.grant_revoke_view,
        name="sharing-grant-revoke",
    ),
    # activity
    path("activity/", activity.activity_view, name="activity"),
    path("activity/download.<str:fmt>", activity.activity_download, name="activity-download"),
]
