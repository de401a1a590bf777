import pytest
import time_machine
from django.test import Client

from reminders.services import reminder_setting_update
from tests.conftest import PIN, make_person
from tests.records.samples import valid

RECORDS_URL = "/api/v1/records/"
EXPIRY = "2034-02-28"  # the passport sample's date_of_expiry
# The expiry minus 182 days, 30 days and 0 days (the default offsets).
DATES = ("2033-08-30", "2034-01-29", "2034-02-28")


@pytest.fixture
def clock():
    """The clock, a year before the sample passport expires; tests move it on."""
    with time_machine.travel("2033-03-01 09:00Z", tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice(transactional_db, clock):
    person = make_person("alice").setup_vault().unlock()
    reminder_setting_update(user=person.user, enabled=True)
    return person


@pytest.fixture
def bob(transactional_db, clock):
    person = make_person("bob").setup_vault().unlock()
    reminder_setting_update(user=person.user, enabled=True)
    return person


def create(person, kind="passport", **changes) -> dict:
    response = person.client.post(RECORDS_URL, {"kind": kind, "label": "Mine", "data": valid(kind, **changes)},
                                  format="json")
    assert response.status_code == 201, response.content
    return response.json()


def browser(person) -> Client:
    """The person's browser, logged in and unlocked."""
    client = Client()
    client.force_login(person.user)
    assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    return client
