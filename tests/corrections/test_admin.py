"""Corrections in the admin: metadata only, read-only, every view audited."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from corrections.models import Correction

from .conftest import MESSAGE, report_ok


def test_the_admin_shows_metadata_and_never_the_message(admin_client, grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": MESSAGE})
    sealed = bytes(Correction.objects.get().sealed_message)
    for url in (reverse("admin:corrections_correction_changelist"),
                reverse("admin:corrections_correction_change", args=[body["id"]])):
        response = admin_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert body["id"] in page and "number" in page
        assert MESSAGE not in page and "sealed" not in page.lower() and sealed.hex() not in page
    change = reverse("admin:corrections_correction_change", args=[body["id"]])
    assert admin_client.post(change, {"field": "surname"}).status_code == 403
    assert Correction.objects.get().field == "number"
    event = AuditEvent.objects.filter(action="admin.view").order_by("-id").first()
    assert event.target_kind == "correction" and event.subject_user_id == unlocked_alice.user.pk
