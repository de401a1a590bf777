"""Auth events no service sees: Django admin log-ins, and every log-out."""

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.typed_names import typed_username_hash
from tests.conftest import PASSWORD


def test_an_admin_login_is_audited_with_the_address(client, db):
    get_user_model().objects.create_superuser(username="root", email="r@example.com", password=PASSWORD)
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.login")
    assert (event.outcome, event.actor_label, event.ip_address) == ("success", "root", "198.51.100.7")


def test_a_failed_admin_login_is_audited_without_the_password_or_the_typed_name(client, db):
    client.post("/admin/login/", {"username": "root-typo-pw", "password": "wrong-password-123"})
    event = AuditEvent.objects.get(action="admin.login")
    assert event.outcome == "failure" and event.details == {"username_hmac": typed_username_hash("root-typo-pw")}
    assert "wrong-password-123" not in str(event.details) and "root-typo-pw" not in str(event.details)


def test_a_logout_is_audited(alice):
    client = APIClient()
    client.force_login(alice.user)
    assert client.post("/api/v1/accounts/logout").status_code == 204
    assert AuditEvent.objects.filter(action="account.logout", actor=alice.user).exists()
