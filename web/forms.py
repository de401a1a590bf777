"""Forms for the pages. They only shape input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.scopes import (
    ALL_SCOPES,
    FILES_READ,
    FILES_WRITE,
    RECORDS_READ,
    RECORDS_WRITE,
    VAULT_MANAGE,
)
from coffer.errors import DomainError
from vault.models import RotationJob
from web.once import OnceField


def add_domain_error(form: forms.Form, exc: DomainError, *, field: str | None = None) -> None:
    """Shows a service's refusal next to the field it names, else above the form."""
    name = field or exc.field
    form.add_error(name if name in form.fields else None, exc.detail)


def _pin_input(**attrs) -> forms.PasswordInput:
    # "off": a password manager must not offer the account password here, nor save the PIN as one.
    return forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false", **attrs})


def _pin_field(label: str, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=256, strip=False, **kwargs)


class _NewPinMixin:
    """A new PIN typed twice."""

    new_pin_name = "new_pin"

    def clean(self):
        data = super().clean()
        first, second = data.get(self.new_pin_name), data.get(f"{self.new_pin_name}_confirm")
        if first and second is not None and first != second:
            self.add_error(f"{self.new_pin_name}_confirm", "The two PINs are not the same.")
        return data


# ---- the vault ----


class PinSetupForm(_NewPinMixin, forms.Form):
    new_pin_name = "pin"

    pin = _pin_field(
        "Choose a PIN",
        help_text="At least 6 digits that are not a simple pattern, or a passphrase of 10 characters or more.",
        widget=_pin_input(autofocus=True),
    )
    pin_confirm = _pin_field("Type it again", widget=_pin_input())


class RecoveryCodeSavedForm(forms.Form):
    """Proof that the code was kept: its last group typed back. The page carries only a
    keyed digest of that group (`check`), never the code, so the POST can tell."""

    last_group = forms.CharField(
        label="Type the last four characters of your code, as you wrote them down",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "class": "mono"}),
        error_messages={"required": "Type the last four characters of your recovery code."},
    )
    check = forms.CharField(widget=forms.HiddenInput, max_length=128)

    @staticmethod
    def digest(*, user_id: int, group: str) -> str:
        return salted_hmac("coffer.recovery-code-saved", f"{user_id}:{group.strip().upper()}",
                           algorithm="sha256").hexdigest()

    @classmethod
    def for_code(cls, *, user_id: int, recovery_code: str) -> RecoveryCodeSavedForm:
        return cls(initial={"check": cls.digest(user_id=user_id, group=recovery_code.rsplit("-", 1)[-1])})

    def matches(self, *, user_id: int) -> bool:
        typed = self.digest(user_id=user_id, group=self.cleaned_data["last_group"])
        return constant_time_compare(typed, self.cleaned_data["check"])


class UnlockForm(forms.Form):
    pin = _pin_field("PIN", widget=_pin_input(autofocus=True))


class NewRecoveryCodeForm(forms.Form):
    pin = _pin_field("Your PIN, to confirm it is you", widget=_pin_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="recovery_%s", **kwargs)  # the PIN form is on the same page


class ReauthorizeForm(forms.Form):
    password = forms.CharField(
        label="Account password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class RecoverForm(_NewPinMixin, forms.Form):
    recovery_code = forms.CharField(
        max_length=100,
        help_text="The code you wrote down when you set your PIN, such as ABCD-EFGH-…",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autofocus": True,
                "class": "mono",
                "autocapitalize": "characters",
            }
        ),
    )
    new_pin = _pin_field(
        "New PIN",
        help_text="At least 6 digits, or a passphrase of 10 characters or more.",
        widget=_pin_input(),
    )
    new_pin_confirm = _pin_field("Type the new PIN again", widget=_pin_input())


# ---- settings ----


class PinChangeForm(_NewPinMixin, forms.Form):
    pin = _pin_field("Current PIN", widget=_pin_input())
    new_pin = _pin_field(
        "New PIN",
        help_text="At least 6 digits, or a passphrase of 10 characters or more.",
        widget=_pin_input(),
    )
    new_pin_confirm = _pin_field("Type the new PIN again", widget=_pin_input())


class RotationStartForm(forms.Form):
    kind = forms.ChoiceField(choices=RotationJob.Kind.choices, widget=forms.HiddenInput)


SCOPE_CHOICES = [
    (RECORDS_READ, "Read records"),
    (RECORDS_WRITE, "Add and change records"),
    (FILES_READ, "Read documents"),
    (FILES_WRITE, "Upload and delete documents"),
    (VAULT_MANAGE, "Manage the vault (PIN, rotation)"),
]
assert {value for value, _ in SCOPE_CHOICES} == set(ALL_SCOPES)

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="Which app uses it, so you recognise it later.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        choices=SCOPE_CHOICES,
        initial=[RECORDS_READ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing the token may do."},
    )
    expires_in_days = forms.ChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, initial="90", required=False
    )
    once = OnceField()  # a reload after the token is shown does not make a second one


# ---- documents ----


class AttachForm(forms.Form):
    """Attach a document to one of the owner's records, or to none."""

    record = forms.ChoiceField(label="Attach to a record", required=False)

    def __init__(self, *args, record_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [("", "No record"), *record_choices]
        self.fields["record"].show_optional = False  # "No record" is a choice like the others


# ---- sharing ----

GRANT_DURATION_CHOICES = [("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


SHARE_LABEL = "__label__"  # not a field name: those are lower-case words


class GrantCreateForm(forms.Form):
    """Share chosen records, or only some of their fields, with an approved app.

    `apps` are approved App rows; `records` are (record id, label, kind, [(field, field label)]).
    One optional `fields_<record id>` group per record: no field ticked means every field.
    A record with a label has SHARE_LABEL as its group's first box: the label goes only if ticked.
    """

    app = forms.ChoiceField(label="App", error_messages={"required": "Choose an app."})
    records = forms.MultipleChoiceField(
        label="Records to share",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one record."},
    )
    expires_in_days = forms.ChoiceField(
        label="Access ends after",
        choices=GRANT_DURATION_CHOICES,
        initial="7",
        help_text="The app can fetch what you share until then, unless you revoke it sooner.",
    )

    def __init__(self, *args, apps=(), records=(), scans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app"].choices = [("", "Choose an app")] + [(str(a.pk), a.name) for a in apps]
        self.fields["records"].choices = [(record_id, label) for record_id, label, _, _ in records]
        self.record_fields, self.record_scans = [], []
        for record_id, label, _, field_choices in records:
            name = self.fields_name(record_id)
            self.fields[name] = forms.MultipleChoiceField(
                label=f"Fields of “{label}”",
                required=False,
                choices=field_choices,
                widget=forms.CheckboxSelectMultiple,
                help_text="Leave the fields unticked to share every field this record holds. "
                          "Its name is shared only if ticked.",
            )
            self.record_fields.append(name)
            if (scans or {}).get(record_id):
                name = self.scans_name(record_id)
                self.fields[name] = forms.MultipleChoiceField(
                    label=f"Scans of “{label}”",
                    required=False,
                    choices=scans[record_id],
                    widget=forms.CheckboxSelectMultiple,
                    help_text="Only the scans you tick are sent, each encrypted for this app alone.",
                )
                self.record_scans.append(name)
        # The per-record groups come after the fields above; the template lays them out.
        self.order_fields(["app", "records", *self.record_scans, *self.record_fields, "expires_in_days"])

    @staticmethod
    def fields_name(record_id) -> str:
        return f"fields_{record_id}"

    @staticmethod
    def scans_name(record_id) -> str:
        return f"scans_{record_id}"

    def record_field_groups(self):
        return [self[name] for name in self.record_fields]

    def record_scan_groups(self):
        return [self[name] for name in self.record_scans]

    def main_fields(self):
        return [self[name] for name in ("app", "records")]

    def clean(self):
        data = super().clean()
        chosen = set(data.get("records") or ())
        for name in self.record_fields:
            record_id = name.removeprefix("fields_")
            if data.get(name) and record_id not in chosen:
                self.add_error(name, "Tick this record above too, or untick its fields.")
        for name in self.record_scans:
            if data.get(name) and name.removeprefix("scans_") not in chosen:
                self.add_error(name, "Tick this record above too, or untick its scans.")
        return data

    def items(self) -> list[tuple[str, tuple[str, ...] | None, bool, tuple[str, ...]]]:
        """(record id, field names or None for all, share its name, scan roles), in the order listed."""
        data = self.cleaned_data
        chosen = set(data["records"])
        items = []
        for record_id, _ in self.fields["records"].choices:
            if record_id in chosen:
                ticked = data.get(self.fields_name(record_id)) or []
                fields = tuple(name for name in ticked if name != SHARE_LABEL) or None
                roles = tuple(data.get(self.scans_name(record_id)) or ())
                items.append((record_id, fields, SHARE_LABEL in ticked, roles))
        return items


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Account password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirmation = forms.CharField(
        label="Type your username to confirm",
        max_length=150,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}),
    )

    def __init__(self, *args, user, **kwargs):
        """The second-factor field only for accounts that have a second factor."""
        from allauth.mfa.utils import is_mfa_enabled

        super().__init__(*args, **kwargs)
        if not is_mfa_enabled(user):
            del self.fields["code"]
