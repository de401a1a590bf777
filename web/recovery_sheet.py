"""The recovery sheet: a one-page PDF with the recovery code, made in the response that
shows the code (the code is never kept: not in the session, a cookie, a file or a URL).

It says whose code it is, for which server, when it was made, and what to do with it.
DejaVu Sans (Debian's fonts-dejavu-core) draws any username; without it, the PDF core
fonts draw Latin-1 and anything else shows as "?".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

STEPS = (
    "Keep this sheet somewhere safe and apart from your PIN: a drawer at home, a safe, with your passport.",
    "If you forget your PIN, open Coffer, choose \"Unlock\", then \"Use your recovery code\", type this code "
    "and choose a new PIN. Nothing in your vault is lost.",
    "Once used, this code stops working and Coffer shows you a new one. Print a new sheet then and destroy this one.",
    "Nobody from Coffer will ever ask you for this code.",
)


def _fonts(pdf: FPDF) -> tuple[str, str]:
    if (DEJAVU / "DejaVuSans.ttf").exists() and (DEJAVU / "DejaVuSansMono.ttf").exists():
        pdf.add_font("Sans", "", str(DEJAVU / "DejaVuSans.ttf"))
        pdf.add_font("Sans", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
        pdf.add_font("Mono", "", str(DEJAVU / "DejaVuSansMono.ttf"))
        return "Sans", "Mono"
    return "Helvetica", "Courier"


def _text(font: str, value: str) -> str:
    if font == "Sans":
        return value
    return value.encode("latin-1", "replace").decode("latin-1")


def recovery_sheet_pdf(*, recovery_code: str, username: str, server: str, made_on: date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("Coffer recovery sheet")
    pdf.set_creation_date(datetime.combine(made_on, time(), tzinfo=UTC))  # the day, not the second
    sans, mono = _fonts(pdf)
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font(sans, "B", 20)
    pdf.cell(0, 12, "Coffer recovery sheet", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(sans, "", 11)
    for label, value in (("Account", username), ("Server", server), ("Made on", made_on.isoformat())):
        pdf.cell(30, 7, label)
        pdf.cell(0, 7, _text(sans, value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(sans, "B", 11)
    pdf.cell(0, 7, "Recovery code", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(mono, "", 18)
    groups = recovery_code.split("-")
    for line in ("-".join(groups[:4]), "-".join(groups[4:])):
        pdf.cell(0, 11, line, border=0, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(sans, "", 11)
    for number, step in enumerate(STEPS, 1):
        pdf.multi_cell(0, 6, _text(sans, f"{number}. {step}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
