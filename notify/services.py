"""Remembering sign-in devices, and mailing the owner when one is new."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audit.services import client_ip

from .devices import device_hmac, device_label, network_of
from .mails import mail_signin_new_device
from .models import SignInDevice

# A device not seen for this long is forgotten: its next sign-in is new again.
DEVICE_FORGET_AFTER = timedelta(days=365)


def signin_device_remember(*, user, request) -> bool:
    """Records this sign-in's device; mails the owner and returns True when it is new.

    An account's very first sign-in is remembered without a mail: there is
    nothing yet to compare it with. After that, a device (notify/devices.py)
    not seen within DEVICE_FORGET_AFTER gets one mail, after the commit.
    """
    now = timezone.now()
    label = device_label(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")
    digest = device_hmac(label=label, network=network_of(client_ip(request)))
    seen_before = SignInDevice.objects.filter(user=user).exists()  # forgotten devices count here
    SignInDevice.objects.filter(user=user, last_seen_at__lt=now - DEVICE_FORGET_AFTER).delete()
    device, created = SignInDevice.objects.get_or_create(user=user, device_hmac=digest,
                                                         defaults={"last_seen_at": now})
    if not created:
        SignInDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        return False
    if not seen_before:
        return False
    mail_signin_new_device(user=user, device=label, at=now)
    return True
