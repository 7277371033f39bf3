"""``simulate sendgrid ...``: read captured mail and inject faults from a terminal.

    simulate sendgrid inbox [--to ADDRESS] [--template-id d-...] [--subject TEXT]
    simulate sendgrid show <message-entry-id>
    simulate sendgrid clear
    simulate sendgrid fault 429 [--count N]      (also 500, 503)
    simulate sendgrid fault down [--status 503]  (until `fault clear`)
    simulate sendgrid fault clear
    simulate sendgrid public-key

Each command calls a control route under ``/_sim/sendgrid`` (see ``control.py``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from simulators.cli import Handler, Subparsers, add_client_options, control_client


def _when(virtual_time: float) -> str:
    return datetime.fromtimestamp(virtual_time, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _entry_line(entry: dict[str, Any]) -> str:
    missing = f"  missing: {', '.join(entry['missing_variables'])}" if entry["missing_variables"] else ""
    return (
        f"{_when(entry['virtual_time'])}  {entry['id']}  {entry['status']:<9} {entry['to']:<32} "
        f"{entry['subject']}{missing}"
    )


def _inbox(args: argparse.Namespace) -> int:
    params = {
        key: value
        for key, value in (("to", args.to), ("template_id", args.template_id), ("subject_contains", args.subject))
        if value
    }
    data = control_client(args).request("GET", "/sendgrid/messages", params=params)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print("\n".join(_entry_line(entry) for entry in data["messages"]) or "no mail captured")
    return 0


def _show(args: argparse.Namespace) -> int:
    data = control_client(args).request("GET", f"/sendgrid/messages/{args.entry_id}")
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(
            f"To: {data['to']}\nFrom: {data['from_email']}\nSubject: {data['subject']}\n"
            f"Status: {data['status']}\nMissing variables: {', '.join(data['missing_variables']) or 'none'}\n\n"
            f"{data['text']}"
        )
    return 0


def _clear(args: argparse.Namespace) -> int:
    control_client(args).request("DELETE", "/sendgrid/messages")
    print("inbox cleared")
    return 0


def _fault(args: argparse.Namespace) -> int:
    client = control_client(args)
    if args.kind == "clear":
        client.request("DELETE", "/sendgrid/faults")
        print("faults cleared")
        return 0
    if args.kind == "down":
        body: dict[str, Any] = {"status": args.status, "down": True}
    else:
        body = {"status": int(args.kind), "count": args.count}
    data = client.request("POST", "/sendgrid/faults", json=body)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        scope = "until cleared" if body.get("down") else f"next {body['count']} request(s)"
        print(f"SendGrid API answers {body['status']} for the {scope}")
    return 0


def _public_key(args: argparse.Namespace) -> int:
    data = control_client(args).request("GET", "/sendgrid/event_webhook/public_key")
    print(json.dumps(data, indent=2) if args.json else data["public_key"])
    return 0


def register(subparsers: Subparsers) -> None:
    sendgrid = subparsers.add_parser(
        "sendgrid", help="read captured mail and inject faults into the SendGrid simulator"
    )
    commands = sendgrid.add_subparsers(dest="sendgrid_command", required=True, metavar="ACTION")

    def command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        add_client_options(parser)
        parser.set_defaults(handler=handler)
        return parser

    inbox = command("inbox", "list captured mail (one line per recipient)", _inbox)
    inbox.add_argument("--to", help="only mail to this address")
    inbox.add_argument("--template-id")
    inbox.add_argument("--subject", help="only subjects containing this text")
    command("show", "print one captured mail", _show).add_argument("entry_id")
    command("clear", "empty the inbox", _clear)
    fault = command("fault", "make the API fail: 429/500/503 for N requests, down until cleared, or clear", _fault)
    fault.add_argument("kind", choices=("429", "500", "503", "down", "clear"))
    fault.add_argument("--count", type=int, default=1, help="how many requests fail (default 1)")
    fault.add_argument("--status", type=int, choices=(500, 503), default=503, help="status while down (default 503)")
    command("public-key", "print the Event Webhook verification key (base64 DER)", _public_key)
