"""Running Debian's `age` binary in tests. It reads passphrases from a terminal only,
so it runs on a pseudo-terminal and gets the passphrase at every prompt."""

from __future__ import annotations

import os
import pty
import shutil
from pathlib import Path

AGE = shutil.which("age") or "/usr/bin/age"


def age_run(args: list[str], passphrase: str) -> tuple[int, str]:
    """(exit status, what age printed on the terminal)."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        os.execv(AGE, [AGE, *args])
    said, seen = b"", b""
    while True:
        try:
            piece = os.read(fd, 1024)
        except OSError:
            break
        if not piece:
            break
        said, seen = said + piece, seen + piece
        if b"passphrase" in seen.lower() and seen.rstrip().endswith(b":"):
            os.write(fd, passphrase.encode() + b"\n")
            seen = b""
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), said.decode(errors="replace")


def age_decrypt_file(source: Path, target: Path, passphrase: str) -> tuple[int, str]:
    return age_run(["-d", "-o", str(target), str(source)], passphrase)


def age_encrypt_file(source: Path, target: Path, passphrase: str) -> tuple[int, str]:
    return age_run(["-p", "-o", str(target), str(source)], passphrase)
