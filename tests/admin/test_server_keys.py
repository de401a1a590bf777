"""Server keyring rotation: every server share re-wrapped under the current key, from the admin or a command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import make_person
from vault.keyring import LocalKeyProvider, get_key_provider, parse_keyring
from vault.models import Vault
from vault.rotation_server import check_server_key_versions, server_keys_rotate, server_keys_status
from vault.services import SERVER_SHARE_PURPOSE


def _move_to_version(vault: Vault, version: int, keys: dict[int, bytes]) -> None:
    """Re-wrap a vault's server share under an older key, as if made before the last rotation."""
    share = get_key_provider().unwrap(vault.server_key_version, bytes(vault.wrapped_server_share),
                                      purpose=SERVER_SHARE_PURPOSE, subject=str(vault.user_id))
    old = LocalKeyProvider({version: keys[version]})
    _, wrapped = old.wrap(share, purpose=SERVER_SHARE_PURPOSE, subject=str(vault.user_id))
    Vault.objects.filter(pk=vault.pk).update(wrapped_server_share=wrapped, server_key_version=version)


@pytest.fixture
def old_vaults(db, settings):
    keys = parse_keyring(settings.COFFER_SERVER_KEYS)
    people = [make_person(name).setup_vault() for name in ("alice", "bob", "carol")]
    for person in people[:2]:
        _move_to_version(person.user.vault, 1, keys)
    return people


def test_rotation_rewraps_every_old_share_and_users_still_unlock(old_vaults):
    current = get_key_provider().current_version
    assert server_keys_status().pending == 2
    result = server_keys_rotate(batch_size=1)
    assert result.rewrapped == 2 and not result.failed_vault_ids
    assert set(Vault.objects.values_list("server_key_version", flat=True)) == {current}
    for person in old_vaults:
        assert person.client.post("/api/v1/vault/unlock", {"pin": person.pin}, format="json").status_code == 200
    event = AuditEvent.objects.get(action="server_keys.rotate")
    assert event.outcome == "success" and event.details["rewrapped"] == 2


def test_rotation_is_idempotent(old_vaults):
    server_keys_rotate()
    assert server_keys_rotate().rewrapped == 0


def test_a_share_no_key_opens_is_left_alone_and_reported(old_vaults):
    Vault.objects.filter(user=old_vaults[0].user).update(server_key_version=7)
    result = server_keys_rotate()
    assert result.failed_vault_ids == [old_vaults[0].user.vault.pk]
    assert AuditEvent.objects.get(action="server_keys.rotate").outcome == "failure"


def test_the_check_reports_vaults_on_old_and_retired_versions(old_vaults):
    messages = check_server_key_versions(databases=["default"])
    assert [m.id for m in messages] == ["coffer.W101"]
    Vault.objects.filter(user=old_vaults[0].user).update(server_key_version=7)
    assert sorted(m.id for m in check_server_key_versions(databases=["default"])) == ["coffer.E101", "coffer.W101"]
    assert check_server_key_versions(databases=None) == []


def test_the_command_rotates_and_then_checks_clean(old_vaults):
    with pytest.raises(CommandError, match="2 vault"):
        call_command("rotate_server_keys", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_server_keys", stdout=out)
    assert "Re-wrapped 2 server share(s)" in out.getvalue()
    call_command("rotate_server_keys", "--check", stdout=io.StringIO())


def test_the_admin_starts_it_after_confirmation_and_audits_it(admin_client, admin_user, old_vaults, celery_eager):
    url = reverse("admin:vault_vault_rotate_server_keys")
    page = admin_client.get(url)
    assert page.status_code == 200 and b"2 will be re-wrapped" in page.content
    assert server_keys_status().pending == 2
    admin_client.post(url, {"confirmed": "yes"})
    assert server_keys_status().pending == 0
    started = AuditEvent.objects.get(action="admin.rotate_server_keys")
    assert started.actor_id == admin_user.pk and started.details["pending"] == 2
    assert AuditEvent.objects.get(action="server_keys.rotate").actor_id == admin_user.pk
