"""``simulate stripe ...``: act as the customer or as Stripe itself on a running simulator.

    simulate stripe pay <cs_id> [--card 4000000000000002] [--3ds pass|fail] [--email E] [--name N]
    simulate stripe pay <cs_id> --bank                    (delayed method: completes unpaid)
    simulate stripe settle <cs_id> [--failed]
    simulate stripe refund <cs_|pi_|ch_ id> [--amount N]   (as the app's Refund.create would)
    simulate stripe settle-refund <re_id>                 (the later change of an asynchronous refund)
    simulate stripe expire <cs_id> | --due
    simulate stripe fault --path '/v1/checkout/sessions*' [--method POST] [--response 500|503|429|reset|timeout]
                          [--when before|after] [--times N | --until-cleared] [--hold 5] [--should-retry]
    simulate stripe fault --down [503|reset] | --clear
    simulate stripe roll-secret <we_id> [--expires-in 86400]
    simulate stripe config [--api-key sk_test_..]... [--retry test|live]
    simulate stripe state

Each command calls a control route under ``/_sim/stripe`` (see ``control.py``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulators.cli import Handler, Subparsers, add_client_options, control_client


def _show(args: argparse.Namespace, data: dict[str, Any], line: str) -> int:
    print(json.dumps(data, indent=2) if args.json else line)
    return 0


def _outcome_line(data: dict[str, Any]) -> str:
    session, intent = data["checkout_session"], data["payment_intent"]
    line = (
        f"{data['outcome']}: {session['id']} {session['status']}/{session['payment_status']}, "
        f"{intent['id']} {intent['status']}"
    )
    if data.get("error"):
        line += f" ({data['error']['code']}: {data['error']['message']})"
    return line


def _pay(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {k: v for k, v in (("email", args.email), ("name", args.name)) if v}
    if args.bank:
        body["payment_method"] = "us_bank_account"
    else:
        body["card"] = args.card
        if args.three_d_secure:
            body["three_d_secure"] = args.three_d_secure
    data = control_client(args).request("POST", f"/stripe/checkout/sessions/{args.session}/pay", json=body)
    return _show(args, data, _outcome_line(data))


def _settle(args: argparse.Namespace) -> int:
    body = {"outcome": "failed" if args.failed else "succeeded"}
    data = control_client(args).request("POST", f"/stripe/checkout/sessions/{args.session}/settle", json=body)
    return _show(args, data, _outcome_line(data))


def _refund(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"payment": args.payment}
    if args.amount is not None:
        body["amount"] = args.amount
    refund = control_client(args).request("POST", "/stripe/refunds", json=body)["refund"]
    line = f"refund {refund['id']}: {refund['status']}, {refund['amount']} {refund['currency']} of {refund['charge']}"
    return _show(args, {"refund": refund}, line)


def _settle_refund(args: argparse.Namespace) -> int:
    data = control_client(args).request("POST", f"/stripe/refunds/{args.refund}/settle")
    return _show(args, data, f"refund {data['refund']['id']}: {data['refund']['status']}")


def _expire(args: argparse.Namespace) -> int:
    if args.due:
        data = control_client(args).request("POST", "/stripe/checkout/sessions/expire_due")
        return _show(args, data, "expired: " + (", ".join(data["expired"]) or "nothing was due"))
    if not args.session:
        raise SystemExit("simulate stripe expire: give a session id or --due")
    data = control_client(args).request("POST", f"/stripe/checkout/sessions/{args.session}/expire")
    return _show(args, data, f"expired: {data['checkout_session']['id']}")


def _fault(args: argparse.Namespace) -> int:
    client = control_client(args)
    if args.clear:
        return _show(args, client.request("DELETE", "/stripe/faults"), "faults cleared")
    if args.down:
        data = client.request("POST", "/stripe/faults", json={"down": args.down})
        return _show(args, data, f"API down ({args.down}) until `simulate stripe fault --clear`")
    spec: dict[str, Any] = {
        "method": args.method,
        "path": args.path,
        "response": args.response,
        "when": args.when,
        "times": None if args.until_cleared else args.times,
    }
    if args.hold:
        spec["hold_seconds"] = args.hold
    if args.should_retry is not None:
        spec["should_retry"] = args.should_retry
    data = client.request("POST", "/stripe/faults", json=spec)
    count = "until cleared" if data["times"] is None else f"next {data['times']}"
    return _show(
        args,
        data,
        f"fault #{data['id']}: {data['method']} {data['path']} -> {data['response']} "
        f"{data['when']} processing ({count})",
    )


def _roll_secret(args: argparse.Namespace) -> int:
    data = control_client(args).request(
        "POST", f"/stripe/webhook_endpoints/{args.endpoint}/roll_secret", json={"expires_in": args.expires_in}
    )
    return _show(args, data, f"new secret: {data['secret']} (previous ones valid for {args.expires_in:g}s)")


def _config(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {}
    if args.api_key:
        body["api_keys"] = args.api_key
    if args.retry:
        body["retry"] = args.retry
    data = control_client(args).request("POST", "/stripe/config", json=body)
    keys = ", ".join(data["api_keys"]) if data["api_keys"] else "any sk_test_ key"
    return _show(args, data, f"api keys: {keys}; retry schedule: {data['retry']}")


def _state(args: argparse.Namespace) -> int:
    print(json.dumps(control_client(args).request("GET", "/stripe/state"), indent=2))
    return 0


def register(subparsers: Subparsers) -> None:
    stripe = subparsers.add_parser("stripe", help="act on the Stripe simulator (pay, expire, faults)")
    commands = stripe.add_subparsers(dest="stripe_command", required=True, metavar="ACTION")

    def command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        add_client_options(parser)
        parser.set_defaults(handler=handler)
        return parser

    pay = command("pay", "pay a Checkout Session as the customer", _pay)
    pay.add_argument("session")
    pay.add_argument("--card", default="4242424242424242", help="a Stripe test card number (default %(default)s)")
    pay.add_argument(
        "--3ds",
        dest="three_d_secure",
        choices=("pass", "fail"),
        help="answer the 3-D Secure challenge (left pending when omitted)",
    )
    pay.add_argument("--bank", action="store_true", help="pay with a test US bank account (settle later)")
    pay.add_argument("--email")
    pay.add_argument("--name")

    settle = command("settle", "settle a delayed (bank) payment", _settle)
    settle.add_argument("session")
    settle.add_argument("--failed", action="store_true", help="the debit fails instead of succeeding")

    refund = command("refund", "refund a payment as the app would (charge.refunded, refund.created)", _refund)
    refund.add_argument("payment", help="Checkout Session (cs_), PaymentIntent (pi_) or charge (ch_) id")
    refund.add_argument("--amount", type=int, help="smallest currency unit (default: what is left)")

    settle_refund = command(
        "settle-refund",
        "make an asynchronous refund change now (pending -> succeeded for "
        "card 4000000000007726, succeeded -> failed for 4000000000005126)",
        _settle_refund,
    )
    settle_refund.add_argument("refund")

    expire = command("expire", "expire a session, or every session past its expires_at", _expire)
    expire.add_argument("session", nargs="?")
    expire.add_argument("--due", action="store_true")

    fault = command("fault", "make API requests fail", _fault)
    fault.add_argument("--method", default="*")
    fault.add_argument("--path", default="*", help="glob over the path under /stripe, e.g. '/v1/refunds*'")
    fault.add_argument("--response", default="500", choices=("500", "503", "429", "reset", "timeout"))
    fault.add_argument("--when", default="before", choices=("before", "after"))
    times = fault.add_mutually_exclusive_group()
    times.add_argument("--times", type=int, default=1)
    times.add_argument("--until-cleared", action="store_true")
    fault.add_argument("--hold", type=float, help="seconds a 'timeout' holds the response")
    fault.add_argument(
        "--should-retry",
        dest="should_retry",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send Stripe-Should-Retry: true/false",
    )
    fault.add_argument("--down", nargs="?", const="503", choices=("503", "reset"), help="fail every request")
    fault.add_argument("--clear", action="store_true", help="remove every fault and release held responses")

    roll = command("roll-secret", "roll a webhook endpoint's signing secret", _roll_secret)
    roll.add_argument("endpoint")
    roll.add_argument("--expires-in", type=float, default=24 * 3600, help="seconds the old secret stays valid")

    config = command("config", "set accepted API keys and the webhook retry schedule", _config)
    config.add_argument("--api-key", action="append", help="repeat for several keys")
    config.add_argument("--retry", choices=("test", "live"))

    command("state", "print every object, event id and endpoint", _state)
