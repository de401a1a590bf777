"""manage.py check_consistency: counts per check, the ids of what is wrong, exit 1, and no secret printed."""

import io
import json

from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from consistency.models import CheckRun
from consistency.report import CHECKS


def _run(*args: str) -> tuple[int, str]:
    """The exit status manage.py would give (a CommandError's returncode), and everything printed.

    Not execute_from_command_line: it closes the test's database connection when it ends.
    """
    out = io.StringIO()
    try:
        call_command("check_consistency", *args, stdout=out, stderr=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_clean_world_exits_0_with_a_count_per_check(fs_world):
    status, printed = _run()
    assert status == 0, printed
    lines = {line.split()[0]: line.split()[1:] for line in printed.splitlines()[: len(CHECKS)]}
    assert list(lines) == list(CHECKS)
    assert lines["file_object_exists"] == ["checked", "2", "wrong", "0"]
    assert lines["record_key_version"] == ["checked", "4", "wrong", "0"]
    assert printed.rstrip().endswith("Consistency check: clean.")


def test_a_broken_world_exits_1_names_the_ids_and_prints_no_secret(fs_world):
    missing = fs_world.alice.file_ids[0]
    fs_world.backend.store.delete(fs_world.file(missing).blob_key)
    status, printed = _run()
    assert status == 1
    assert f"ids (1 of 1): {missing}" in printed and "1 problem(s)" in printed
    for secret in fs_world.secrets():
        assert secret not in printed, "a secret was printed"


def test_json_output_holds_the_same_report(fs_world):
    fs_world.backend.rewrite(fs_world.file(fs_world.bob.file_ids[0]).blob_key, lambda data: data[:-1])
    status, printed = _run("--json")
    assert status == 1
    report = json.loads(printed[: printed.rindex("}") + 1])
    assert report["clean"] is False
    by_check = {entry["check"]: entry for entry in report["checks"]}
    assert by_check["file_object_size"] == {"check": "file_object_size", "checked": 2, "wrong": 1,
                                            "ids": [fs_world.bob.file_ids[0]]}
    for secret in fs_world.secrets():
        assert secret not in printed


def test_max_ids_caps_the_ids_printed_but_not_the_total(fs_world):
    for file_id in fs_world.alice.file_ids + fs_world.bob.file_ids:
        fs_world.backend.store.delete(fs_world.file(file_id).blob_key)
    status, printed = _run("--max-ids", "1")
    assert status == 1
    line = next(line for line in printed.splitlines() if line.strip().startswith("ids"))
    assert line.strip().startswith("ids (1 of 2): ") and line.count(",") == 0


def test_each_run_is_stored_and_audited_with_counts_only_unless_told_not_to(fs_world):
    fs_world.backend.store.delete(fs_world.file(fs_world.alice.file_ids[0]).blob_key)
    _run()
    run = CheckRun.objects.get()
    assert (run.trigger, run.clean, run.wrong) == ("command", False, 1)
    event = AuditEvent.objects.get(action="consistency.check")
    assert event.outcome == "failure" and event.target_id == str(run.pk)
    assert event.details["counts"]["file_object_exists"] == {"checked": 2, "wrong": 1}
    assert fs_world.alice.file_ids[0] not in json.dumps(event.details)  # counts, not ids
    _run("--no-record")
    assert CheckRun.objects.count() == 1 and AuditEvent.objects.filter(action="consistency.check").count() == 1


def test_bad_options_are_refused(fs_world):
    status, printed = _run("--workers", "0")
    assert status == 1 and "--workers" in printed
    assert not CheckRun.objects.exists()
