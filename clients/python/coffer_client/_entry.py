"""The `coffer` command's entry point: says what to install when the CLI extra is missing."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import cli
    except ImportError as exc:
        if exc.name not in {"click", "rich"}:
            raise
        sys.stderr.write("The coffer command needs the CLI extra: pip install 'coffer-client[cli]'\n")
        sys.exit(2)
    cli()
