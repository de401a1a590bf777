"""Concurrent writers still form one valid chain: the row lock on the head serialises appends."""

import threading

from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_record
from audit.verification import audit_verify

WRITERS = 8
EVENTS_EACH = 25


def test_concurrent_appends_keep_the_chain_valid(transactional_db):
    start = threading.Barrier(WRITERS)
    failures = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(EVENTS_EACH):
                audit_record(action="test.concurrent", target_kind="writer", target_id=writer, details={"n": n})
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(1, WRITERS * EVENTS_EACH + 1))
    report = audit_verify()
    assert report.ok, report.summary()
    assert report.events_checked == WRITERS * EVENTS_EACH


def test_the_first_appends_of_an_empty_chain_race_safely(transactional_db):
    # transactional_db has emptied the head row too: every writer's first append races to create it.
    start = threading.Barrier(4)
    failures = []

    def write() -> None:
        try:
            start.wait()
            audit_record(action="test.first")
        except Exception as exc:  # pragma: no cover
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert audit_verify().ok and AuditEvent.objects.count() == 4
