"""Usernames and email addresses are unique without regard to case (issue 14).

auth.User belongs to Django, so the constraints are added here, through the
schema editor, as expression indexes on Lower(). Blank emails (accounts made
by createsuperuser) are left out of the email constraint. Existing accounts
that already clash stop the migration with their ids, for an admin to settle.
"""

from django.db import migrations
from django.db.models import Count, Q, UniqueConstraint
from django.db.models.functions import Lower

CONSTRAINTS = [
    UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
    UniqueConstraint(Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"),
]


def _clashes(User, field: str) -> list[int]:
    names = (
        User.objects.exclude(**{field: ""}).annotate(folded=Lower(field)).values("folded")
        .annotate(n=Count("id")).filter(n__gt=1).values_list("folded", flat=True)
    )
    return sorted(User.objects.annotate(folded=Lower(field)).filter(folded__in=list(names)).values_list("id", flat=True))


def add_constraints(apps, schema_editor):
    User = apps.get_model("auth", "User")
    for field in ("username", "email"):
        ids = _clashes(User, field)
        if ids:
            raise RuntimeError(f"Accounts {ids} have {field}s that differ only in case: rename them, then migrate.")
    for constraint in CONSTRAINTS:
        schema_editor.add_constraint(User, constraint)


def remove_constraints(apps, schema_editor):
    User = apps.get_model("auth", "User")
    for constraint in CONSTRAINTS:
        schema_editor.remove_constraint(User, constraint)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(add_constraints, remove_constraints)]
