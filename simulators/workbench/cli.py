"""``simulate listen | trigger | resend | inject | record | replay``: the workbench from a terminal.

simulate listen --forward-to URL [--provider stripe|calendly|sendgrid|all] [--secret S] [--events a,b] [--no-follow]
simulate trigger PROVIDER EVENT [--set path=value ...] [--plan JSON]
simulate resend DELIVERY_OR_EVENT_ID [--to URL]
simulate inject PROVIDER --file payload.json [--to URL] [--plan JSON]
simulate record FILE [--provider P]
simulate replay FILE [--to URL] [--plan JSON]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulators.cli import (
    ControlError,
    Subparsers,
    add_client_options,
    control_client,
    simulator_url,
    stop_on_interrupt_or_terminate,
)
from simulators.workbench import WORKBENCH_PROVIDERS, provider_workbench

FOLLOW_WAIT = 10.0  # seconds one long poll of the journal may wait


def _time(virtual_at: float) -> str:
    return datetime.fromtimestamp(virtual_at, UTC).strftime("%H:%M:%S")


def delivery_line(row: dict[str, Any]) -> str:
    """One attempt as ``listen`` prints it: time, provider, type, id, attempt, status, latency."""
    status = str(row["response_status"]) if row["response_status"] is not None else f"ERR {row['error']}"
    return (
        f"{_time(row['virtual_at'])}  {row['provider']:<9} {row['event_type']:<34} "
        f"{row['event_id'] or row['delivery_id']}  #{row['attempt_no']}  {status}  {row['latency_ms']:.0f}ms"
        + ("" if row["kind"] == "original" else f"  ({row['kind']})")
    )


def _summary_lines(deliveries: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {d['id']}  {d['provider']:<9} {d['event_type']:<34} {d['event_id'] or '-'}  "
        f"{d['kind']:<9} -> {d['endpoint']}"
        for d in deliveries
    ]


def _plan_argument(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise ControlError(f"the plan is not valid JSON: {exc}") from None
    if not isinstance(plan, dict):
        raise ControlError("the plan must be a JSON object, e.g. '{\"duplicate\": 1}'")
    return plan


def _listen(args: argparse.Namespace) -> int:
    client = control_client(args)
    providers = list(WORKBENCH_PROVIDERS) if args.provider == "all" else [args.provider]
    body: dict[str, Any] = {"forward_to": args.forward_to, "providers": providers}
    if args.secret:
        body["secret"] = args.secret
    if args.events:
        body["events"] = [e.strip() for e in args.events.split(",") if e.strip()]
    start = client.request("GET", "/attempts", params={"from": "now"})["next"]
    data = client.request("POST", "/listen", json=body)
    if args.json:
        print(json.dumps(data, indent=2), flush=True)
    else:
        print(f"Forwarding to {args.forward_to} (simulator {simulator_url(args)[0]})")
        for endpoint in data["endpoints"]:
            verb = "registered" if endpoint["created"] else "updated"
            key = endpoint.get("secret") or endpoint.get("public_key")
            label = {"stripe": "signing secret", "calendly": "signing key", "sendgrid": "verification key"}
            print(f"  {endpoint['provider']:<9} {verb} {endpoint['id']}")
            print(f"            {label[endpoint['provider']]}: {key}")
            print(f"            events: {', '.join(endpoint['events'])}")
            if endpoint.get("note"):
                print(f"            note: {endpoint['note']}")
    if args.no_follow:
        return 0
    stop_on_interrupt_or_terminate()
    print("Ready. Each delivery is one line (Ctrl-C to stop):", flush=True)
    cursor = start
    try:
        while True:
            answer = client.request("GET", "/attempts", params={"after": cursor, "wait": FOLLOW_WAIT})
            cursor = answer["next"]
            for row in answer["attempts"]:
                if row["endpoint"] == args.forward_to:
                    print(delivery_line(row), flush=True)
    except KeyboardInterrupt:
        return 0


def _overrides(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        path, sep, value = pair.partition("=")
        if not sep or not path:
            raise ControlError(f"--set takes path=value, got {pair!r}")
        found[path] = value
    return found


def _trigger(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"provider": args.provider, "event": args.event, "set": _overrides(args.set)}
    plan = _plan_argument(args.plan)
    if plan is not None:
        body["plan"] = plan
    data = control_client(args).request("POST", "/trigger", json=body)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    objects = ", ".join(f"{kind}={value}" for kind, value in data["objects"].items())
    print(f"triggered {data['provider']} {data['trigger']}: {objects}")
    print("\n".join(_summary_lines(data["deliveries"])) or "  no endpoint is subscribed: nothing was sent")
    return 0


def _resend(args: argparse.Namespace) -> int:
    data = control_client(args).request("POST", f"/deliveries/{args.ref}/resend", json={"to": args.to})
    print(json.dumps(data, indent=2) if args.json else "\n".join(["resent:", *_summary_lines(data["deliveries"])]))
    return 0


def _inject(args: argparse.Namespace) -> int:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise ControlError(f"cannot read {args.file}: {exc}") from None
    body: dict[str, Any] = {"provider": args.provider, "body": text, "to": args.to}
    plan = _plan_argument(args.plan)
    if plan is not None:
        body["plan"] = plan
    data = control_client(args).request("POST", "/inject", json=body)
    print(json.dumps(data, indent=2) if args.json else "\n".join(["injected:", *_summary_lines(data["deliveries"])]))
    return 0


def _record(args: argparse.Namespace) -> int:
    params = {"provider": args.provider} if args.provider else {}
    data = control_client(args).request("GET", "/deliveries", params=params)
    attempts: dict[str, list[dict[str, Any]]] = {}
    for row in data["attempts"]:
        attempts.setdefault(row["delivery_id"], []).append(row)
    records = [record(d, attempts[d["id"]]) for d in data["deliveries"] if d["id"] in attempts]
    records.sort(key=lambda r: (r["virtual_at"], r["order"]))
    with open(args.file, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in records)
    print(f"recorded {len(records)} deliveries ({sum(len(r['attempts']) for r in records)} attempts) to {args.file}")
    return 0


def record(delivery: dict[str, Any], attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """One delivery as a line of a recording: what was sent, when on the virtual clock, with which faults."""
    first = attempts[0]
    return {
        "delivery_id": delivery["id"],
        "provider": delivery["provider"],
        "endpoint": delivery["endpoint"],
        "event_type": delivery["event_type"],
        "event_id": delivery["event_id"],
        "kind": delivery["kind"],
        "order": delivery["sequence"],
        "virtual_at": first["virtual_at"],
        "plan": {k: v for k, v in delivery["plan"].items() if v not in (0, False, None, [])},
        "request_headers": first["request_headers"],
        "body": delivery["body"],
        "attempts": [
            {
                "attempt_no": a["attempt_no"],
                "virtual_at": a["virtual_at"],
                "response_status": a["response_status"],
                "error": a["error"],
                "latency_ms": a["latency_ms"],
            }
            for a in attempts
        ],
    }


def _replay(args: argparse.Namespace) -> int:
    try:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ControlError(f"cannot read the recording {args.file}: {exc}") from None
    body: dict[str, Any] = {"records": records, "to": args.to}
    plan = _plan_argument(args.plan)
    if plan is not None:
        body["plan"] = plan
    data = control_client(args).request("POST", "/replay", json=body)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"replayed {len(records)} recorded deliveries from {args.file}:")
        print("\n".join(_summary_lines(data["deliveries"])))
    return 0


def _trigger_help() -> str:
    lines = ["triggers (EVENT for each PROVIDER):"]
    for provider in WORKBENCH_PROVIDERS:
        for name, text in provider_workbench(provider).TRIGGERS.items():
            lines.append(f"  {provider:<9} {name:<42} {text}")
    return "\n".join(lines)


def register(subparsers: Subparsers) -> None:
    def command(name: str, help_text: str, handler: Any, epilog: str | None = None) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(
            name, help=help_text, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        add_client_options(parser)
        parser.set_defaults(handler=handler)
        return parser

    listen = command("listen", "forward a provider's webhooks to a URL and print each delivery", _listen)
    listen.add_argument("--forward-to", required=True, metavar="URL", help="where the webhooks go")
    listen.add_argument("--provider", default="all", choices=(*WORKBENCH_PROVIDERS, "all"))
    listen.add_argument("--secret", help="sign with this secret (your app's whsec_... or Calendly signing key)")
    listen.add_argument("--events", help="comma-separated event types (default: every one)")
    listen.add_argument("--no-follow", action="store_true", help="register, print the secrets, and exit")

    trigger = command(
        "trigger", "create the objects that cause an event (and send its webhooks)", _trigger, _trigger_help()
    )
    trigger.add_argument("provider", choices=WORKBENCH_PROVIDERS)
    trigger.add_argument("event")
    trigger.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override a field")
    trigger.add_argument("--plan", help="delivery faults for what this trigger emits (simulate plan --help)")

    resend = command("resend", "send a delivery (or an event's latest delivery) again, signed afresh", _resend)
    resend.add_argument("ref", metavar="DELIVERY_OR_EVENT_ID")
    resend.add_argument("--to", help="another URL (default: the delivery's endpoint)")

    inject = command("inject", "deliver a captured webhook body, signed with the configured secret", _inject)
    inject.add_argument("provider", choices=WORKBENCH_PROVIDERS)
    inject.add_argument("--file", required=True, help="the body, e.g. copied from the provider's dashboard")
    inject.add_argument("--to", help="URL (default: every endpoint subscribed to the event)")
    inject.add_argument("--plan", help="delivery faults (simulate plan --help)")

    record_parser = command("record", "write the delivery journal as JSON lines (one delivery a line)", _record)
    record_parser.add_argument("file")
    record_parser.add_argument("--provider")

    replay = command("replay", "deliver a recording again, in its order, signed with today's secrets", _replay)
    replay.add_argument("file")
    replay.add_argument("--to", help="base URL of another receiver (each recorded path is kept)")
    replay.add_argument("--plan", help="delivery faults added to every replayed delivery")
