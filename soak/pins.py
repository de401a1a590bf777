"""Unlocks, PIN changes and recoveries for one client, under the vault's secret lock.

When an answer is lost (the web server was killed), the outcome is found out before
anyone else may unlock:

- PIN change old -> new: unlock with `new`; if refused, with `old`. At most one wrong
  PIN is spent, and the right one clears the count.
- Recovery with code C and new PIN P: send the recovery again, with the same C and a
  fresh PIN. A 200 means no earlier attempt took effect (C still worked). A 403
  `invalid_recovery_code` means one did: C is spent, and the new code it issued was in
  the lost answer. The PIN that attempt set is found by unlocking with each PIN sent,
  newest first. The vault then opens with that PIN, but no recovery code is known any
  more: an "unknown outcome", not lost data. The vault does no further recoveries, and
  its final check runs with the PIN only.
"""

from __future__ import annotations

import random
import time

from .api import RESOLVE_SECONDS, Api, Lost, Tally, Unresolved, error_code
from .state import VaultState, new_pin

UNLOCK = "/api/v1/vault/unlock"
NOTED_STALE_SESSIONS = 3


class PinKeeper:
    def __init__(self, vault: VaultState, api: Api, tally: Tally, rng: random.Random):
        self.vault, self.api, self.tally, self.rng = vault, api, tally, rng
        self.session_epoch = 0

    # ---- unlocking ----

    def unlock_current(self) -> None:
        with self.vault.secret_lock.shared():
            if not self.unlock_with(self.vault.pin):
                self.tally.note(f"{self.vault.username}: the current PIN was refused")
                raise Unresolved("current PIN refused")

    def unlock_with(self, pin: str) -> bool:
        """Opens a session with `pin`: True, or False if the PIN was refused. Waits out
        busy answers and dead servers."""
        deadline = time.monotonic() + RESOLVE_SECONDS
        while time.monotonic() < deadline:
            try:
                response = self.api.call("POST", UNLOCK, unlocked=False, json={"pin": pin})
            except Lost:
                time.sleep(0.3)
                continue
            code = error_code(response)
            if response.status_code == 200:
                self.api.unlock_secret = response.json()["unlock_secret"]
                self.session_epoch = self.vault.epoch  # callers hold the secret lock: it cannot move
                return True
            if code == "wrong_pin":
                self.tally.count("wrong_pin_probes")
                return False
            if code in ("unlock_busy", "pin_backoff") or response.status_code >= 500:
                time.sleep(0.5 if code != "pin_backoff" else float(response.headers.get("Retry-After", "1")))
                continue
            self.tally.note(f"unlock: unexpected {response.status_code} {code}")
            return False
        raise Unresolved("unlock")

    def check_session_ended(self, started: float, epoch: int, what: str) -> None:
        """A request sent with a session older than a confirmed PIN change or recovery,
        and sent after it was confirmed, should have been refused (423)."""
        if epoch < self.vault.epoch and started > self.vault.epoch_changed_at:
            self.tally.count("sessions_outliving_secret")
            if self.tally.counts["sessions_outliving_secret"] <= NOTED_STALE_SESSIONS:
                self.tally.note(f"{self.vault.username}: a session served {what} after its PIN was replaced")

    def _confirmed(self, *, pin: str, own_session_ends: bool) -> None:
        self.vault.pin = pin
        self.vault.epoch += 1
        self.vault.epoch_changed_at = time.monotonic()
        if own_session_ends:
            self.api.unlock_secret = None
        self.session_epoch = self.vault.epoch

    # ---- PIN change ----

    def change_pin(self) -> None:
        with self.vault.secret_lock.exclusive():
            old, new = self.vault.pin, new_pin(self.rng)
            for _ in range(4):
                if self.api.unlock_secret is None and not self.unlock_with(old):
                    self.tally.note(f"{self.vault.username}: the current PIN was refused")
                    return
                try:
                    response = self.api.call("POST", "/api/v1/vault/pin", json={"pin": old, "new_pin": new})
                except Lost:
                    return self._resolve_pin_change(old, new)
                code = error_code(response)
                if response.status_code == 204:
                    self._confirmed(pin=new, own_session_ends=False)  # the caller's session carries over
                    self.tally.count("pin_changes")
                    return
                if response.status_code == 423 and code == "vault_locked":
                    self.api.unlock_secret = None
                    continue
                if code in ("unlock_busy", "pin_backoff"):
                    time.sleep(1)
                    continue
                if response.status_code >= 500:
                    return self._resolve_pin_change(old, new)
                if response.status_code == 409:
                    self.tally.count(f"pin_change_409_{code}")
                    return
                self.tally.note(f"PIN change: unexpected {response.status_code} {code}")
                return

    def _resolve_pin_change(self, old: str, new: str) -> None:
        self.tally.count("pin_changes_unanswered")
        if self.unlock_with(new):
            self._confirmed(pin=new, own_session_ends=False)
            self.tally.count("pin_changes")
            return
        if self.unlock_with(old):
            return
        self.tally.note(f"{self.vault.username}: after a PIN change whose answer was lost, neither PIN opens the vault")
        self._recover()

    # ---- recovery ----

    def recover(self) -> bool:
        with self.vault.secret_lock.exclusive():
            if self.vault.recovery_code is None:
                return False
            self._recover()
            return True

    def _recover(self) -> None:
        code = self.vault.recovery_code
        if code is None:
            return
        sent: list[str] = []
        deadline = time.monotonic() + RESOLVE_SECONDS
        while time.monotonic() < deadline:
            pin = new_pin(self.rng)
            sent.append(pin)
            try:
                response = self.api.call("POST", "/api/v1/vault/recover", unlocked=False,
                                         json={"recovery_code": code, "new_pin": pin})
            except Lost:
                self.tally.count("recoveries_unanswered")
                time.sleep(0.3)
                continue
            answer = error_code(response)
            if response.status_code == 200:
                self.vault.recovery_code = response.json()["recovery_code"]
                self._confirmed(pin=pin, own_session_ends=True)
                self.tally.count("recoveries")
                return
            if answer in ("unlock_busy", "pin_backoff") or response.status_code >= 500:
                time.sleep(0.5)
                continue
            if response.status_code == 403 and answer == "invalid_recovery_code" and len(sent) > 1:
                return self._after_lost_recovery(sent[:-1])
            self.tally.note(f"recovery: unexpected {response.status_code} {answer}")
            return
        raise Unresolved("recovery")

    def _after_lost_recovery(self, sent: list[str]) -> None:
        """An earlier attempt took effect; its answer, with the new code, was lost."""
        for pin in reversed(sent):
            if self.unlock_with(pin):
                self.vault.recovery_code = None
                self.vault.recovery_code_unknown = True
                self._confirmed(pin=pin, own_session_ends=False)
                self.tally.count("unknown_outcomes")
                return
        self.tally.note(f"{self.vault.username}: after a recovery whose answer was lost, no PIN sent opens the vault")
