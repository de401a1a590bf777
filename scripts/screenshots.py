#!/usr/bin/env python3
"""`make screenshots`: PNGs of the main pages, into docs/screenshots/.

Starts Coffer with the development settings on a throw-away SQLite database, blob
directory and keyring (cheap Argon2 test profile, Celery eager), fills a demo vault
the way a person would (through the pages, in Debian's Chromium, driven by
Playwright) and photographs each page. Nothing outside a temporary directory
and docs/screenshots/ is touched.
"""

from __future__ import annotations

import base64
import html
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("COFFER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--lang=en-GB",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--font-render-hinting=none",
]
VIEWPORT = {"width": 1280, "height": 820}
PHONE = {"width": 375, "height": 812}

USERNAME, PASSWORD, PIN = "erika", "a demo passphrase, not secret", "730194"
# A fixed, public demo keyring: these screenshots hold nothing worth protecting.
DEMO_SERVER_KEYS = "1:" + base64.b64encode(bytes(range(32))).decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coffer.settings.dev",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp / 'coffer.sqlite3'}",
        "COFFER_STORAGE": "fs",
        "COFFER_BLOB_ROOT": str(tmp / "blobs"),
        "COFFER_KDF_PROFILE": "test",
        "COFFER_SERVER_KEYS": DEMO_SERVER_KEYS,
        "COFFER_PIN_BACKOFF_BASE_SECONDS": "30",
        "PYTHONUNBUFFERED": "1",
    }


def _start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    env = _server_env(tmp)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "--skip-checks", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    with open(tmp / "server.log", "wb") as log:
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=1)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start; see " + str(tmp / "server.log"))


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    """docs/screenshots/<name>.png at the laptop's width, <name>-phone.png at the phone's."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if page.viewport_size["width"] < 600:
        name += "-phone"
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print(f"  docs/screenshots/{name}.png")


# ---- demo data ----


def _mrz_check(field: str) -> str:
    values = [0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55 for c in field]
    return str(sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10)


def demo_mrz(
    *, number="C01X00T47", surname="MUSTERMANN", given="ERIKA", birth="640812", expiry="340228"
) -> str:
    first = f"P<DEU{surname}<<{given}".ljust(44, "<")
    number_field = number.ljust(9, "<")
    second = (
        number_field
        + _mrz_check(number_field)
        + "DEU"
        + birth
        + _mrz_check(birth)
        + "F"
        + expiry
        + _mrz_check(expiry)
        + "<" * 14
        + "<"
    )
    composite = second[0:10] + second[13:20] + second[21:43]
    return f"{first}\n{second}{_mrz_check(composite)}"


SCAN_HTML = """<html><body style="margin:0;background:#e9e4d8;font-family:'Liberation Sans',sans-serif">
<div style="margin:28px;width:560px;height:360px;border-radius:18px;background:linear-gradient(135deg,#c9d8e8,#e8eef5);
box-shadow:0 2px 8px rgba(0,0,0,.2);position:relative;overflow:hidden">
<div style="background:#22407a;color:#fff;padding:14px 22px;font-weight:bold;letter-spacing:.08em">REISEPASS · PASSPORT · PASSEPORT</div>
<div style="position:absolute;left:26px;top:74px;width:130px;height:165px;background:#9fb0c4;border-radius:6px"></div>
<div style="position:absolute;left:180px;top:78px;font-size:14px;line-height:1.7;color:#1b2430">
<div>Name / Surname <b>MUSTERMANN</b></div><div>Vornamen / Given names <b>ERIKA</b></div>
<div>Geburtstag / Date of birth <b>12.08.1964</b></div><div>Gültig bis / Date of expiry <b>28.02.2034</b></div>
<div style="margin-top:10px;color:#6b7686">SPECIMEN</div></div>
<div style="position:absolute;left:0;right:0;bottom:0;background:#f4f1ea;padding:10px 22px;font:15px 'DejaVu Sans Mono',monospace;
letter-spacing:.06em;color:#222;white-space:pre">MRZ_LINES</div></div></body></html>"""

LETTER_HTML = (
    """<html><body style="font-family:'Liberation Serif',serif;padding:48px 64px;color:#222">
<h1 style="font-size:22px">Tenancy agreement</h1><p>Between <b>Erika Mustermann</b> and Example Lettings Ltd.</p>
<p>This specimen document shows how Coffer previews PDFs. It holds nothing real.</p>
<p>"""
    + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 30
    + "</p></body></html>"
    ""
)


def make_demo_files(browser, tmp: Path) -> tuple[Path, Path]:
    page = browser.new_page(viewport={"width": 616, "height": 416})
    page.set_content(SCAN_HTML.replace("MRZ_LINES", html.escape(demo_mrz())))
    scan = tmp / "passport-scan.png"
    page.screenshot(path=str(scan))
    page.set_content(LETTER_HTML)
    letter = tmp / "tenancy-agreement.pdf"
    page.pdf(path=str(letter), format="A4")
    page.close()
    return scan, letter


def api_post(page: Page, base: str, path: str, data: dict) -> dict:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        base + path, data=data, headers={"X-CSRFToken": token, "Referer": base + "/"}
    )
    assert response.ok, (path, response.status, response.text())
    return response.json()


def add_demo_records(page: Page, base: str) -> None:
    today = date.today()
    for kind, label, data in [
        (
            "id_card",
            "National ID card",
            {
                "document_number": "T22000129",
                "issuing_country": "DEU",
                "surname": "Mustermann",
                "given_names": "Erika",
                "date_of_birth": "1964-08-12",
                "date_of_issue": "2021-01-15",
                "date_of_expiry": "2031-01-14",
            },
        ),
        (
            "driver_licence",
            "Old driving licence",
            {
                "number": "B072RRE2I55",
                "country": "DEU",
                "categories": ["AM", "B", "BE"],
                "date_of_issue": "2009-05-04",
                "date_of_expiry": "2024-05-03",
                "surname": "Mustermann",
                "given_names": "Erika",
            },
        ),
        (
            "bank_card",
            "Everyday debit card",
            {
                "holder": "Erika Mustermann",
                "number": "4000056655665556",
                "expiry_month": 9,
                "expiry_year": today.year + 2,
                "cvv": "737",
            },
        ),
        (
            "bank_account",
            "Salary account",
            {
                "holder": "Erika Mustermann",
                "bank_name": "Musterbank",
                "iban": "DE89370400440532013000",
                "bic": "COBADEFFXXX",
            },
        ),
        (
            "note",
            "Wi-Fi at home",
            {
                "title": "Wi-Fi at home",
                "text": "Network: Mustermann-5G\nPassword: correct-horse-battery",
            },
        ),
    ]:
        api_post(page, base, "/api/v1/records/", {"kind": kind, "label": label, "data": data})


# ---- the tour ----


def tour(page: Page, base: str, scan: Path, letter: Path, *, email: str) -> None:
    page.goto(base + "/accounts/signup/")
    shoot(page, "01-sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up", exact=True).click()

    page.get_by_label("Choose a PIN").fill(PIN)
    page.get_by_label("Type it again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    shoot(page, "02-recovery-code")
    code = page.locator("#recovery-code").inner_text()
    page.get_by_label("Type the last four characters of your code").fill(code.rsplit("-", 1)[-1])
    page.get_by_role("button", name="Continue").click()

    shoot(page, "03-unlock")
    page.get_by_label("PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    shoot(page, "04-vault-empty")

    page.get_by_role("link", name="Passport").first.click()
    form = {
        "Label": "My passport",
        "Passport number": "C01X00T47",
        "Surname": "Mustermann",
        "Given names": "Erika",
        "Date of birth": "1964-08-12",
        "Date of issue": "2024-03-01",
        "Expiry date": "2034-02-28",
    }
    for label, value in form.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Issuing country").select_option("DEU")
    page.get_by_label("Nationality").select_option("DEU")
    page.get_by_label("Sex").select_option("F")
    mrz = demo_mrz()
    page.get_by_label("Machine-readable zone (MRZ)").fill(
        mrz[:-1] + ("0" if mrz[-1] != "0" else "1")
    )
    page.get_by_role("button", name="Save passport").click()
    shoot(page, "05-passport-form-error", full_page=True)
    page.get_by_label("Machine-readable zone (MRZ)").fill(mrz)
    page.get_by_role("button", name="Save passport").click()
    page.get_by_role("button", name="Reveal").first.click()
    page.wait_for_selector(".is-revealed")
    shoot(page, "06-record-detail")

    add_demo_records(page, base)

    page.goto(base + "/documents/")
    if page.request.get(base + "/api/v1/files/").status != 404:
        page.locator("[data-upload] input[type=file]").set_input_files([str(scan), str(letter)])
        page.wait_for_selector(".upload-row.is-done >> nth=1", timeout=30000)
        shoot(page, "07-upload")
        page.goto(base + "/documents/")
        shoot(page, "08-documents")
        page.get_by_role("link", name="passport-scan.png").first.click()
        page.get_by_label("Attach to a record").select_option(label="My passport")
        page.get_by_role("button", name="Attach").click()
        shoot(page, "09-document-preview")

    page.goto(base + "/")
    shoot(page, "10-vault", full_page=True)
    page.emulate_media(color_scheme="dark")
    shoot(page, "10-vault-dark", full_page=True)
    page.emulate_media(color_scheme="light")

    page.goto(base + "/settings/")
    page.get_by_role("button", name="Re-encrypt everything").click()
    page.get_by_role("button", name="Start re-encrypting").click()
    page.get_by_label("Token name").fill("Budget app")
    page.get_by_label("Read documents").check()
    page.get_by_role("button", name="Create token").click()
    shoot(page, "11-settings", full_page=True)

    page.goto(base + "/activity/")
    shoot(page, "12-activity")

    page.get_by_role("button", name="Lock").click()
    for _ in range(5):
        page.get_by_label("PIN").fill("000000")
        page.get_by_role("button", name="Unlock").click()
    shoot(page, "13-unlock-backoff")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coffer-screenshots-") as name:
        tmp = Path(name)
        server, base = _start_server(tmp)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    headless=True,
                    env={**os.environ, "LANGUAGE": "en_GB", "LANG": "en_GB.UTF-8"},
                )
                scan, letter = make_demo_files(browser, tmp)
                for viewport, email in [(VIEWPORT, "erika@example.com"), (PHONE, "erika.phone@example.com")]:
                    context = browser.new_context(
                        viewport=viewport,
                        device_scale_factor=1,
                        locale="en-GB",
                        timezone_id="Europe/Berlin",
                    )
                    page = context.new_page()
                    page.set_default_timeout(15000)
                    try:
                        tour(page, base, scan, letter, email=email)
                    except Exception:
                        failure = Path(tempfile.gettempdir()) / "coffer-screenshots-failure.png"
                        page.screenshot(path=str(failure), full_page=True)
                        print(
                            f"The tour failed at {page.url}; the page is in {failure}. Server log:",
                            file=sys.stderr,
                        )
                        print((tmp / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                        raise
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Screenshots are in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
