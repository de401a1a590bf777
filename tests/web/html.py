"""Reading rendered pages in tests: forms, labels, inline code, with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

FORM_CONTROLS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(
            tag, {name: value or "" for name, value in attrs}, parents=[e.tag for e in self.stack]
        )
        self.elements.append(element)
        if tag not in {
            "input",
            "meta",
            "link",
            "br",
            "img",
            "hr",
            "source",
            "use",
            "path",
            "circle",
            "rect",
        }:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text += data


DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class Page:
    def __init__(self, content: bytes | str):
        self.html = content.decode() if isinstance(content, bytes) else content
        parser = _Collector()
        parser.feed(self.html)
        self.elements = parser.elements

    def find_all(self, tag: str, **attrs) -> list[Element]:
        return [
            element
            for element in self.elements
            if element.tag == tag
            and all(element.attrs.get(name.rstrip("_")) == value for name, value in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element | None:
        return next(
            (element for element in self.elements if element.attrs.get("id") == element_id), None
        )

    def inline_scripts(self) -> list[Element]:
        """Inline scripts a browser would run: a `<script type="application/json">` data block
        (allauth passes its WebAuthn options so) is never executed."""
        return [
            element for element in self.find_all("script")
            if "src" not in element.attrs and element.attrs.get("type", "").lower() not in DATA_SCRIPT_TYPES
        ]

    def inline_styles(self) -> list[Element]:
        return [
            element
            for element in self.elements
            if "style" in element.attrs or element.tag == "style"
        ]

    def event_handler_attributes(self) -> list[tuple[str, str]]:
        return [
            (element.tag, name)
            for element in self.elements
            for name in element.attrs
            if name.startswith("on")
        ]

    def post_forms_without_csrf(self) -> list[Element]:
        """POST forms whose body holds no CSRF token (checked by scanning the markup between tags)."""
        missing = []
        chunks = self.html.split("<form")[1:]
        for chunk in chunks:
            body = chunk.split("</form>")[0]
            head = body.split(">")[0].lower()
            if 'method="post"' in head and 'name="csrfmiddlewaretoken"' not in body:
                missing.append(head)
        return missing

    def unlabelled_controls(self) -> list[Element]:
        labelled = {element.attrs.get("for") for element in self.find_all("label")}
        found = []
        for element in self.elements:
            if element.tag not in FORM_CONTROLS or element.attrs.get("type") in UNLABELLED_TYPES:
                continue
            if (
                element.attrs.get("id") in labelled
                or element.attrs.get("aria-label")
                or "label" in element.parents
            ):
                continue
            found.append(element)
        return found

    def described_by(self, control_id: str) -> list[str]:
        """The texts that a control's aria-describedby points to."""
        control = self.by_id(control_id)
        assert control is not None, f"no element #{control_id}"
        ids = control.attrs.get("aria-describedby", "").split()
        return [" ".join(self.by_id(i).text.split()) for i in ids if self.by_id(i) is not None]

    def text(self) -> str:
        body = next((element for element in self.elements if element.tag == "body"), None)
        return " ".join((body.text if body else self.html).split())
