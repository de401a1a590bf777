"""The admin's consistency reports: a read-only, audited list and page, and a
superuser-only, confirmed and audited "Run the consistency check now"."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from consistency.models import CheckRun
from consistency.services import consistency_check_run
from tests.conftest import PASSWORD
from tests.support.second_factor import give_totp

LIST = "admin:consistency_checkrun_changelist"
RUN = "admin:consistency_checkrun_run"


@pytest.fixture
def celery_eager():
    from coffer.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def viewer(db) -> Client:
    """Staff who may view reports, not a superuser."""
    user = get_user_model().objects.create_user(username="vera", password=PASSWORD, is_staff=True)
    give_totp(user)  # admins must have a second factor
    user.user_permissions.add(Permission.objects.get(content_type__app_label="consistency", codename="view_checkrun"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def broken_run(fs_world) -> CheckRun:
    fs_world.backend.store.delete(fs_world.file(fs_world.alice.file_ids[0]).blob_key)
    _, run = consistency_check_run(trigger="command")
    return run


def test_the_list_shows_each_report_and_is_audited(admin_client, broken_run, fs_world):
    response = admin_client.get(reverse(LIST))
    page = response.content.decode()
    assert response.status_code == 200
    assert "problems found" in page and "file_object_exists 1/2" in page
    event = AuditEvent.objects.filter(action="admin.view").latest("id")
    assert event.details["model"] == "consistency.checkrun" and event.details["object_ids"] == [str(broken_run.pk)]
    for secret in fs_world.secrets():
        assert secret not in page


def test_a_report_page_names_the_ids_and_is_audited(admin_client, broken_run, fs_world):
    response = admin_client.get(reverse("admin:consistency_checkrun_change", args=[broken_run.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"ids (1 of 1): {fs_world.alice.file_ids[0]}" in page
    event = AuditEvent.objects.filter(action="admin.view").latest("id")
    assert (event.details["view"], event.target_id) == ("change", str(broken_run.pk))
    for secret in fs_world.secrets():
        assert secret not in page


def test_reports_cannot_be_added_changed_or_deleted(admin_client, broken_run):
    assert admin_client.get(reverse("admin:consistency_checkrun_add")).status_code == 403
    response = admin_client.post(reverse("admin:consistency_checkrun_delete", args=[broken_run.pk]), {"post": "yes"})
    assert response.status_code == 403 and CheckRun.objects.filter(pk=broken_run.pk).exists()


def test_running_the_check_asks_first_and_runs_nothing_until_confirmed(admin_client, fs_world):
    response = admin_client.get(reverse(RUN))
    assert response.status_code == 200 and "Run the consistency check now" in response.content.decode()
    assert reverse(RUN) in admin_client.get(reverse(LIST)).content.decode()
    assert not CheckRun.objects.exists()


def test_the_confirmed_run_stores_a_report_and_is_audited(admin_client, admin_user, fs_world, celery_eager):
    response = admin_client.post(reverse(RUN), {"confirmed": "yes"}, follow=True)
    assert response.status_code == 200 and "Consistency check started" in response.content.decode()
    run = CheckRun.objects.get()
    assert (run.trigger, run.clean) == ("admin", True)
    started = AuditEvent.objects.get(action="admin.consistency_check")
    assert started.actor_id == admin_user.pk and started.outcome == "success"
    checked = AuditEvent.objects.get(action="consistency.check")
    assert checked.actor_id == admin_user.pk and checked.details["clean"] is True
    assert checked.details["counts"]["record_key_version"] == {"checked": 4, "wrong": 0}


def test_only_a_superuser_may_run_it(viewer, fs_world, celery_eager):
    assert viewer.get(reverse(LIST)).status_code == 200
    assert reverse(RUN) not in viewer.get(reverse(LIST)).content.decode()
    assert viewer.get(reverse(RUN)).status_code == 403
    assert viewer.post(reverse(RUN), {"confirmed": "yes"}).status_code == 403
    assert not CheckRun.objects.exists() and not AuditEvent.objects.filter(action="consistency.check").exists()
