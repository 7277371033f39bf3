"""``simulate calendly ...``: drive a running Calendly simulator from a terminal.

    simulate calendly host --name "Ada" --timezone Europe/London   (prints the API token)
    simulate calendly event-type ada "Intro call" --duration 30 [--group 5] [--redirect-url URL]
    simulate calendly cancel <invitee-uuid> [--by host|invitee] [--reason TEXT]
    simulate calendly reschedule <invitee-uuid> 2030-01-07T10:00:00Z [--order canceled_first|created_first]
    simulate calendly rate-limit 10 --window 60     (or: rate-limit off)
    simulate calendly state

Each command calls a control route under ``/_sim/calendly`` (see ``control.py``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulators.cli import Handler, Subparsers, add_client_options, control_client


def _show(args: argparse.Namespace, data: dict[str, Any], line: str) -> int:
    print(json.dumps(data, indent=2) if args.json else line)
    return 0


def _host(args: argparse.Namespace) -> int:
    body = {
        k: v
        for k, v in (
            ("name", args.name),
            ("email", args.email),
            ("timezone", args.timezone),
            ("slug", args.slug),
            ("token", args.token),
        )
        if v
    }
    data = control_client(args).request("POST", "/calendly/users", json=body)
    user = data["resource"]
    return _show(
        args,
        data,
        f"{user['name']} <{user['email']}>  {user['uri']}\n"
        f"scheduling page: {user['scheduling_url']}\ntoken: {data['token']}",
    )


def _event_type(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"user": args.user, "name": args.name, "duration": args.duration}
    if args.group:
        body |= {"kind": "group", "invitees_limit": args.group}
    if args.redirect_url:
        body["redirect_url"] = args.redirect_url
    data = control_client(args).request("POST", "/calendly/event_types", json=body)
    resource = data["resource"]
    return _show(args, data, f"{resource['name']}  {resource['uri']}\nscheduling page: {resource['scheduling_url']}")


def _cancel(args: argparse.Namespace) -> int:
    body = {"by": args.by, "reason": args.reason}
    data = control_client(args).request("POST", f"/calendly/invitees/{args.invitee}/cancel", json=body)
    return _show(args, data, f"canceled by {args.by}: {data['resource']['uri']}")


def _reschedule(args: argparse.Namespace) -> int:
    body = {"start_time": args.start_time, "order": args.order}
    data = control_client(args).request("POST", f"/calendly/invitees/{args.invitee}/reschedule", json=body)
    return _show(args, data, f"rescheduled: {data['old_invitee']['uri']}\n         -> {data['resource']['uri']}")


def _rate_limit(args: argparse.Namespace) -> int:
    limit = None if args.limit == "off" else {"limit": int(args.limit), "window_seconds": args.window}
    data = control_client(args).request("POST", "/calendly/config", json={"rate_limit": limit})
    return _show(
        args,
        data,
        "rate limit off"
        if limit is None
        else f"rate limit: {limit['limit']} requests per {limit['window_seconds']:g}s",
    )


def _state(args: argparse.Namespace) -> int:
    data = control_client(args).request("GET", "/calendly/state")
    print(json.dumps(data, indent=2))
    return 0


def _limit(text: str) -> str:
    if text != "off" and not text.isdigit():
        raise argparse.ArgumentTypeError("a number of requests, or off")
    return text


def register(subparsers: Subparsers) -> None:
    calendly = subparsers.add_parser("calendly", help="act on the Calendly simulator (hosts, cancels, reschedules)")
    commands = calendly.add_subparsers(dest="calendly_command", required=True, metavar="ACTION")

    def command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        add_client_options(parser)
        parser.set_defaults(handler=handler)
        return parser

    host = command("host", "create a host (user) and print its API token", _host)
    for option in ("--name", "--email", "--timezone", "--slug", "--token"):
        host.add_argument(option)
    event_type = command("event-type", "create an event type for a host", _event_type)
    event_type.add_argument("user", help="the host's slug, UUID or URI")
    event_type.add_argument("name")
    event_type.add_argument("--duration", type=int, default=30, help="minutes (default 30)")
    event_type.add_argument("--group", type=int, metavar="LIMIT", help="a group event with this invitee limit")
    event_type.add_argument("--redirect-url")
    cancel = command("cancel", "cancel an invitee's booking", _cancel)
    cancel.add_argument("invitee", help="invitee UUID")
    cancel.add_argument("--by", choices=("invitee", "host"), default="invitee")
    cancel.add_argument("--reason")
    reschedule = command("reschedule", "move an invitee to another time (two webhooks)", _reschedule)
    reschedule.add_argument("invitee", help="invitee UUID")
    reschedule.add_argument("start_time", help="new start, ISO-8601 with a zone")
    reschedule.add_argument(
        "--order", choices=("canceled_first", "created_first"), help="webhook order (default: chosen by the seed)"
    )
    rate = command("rate-limit", "limit API requests per window (429 beyond it)", _rate_limit)
    rate.add_argument("limit", type=_limit, help="requests per window, or off")
    rate.add_argument("--window", type=float, default=60.0, help="window in seconds (default 60)")
    command("state", "print the whole simulated account as JSON", _state)
