"""The ``simulate`` command: run the simulator server, or drive a running one's control API.

    simulate serve [--host 127.0.0.1] [--port 8025] [--seed N] [--manual]
    simulate reset [--seed N] | flush | journal | pending | plans | clear-plans
    simulate advance 2h
    simulate plan --provider calendly [--event-type T] [--times N | --until-cleared] '{"duplicate": 2}'

Client commands take ``--url`` (default ``$SIMULATOR_URL`` or http://127.0.0.1:8025).
A provider package may add its own commands: if ``simulators/<provider>/cli.py``
defines ``register(subparsers)``, it is called with the subparsers object; its
parsers can use ``add_client_options`` and ``control_client`` from this module
and must set ``handler=<function(args) -> int>`` through ``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import pkgutil
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeAlias

import httpx

from simulators.delivery.plan import plan_keys
from simulators.durations import parse_duration
from simulators.hub import DEFAULT_SEED
from simulators.tls import tls_context

DEFAULT_URL = "http://127.0.0.1:8025"


class ControlError(Exception):
    """The control API refused a request, or could not be reached."""


class ControlClient:
    """A thin httpx client for ``<url>/_sim`` that turns error answers into ``ControlError``."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.base_url}/_sim", timeout=timeout, verify=tls_context())

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ControlError(
                f"cannot reach the simulator at {self.base_url} ({exc}); is `simulate serve` running?"
            ) from exc
        try:
            data: dict[str, Any] = response.json()  # the control API answers with JSON objects
        except ValueError:
            data = {"error": response.text[:200]}
        if response.is_error:
            raise ControlError(f"{response.status_code}: {data.get('error', data)}")
        return data


# A command's handler takes the parsed arguments and returns the exit code.
Handler: TypeAlias = Callable[[argparse.Namespace], int]
# What add_subparsers() returns; argparse gives it no public name.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"simulator base URL (default: $SIMULATOR_URL or {DEFAULT_URL})")
    parser.add_argument("--json", action="store_true", help="print the raw JSON answer")


def control_client(args: argparse.Namespace) -> ControlClient:
    """The client for ``--url``; says on stderr which simulator it asks (stdout stays the answer)."""
    url, source = simulator_url(args)
    if not getattr(args, "url_announced", False):
        print(f"simulator: {url} ({source})", file=sys.stderr)
        args.url_announced = True
    return ControlClient(url)


def simulator_url(args: argparse.Namespace) -> tuple[str, str]:
    """The simulator to ask, and where that choice came from."""
    if args.url:
        return args.url, "from --url"
    if os.environ.get("SIMULATOR_URL"):
        return os.environ["SIMULATOR_URL"], "from $SIMULATOR_URL"
    return DEFAULT_URL, "the default; set $SIMULATOR_URL or --url for another"


# -- output ----------------------------------------------------------------------------------


def _when(virtual_at: float | None) -> str:
    if virtual_at is None:
        return "-"
    return datetime.fromtimestamp(virtual_at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _attempt_line(row: dict[str, Any]) -> str:
    outcome = str(row["response_status"]) if row["response_status"] is not None else f"ERR {row['error']}"
    return (
        f"{_when(row['virtual_at'])}  {row['provider']:<9} {row['event_type']:<34} "
        f"{row['delivery_id']}  {row['event_id'] or '-'}  #{row['attempt_no']:<2} {row['kind']:<10} "
        f"{outcome}  {row['latency_ms']:.0f}ms  -> {row['endpoint']}"
    )


def _delivery_line(row: dict[str, Any]) -> str:
    return (
        f"{row['id']}  {row['provider']:<9} {row['event_type']:<34} {row['status']:<9} "
        f"attempts={row['attempts']}  next={_when(row['next_attempt_at'])}  {row['kind']}"
    )


def _faults(plan: dict[str, Any]) -> str:
    """Only the settings that differ from a clean delivery."""
    return json.dumps({k: v for k, v in plan.items() if v not in (0, False, None, [])})


def _print(args: argparse.Namespace, data: dict[str, Any], lines: list[str], empty: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2))
    elif lines:
        print("\n".join(lines))
    else:
        print(empty)


# -- commands --------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from simulators.server import PROVIDERS, create_simulator

    simulator = create_simulator(seed=args.seed, auto_deliver=not args.manual)
    server = make_server(args.host, args.port, simulator.wsgi_app, threaded=True)
    base = f"http://{args.host}:{server.server_port}"
    print(f"Simulators at {base} (seed {args.seed}, {'manual' if args.manual else 'automatic'} delivery)")
    for mount in [f"/{name}" for name in PROVIDERS] + ["/_sim"]:
        print(f"  {base}{mount}")
    print("Ctrl-C to stop.", flush=True)
    stop_on_interrupt_or_terminate()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        simulator.engine.close()
    return 0


def stop_on_interrupt_or_terminate() -> None:
    """Ctrl-C (SIGINT) and a service manager's SIGTERM both stop the server cleanly, even when it was
    started by a process that ignores or blocks SIGINT (a background job, a test worker): both become
    a KeyboardInterrupt in the serving loop."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _reset(args: argparse.Namespace) -> int:
    data = control_client(args).request("POST", "/reset", json={"seed": args.seed} if args.seed is not None else {})
    _print(args, data, [f"reset (seed {data['seed']})"], "")
    return 0


def _flush(args: argparse.Namespace) -> int:
    data = control_client(args).request("POST", "/deliveries/flush")
    _print(args, data, [_attempt_line(row) for row in data["attempts"]], "nothing was due")
    return 0


def _journal(args: argparse.Namespace) -> int:
    params = {
        key: value
        for key, value in (("provider", args.provider), ("event_type", args.event_type), ("status", args.status))
        if value
    }
    data = control_client(args).request("GET", "/deliveries", params=params)
    _print(args, data, [_attempt_line(row) for row in data["attempts"]], "no attempts yet")
    return 0


def _pending(args: argparse.Namespace) -> int:
    params = {"provider": args.provider} if args.provider else {}
    data = control_client(args).request("GET", "/pending", params=params)
    _print(args, data, [_delivery_line(row) for row in data["deliveries"]], "nothing pending")
    return 0


def _advance(args: argparse.Namespace) -> int:
    data = control_client(args).request("POST", "/clock/advance", json={"seconds": args.duration})
    lines = [f"virtual clock +{data['advanced']:g}s, now {_when(data['virtual_now'])}"]
    _print(args, data, lines + [_attempt_line(row) for row in data["attempts"]], "")
    return 0


def _plan(args: argparse.Namespace) -> int:
    try:
        plan = json.loads(args.plan)
    except ValueError as exc:
        raise ControlError(f"the plan is not valid JSON: {exc}") from None
    times = None if args.until_cleared else args.times
    body = {"provider": args.provider, "plan": plan, "event_type": args.event_type, "times": times}
    data = control_client(args).request("POST", "/plans", json=body)
    scope = data["event_type"] or "any event"
    count = "until cleared" if data["times"] is None else f"next {data['times']}"
    _print(args, data, [f"planned for {data['provider']} ({scope}, {count}): {_faults(data['plan'])}"], "")
    return 0


def _plans(args: argparse.Namespace) -> int:
    data = control_client(args).request("GET", "/plans")
    lines = [
        f"{p['provider']:<9} {p['event_type'] or '*':<34} times={p['times']}  {_faults(p['plan'])}"
        for p in data["plans"]
    ]
    _print(args, data, lines, "no plans queued")
    return 0


def _clear_plans(args: argparse.Namespace) -> int:
    params = {"provider": args.provider} if args.provider else {}
    data = control_client(args).request("DELETE", "/plans", params=params)
    _print(args, data, [f"cleared plans for {args.provider or 'every provider'}"], "")
    return 0


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulate", description="Offline Stripe, Calendly and SendGrid simulators.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the simulator server until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8025, help="0 picks a free port")
    serve.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed for ids, data and faults (default %(default)s)"
    )
    serve.add_argument("--manual", action="store_true", help="only deliver webhooks on flush/advance")
    serve.set_defaults(handler=_serve)

    def client_command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        add_client_options(sub)
        sub.set_defaults(handler=handler)
        return sub

    client_command("reset", "reset every provider, the clock and the engine", _reset).add_argument(
        "--seed", type=int, help="switch to this seed"
    )
    client_command("flush", "send every delivery that is due now (releases held ones)", _flush)
    journal = client_command("journal", "list delivery attempts", _journal)
    journal.add_argument("--provider")
    journal.add_argument("--event-type")
    journal.add_argument(
        "--status", help="only deliveries in this status (pending, held, delivered, failed, exhausted)"
    )
    client_command("pending", "list deliveries not yet delivered", _pending).add_argument("--provider")
    client_command("advance", "move the virtual clock and send what falls due", _advance).add_argument(
        "duration", type=_duration, help="seconds, or e.g. 90m, 2h, 1d, 1h30m"
    )
    plan = client_command("plan", "queue a delivery plan (faults) for the next events", _plan)
    plan.formatter_class = argparse.RawDescriptionHelpFormatter
    plan.epilog = "plan keys (JSON object, any subset):\n" + "\n".join(
        f"  {key:<19} {text}" for key, text in plan_keys().items()
    )
    plan.add_argument("--provider", required=True)
    plan.add_argument("--event-type")
    times = plan.add_mutually_exclusive_group()
    times.add_argument("--times", type=int, default=1, help="how many events it applies to (default 1)")
    times.add_argument("--until-cleared", action="store_true", help="apply to every event until cleared")
    plan.add_argument("plan", help='JSON, e.g. \'{"duplicate": 2, "reorder": true}\'')
    client_command("plans", "list queued plans", _plans)
    client_command("clear-plans", "drop queued plans", _clear_plans).add_argument("--provider")

    for register in _provider_registrations():
        register(commands)
    return parser


def _provider_registrations() -> Iterator[Callable[[Subparsers], None]]:
    """``register`` functions of ``simulators/<provider>/cli.py`` modules, in name order."""
    import simulators

    for module in sorted(pkgutil.iter_modules(simulators.__path__), key=lambda m: m.name):
        if not module.ispkg or importlib.util.find_spec(f"simulators.{module.name}.cli") is None:
            continue
        provider_cli = importlib.import_module(f"simulators.{module.name}.cli")
        if hasattr(provider_cli, "register"):
            yield provider_cli.register


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ControlError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
