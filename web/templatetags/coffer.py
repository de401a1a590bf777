"""Template helpers: inputs tied to their help and error text, and a few formats."""

from __future__ import annotations

from django import template

register = template.Library()


def help_id(field) -> str:
    return f"{field.auto_id}_helptext"


def error_id(field) -> str:
    return f"{field.auto_id}_error"


@register.simple_tag
def widget(field, **attrs):
    """The field's input, described by its help text and its errors (aria-describedby)."""
    described_by = []
    if field.help_text:
        described_by.append(help_id(field))
    if field.errors:
        described_by.append(error_id(field))
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    css = " ".join(filter(None, [field.field.widget.attrs.get("class"), attrs.pop("class", None)]))
    if css:
        attrs["class"] = css
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field) -> bool:
    """One checkbox; a group of them (CheckboxSelectMultiple, also input_type "checkbox")
    is `is_multiple_checkbox`: a fieldset with a label per box."""
    widget = field.field.widget
    return getattr(widget, "input_type", None) == "checkbox" and not getattr(widget, "allow_multiple_selected", False)


@register.filter
def is_multiple_checkbox(field) -> bool:
    return field.field.widget.__class__.__name__ == "CheckboxSelectMultiple"


@register.filter
def filesize(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover


@register.filter
def minutes_seconds(seconds: int | None) -> str:
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the sprite; decorative unless it has a label."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    href = f"{static('img/icons.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href
        )
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href
    )


@register.filter
def fields_with_errors(form) -> list:
    return [field for field in form.visible_fields() if field.errors]
