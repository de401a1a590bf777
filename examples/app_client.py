#!/usr/bin/env python3
"""An example Coffer app, on the coffer-client package (pip install ./clients/python).

The signed requests, the unsealing of grants and the signature checks are the package's
(docs/sharing.md, docs/attestations.md); this is only what an app adds around them:

    python examples/app_client.py register --server URL --state app.json \\
        --name "Demo app" --callback https://demo.example/callback
    python examples/app_client.py status --server URL --state app.json
    python examples/app_client.py grants --server URL --state app.json [--scans-dir DIR]
    python examples/app_client.py report --server URL --state app.json --grant ID --record ID \
        [--field NAME | --scan-role ROLE] --message "The selfie is blurry."
    python examples/app_client.py corrections --server URL --state app.json --grant ID
    python examples/app_client.py verify-attestation --server URL --key-handle HANDLE attestation.json
    python examples/app_client.py verify-attestation --public-key BASE64 attestation.json   (offline)

`grants` prints, as JSON, exactly the fields each live grant shares, once unsealed and
checked against the user's signature. With --scans-dir it also downloads every shared
scan, decrypts it and checks it against the SHA-256 the user signed, before writing it.
`report` asks the user to fix a field, a scan or a whole record the app received, and
`corrections` shows whether they did. The `coffer app ...` commands do the same.

Exit status: 0 when everything verified, 1 when anything failed verification (nothing
unverified is printed), 2 for usage or HTTP errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import httpx

from coffer_client import (
    ApiError,
    AppClient,
    AppKeys,
    VerificationError,
    verify_attestation_by_handle,
    verify_attestation_offline,
)


def run(args: argparse.Namespace) -> Any:
    if args.command == "register":
        keys = AppKeys.generate()
        with AppClient(args.server, keys) as app:
            registered = app.register(name=args.name, callback_url=args.callback)
        keys.save(args.state)  # the private keys and the app id, mode 0600
        return {"app_id": registered["id"], "state": registered["state"]}
    if args.command == "verify-attestation":
        with open(args.attestation, encoding="utf-8") if args.attestation != "-" else sys.stdin as file:
            signed = json.load(file)
        if args.public_key:
            verified = verify_attestation_offline(signed, public_key=args.public_key)
        else:
            verified = verify_attestation_by_handle(args.server, signed, handle=args.key_handle)
        return {"verified": True, "attestation": {"version": 1, **verified.__dict__}}
    with AppClient(args.server, AppKeys.load(args.state)) as app:
        if args.command == "status":
            return app.me()
        if args.command == "report":
            return app.report_correction(args.grant, args.record, field=args.field, scan_role=args.scan_role,
                                         message=args.message)
        if args.command == "corrections":
            return {"corrections": app.corrections(args.grant)}
        grants = app.grants()
        shown = []
        for g in grants:
            records = [record.as_json() for record in g.records]
            if args.scans_dir:
                for record, shown_record in zip(g.records, records):
                    for scan, shown_scan in zip(record.scans, shown_record["scans"]):
                        path = app.download_scan(g, scan, f"{args.scans_dir}/{scan.id}")
                        shown_scan["path"], shown_scan["verified"] = str(path), True
            shown.append({"grant_id": g.grant_id, "user_id": g.user_id, "expires_at": g.expires_at,
                          "records": records})
        return {"grants": shown}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register", help="generate keys and register the app")
    register.add_argument("--name", required=True)
    register.add_argument("--callback", required=True)
    status = commands.add_parser("status", help="show the app's registration and approval state")
    grants = commands.add_parser("grants", help="fetch, unseal and verify the app's live grants")
    grants.add_argument("--scans-dir", help="download, decrypt and verify every shared scan into this folder")
    report = commands.add_parser("report", help="ask the user to fix something in a record the app received")
    report.add_argument("--grant", required=True)
    report.add_argument("--record", required=True)
    about = report.add_mutually_exclusive_group()
    about.add_argument("--field", help="a field the grant shares")
    about.add_argument("--scan-role", help="a scan role the grant shares (front, back, selfie, ...)")
    report.add_argument("--message", required=True, help="what to fix, 1 to 300 characters")
    corrections = commands.add_parser("corrections", help="the app's corrections on a grant: open or resolved")
    corrections.add_argument("--grant", required=True)
    for command in (register, status, grants, report, corrections):
        command.add_argument("--server", required=True)
        command.add_argument("--state", required=True, help="JSON file holding the app's id and private keys")
    verify = commands.add_parser("verify-attestation")
    verify.add_argument("attestation", help="file with the JSON that POST /api/v1/attestations/ returned, or -")
    verify.add_argument("--server")
    verify.add_argument("--key-handle", help="the key handle the user gave you, with --server")
    verify.add_argument("--public-key", help="the user's Ed25519 key (base64), to verify offline")
    args = parser.parse_args(argv)
    if args.command == "verify-attestation" and not ((args.server and args.key_handle) or args.public_key):
        parser.error("verify-attestation needs --server with --key-handle, or --public-key")
    try:
        result = run(args)
    except VerificationError as exc:
        print(f"verification failed: {exc}", file=sys.stderr)
        return 1
    except (ApiError, httpx.TransportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
