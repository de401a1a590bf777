"""Beat's send: exactly one mail per reminder row, to a real SMTP server on loopback,
naming no document and no field."""

from reminders.models import Reminder
from reminders.services import reminders_send_due
from reminders.tasks import reminders_send
from tests.races.support import Held
from tests.records.samples import valid

from .conftest import create


def _subjects(smtp) -> list[str]:
    return [mail.subject for mail in smtp.messages()]


def test_it_mails_once_per_reminder_date_as_the_clock_moves(smtp_mail, alice, clock):
    create(alice)
    for day, expected in (("2033-08-29", 0), ("2033-08-30", 1), ("2034-01-29", 2), ("2034-02-28", 3)):
        clock.move_to(f"{day} 09:00Z")
        reminders_send()
        reminders_send()  # beat ran twice (or the task was retried): nothing more
        assert len(smtp_mail.messages()) == expected, day
    bodies = [mail.body for mail in smtp_mail.messages()]
    assert ["2033-08-30" in bodies[0], "2034-01-29" in bodies[1], "2034-02-28" in bodies[2]] == [True] * 3
    assert {mail.recipients[0] for mail in smtp_mail.messages()} == {"alice@example.com"}


def test_the_mail_names_no_document_and_no_field(smtp_mail, alice, clock):
    create(alice)
    clock.move_to("2034-02-28 09:00Z")
    reminders_send_due()
    assert _subjects(smtp_mail) == ["A document in your Coffer vault expires soon"] * 3
    # Every field value but the expiry date (the on-the-day reminder's own date), the label, the kind.
    values = [str(value) for key, value in valid("passport").items() if key not in ("sex", "date_of_expiry")]
    for mail in smtp_mail.messages():
        for text in (*values, "Mine", "passport", "Passport"):
            assert text not in mail.raw, text


def test_two_runs_at_once_send_each_reminder_once(smtp_mail, alice, bob, clock):
    create(alice)
    create(bob)
    clock.move_to("2034-02-28 09:00Z")
    with Held("reminders.send.claimed", run=reminders_send_due) as held:
        assert reminders_send_due() == 0  # the held run's rows are locked: skipped, not sent again
        assert held.release() == 6
    assert reminders_send_due() == 0
    assert len(smtp_mail.messages()) == 6
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_a_sent_date_is_not_mailed_again_after_the_record_is_saved(smtp_mail, alice, clock):
    record = create(alice)
    clock.move_to("2033-08-30 09:00Z")
    reminders_send_due()
    alice.unlock()  # the clock moved past the unlock session's lifetime
    response = alice.client.patch(f"/api/v1/records/{record['id']}/", {"label": "Renamed"}, format="json",
                                  HTTP_IF_MATCH=f'"{record["revision"]}"')
    assert response.status_code == 200, response.content
    reminders_send_due()
    assert len(smtp_mail.messages()) == 1
