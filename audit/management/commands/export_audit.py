"""manage.py export_audit: the audit log for a date range and user, as CSV or JSON Lines."""

from datetime import datetime, time, timezone

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from audit.export import FORMATS, ExportQuery, audit_export_count, audit_export_lines
from audit.services import NO_SUBJECT, audit_record


def parse_moment(text: str | None) -> datetime | None:
    """An ISO date (midnight UTC) or an ISO date-time (UTC unless it says otherwise)."""
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"not an ISO date or date-time: {text!r}")
        moment = datetime.combine(day, time.min)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Command(BaseCommand):
    help = "Exports audit events with their hashes, and the signed checkpoints among them (docs/audit.md)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="Start, inclusive: ISO date or date-time (UTC).")
        parser.add_argument("--to", dest="end", help="End, exclusive: ISO date or date-time (UTC).")
        parser.add_argument("--user", help="Only events by or about this user (username or id).")
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        try:
            query = ExportQuery(
                start=parse_moment(options["start"]), end=parse_moment(options["end"]),
                user_id=self._user_id(options["user"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        audit_record(
            action="audit.export", subject=NO_SUBJECT, target_kind="audit_chain",
            details={**query.as_dict(), "format": options["format"], "via": "command",
                     "events": audit_export_count(query)},
        )
        lines = audit_export_lines(query, options["format"])
        if not options["output"]:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)

    def _user_id(self, text: str | None) -> int | None:
        if not text:
            return None
        users = get_user_model().objects
        user = users.filter(username=text).first()
        if user is None and text.isdigit():
            return int(text)  # a deleted user's events stay exportable by id
        if user is None:
            raise ValueError(f"no user {text!r}")
        return user.pk
