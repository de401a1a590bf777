"""The Reminders card on the Settings page."""

from __future__ import annotations

from django import forms

MAX_OFFSETS = 6
MAX_DAYS = 3650


class ReminderSettingForm(forms.Form):
    enabled = forms.BooleanField(
        required=False, label="Remind me before my passports and ID cards expire",
        help_text="By email, and on your vault's home page. The mail never says which document.",
    )
    offsets = forms.CharField(
        max_length=64, label="Days before the expiry date",
        help_text="Separated by commas; 0 is the day itself. For example 182, 30, 0.",
    )

    def clean_offsets(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["offsets"].split(",") if part.strip()]
        if not parts or len(parts) > MAX_OFFSETS or not all(part.isdigit() for part in parts):
            raise forms.ValidationError(f"Give 1 to {MAX_OFFSETS} whole numbers of days, separated by commas.")
        days = [int(part) for part in parts]
        if max(days) > MAX_DAYS:
            raise forms.ValidationError(f"At most {MAX_DAYS} days before.")
        return days
