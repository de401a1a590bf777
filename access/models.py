from django.conf import settings
from django.db import models
from django.utils import timezone


class UnlockSessionRecord(models.Model):
    """One opened unlock session, so it can be listed and ended alone (docs/format.md §7).

    The session itself lives only in the cache; this row holds nothing that opens it.
    `session_id` is the one-way digest of the unlock secret that names the cache entry.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unlock_sessions")
    session_id = models.CharField(max_length=64, unique=True)
    # The vault's unlock_epoch at opening; a PIN change carries the caller's session to the next.
    epoch = models.PositiveIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device_label = models.CharField(max_length=100, blank=True)
    # Opened with an API token (it ends with it), or from a browser's signed-in session.
    token = models.ForeignKey("accounts.AccessToken", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    web_session = models.ForeignKey("usersessions.UserSession", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"unlock session of user {self.user_id} opened {self.opened_at:%Y-%m-%d %H:%M}"
