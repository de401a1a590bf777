from django.conf import settings
from django.db import models


class SignInDevice(models.Model):
    """A device a user has signed in from, kept as a keyed hash only (notify/devices.py).

    Neither the browser nor the address is stored: only the HMAC of the pair
    (browser family and system, /24 or /48 network), which can be compared but not read.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    device_hmac = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "device_hmac"], name="notify_signin_device_unique"),
        ]

    def __str__(self) -> str:
        return f"sign-in device {self.pk}"
