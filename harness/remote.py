"""The features against a deployed copy of the booking service (``harness run --target URL``).

The app runs elsewhere, started on its own and configured with the simulators' URLs and keys
(``harness serve --print-config`` prints exactly those variables); the harness reaches it only
through its public pages, its public JSON API and its operator API, and the simulators through
theirs. The configuration file the app was started with (``--target-env``, ``KEY=value`` lines)
gives the harness the same keys the in-process app would have told it.

Every scenario shares that one app, its database and the simulators, which are never reset. So
each scenario names what it creates with a suffix of its own (``scenario_suffix``; the steps'
``World`` applies it to builders, and so to their slugs, Calendly hosts and event types, and to
e-mail addresses) and its checks look only at those. The scenarios run one at a time, because a
delivery plan applies to the simulators' next event of a kind and their clock is shared (it only
ever moves forward). A scenario is skipped, with the reason, when a step of it:

- changes the app's configuration, restarts it or inspects it in-process;
- puts a lasting fault on a whole simulator (every request of every scenario would see it; a
  one-shot fault the scenario's own next request consumes is fine, one scenario running at a time);
- checks a list a simulator gives for the whole deployment (every Checkout Session Stripe holds,
  every Calendly delivery awaiting a retry) where the scenario's own entries cannot be told apart
  (the operator API's lists and the delivery journal are narrowed to the scenario instead);
- runs an operator job whose outcome covers the whole deployment and cannot be narrowed to the
  scenario (other jobs run too: their reports are narrowed to the scenario's bookings);
- moves the simulators' clock (later Checkout Sessions would be born expired by Stripe's).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app_under_test.config import Config
from harness import http_clients

TARGET_URL = "HARNESS_TARGET_URL"
TARGET_SIMULATORS = "HARNESS_TARGET_SIMULATORS"
TARGET_CONFIG = "HARNESS_TARGET_CONFIG"

# the step sentences that reconfigure, stop or look inside the app (harness steps --grep shows them)
IN_PROCESS = re.compile(
    r"production environment|checks the configuration|database that does not answer|"
    r"the app stops answering|the app is back|into the app's configuration|the app's log is recorded",
    re.IGNORECASE,
)
IN_PROCESS_REASON = (
    "changes the app's configuration, restarts it or looks inside it: only the in-process app allows that"
)
SIMULATOR_FAULT_REASON = (
    "puts a lasting fault on a whole simulator (SendGrid down or rate-limited, an API key revoked, Stripe's API "
    "down or failing every request, a signing secret rolled): every scenario on the shared simulators would see it"
)
WHOLE_DEPLOYMENT_LIST_REASON = (
    "checks a list a simulator gives for the whole deployment (every Checkout Session Stripe holds, every "
    "Calendly delivery awaiting a retry), where this scenario's own entries cannot be told apart"
)
WHOLE_DEPLOYMENT_JOB_REASON = (
    "runs an operator job whose outcome covers the whole deployment (the reminder job's counts, a retry of every "
    "dead mail) where this scenario's part cannot be told apart"
)
SIMULATOR_CLOCK_REASON = (
    "moves the simulators' clock (one clock for Stripe, Calendly and SendGrid, shared and only moving forward): "
    "the deployed app's later Checkout Sessions would already be expired by Stripe's clock"
)
NOT_A_SCENARIO_REASON = "not a feature scenario: only the features run against a deployed target"

# Step sentences (as the features write them) a shared deployment cannot run, and why.
SHARED_DEPLOYMENT_LIMITS: list[tuple[re.Pattern[str], str]] = [
    (IN_PROCESS, IN_PROCESS_REASON),
    (
        re.compile(
            r"^SendGrid is down|^SendGrid rate-limits|the SendGrid account|^Stripe's API (?!is back|answers the next)|"
            r"Stripe's signing secret is rolled"
        ),
        SIMULATOR_FAULT_REASON,
    ),
    (
        re.compile(r"retries for 24 hours|Stripe has no Checkout"),
        WHOLE_DEPLOYMENT_LIST_REASON,
    ),
    (
        re.compile(r"minutes pass at Stripe|an hour passes at Stripe|expires unpaid at Stripe|Calendly's clock moves"),
        SIMULATOR_CLOCK_REASON,
    ),
    (
        re.compile(r"the reminder job|retries the dead mails"),
        WHOLE_DEPLOYMENT_JOB_REASON,
    ),
]
RUN_MARK = secrets.token_hex(3)  # a deployment outlives a run: the next run's names must not meet this one's


def scenario_suffix(nodeid: str) -> str:
    """The suffix a scenario's names carry on a deployed target (empty in-process, where nothing is shared)."""
    if not target_url():
        return ""
    return "t" + hashlib.sha256(f"{RUN_MARK}:{nodeid}".encode()).hexdigest()[:8]


def target_url() -> str | None:
    return os.environ.get(TARGET_URL) or None


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (shell quoting allowed, ``#`` comments), as ``--print-config`` writes them."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            values[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    return values


def format_env(values: dict[str, str]) -> str:
    return "\n".join(f"{key}={shlex.quote(value)}" for key, value in sorted(values.items()))


def target_environment(args: Any) -> dict[str, str]:
    """What ``harness run --target`` hands to pytest."""
    if not args.simulators or not args.target_env:
        raise SystemExit("harness run --target URL needs --simulators URL and --target-env FILE (see --help)")
    return {
        TARGET_URL: args.target.rstrip("/"),
        TARGET_SIMULATORS: args.simulators.rstrip("/"),
        TARGET_CONFIG: str(Path(args.target_env).resolve()),
        "HARNESS_DATABASES": "target",
    }


@dataclass
class RemoteApp:
    """The deployed app, as the steps see an in-process one: its URL, its keys and its operator API."""

    url: str
    config: Config

    def admin(self) -> httpx.Client:
        return http_clients.client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.config.admin_api_token}"}
        )

    def stop(self) -> None:
        """Nothing to stop: the app is not ours."""


@dataclass
class RemoteSimulators:
    """Simulators started elsewhere; never reset here, since the target app's accounts live in them."""

    url: str

    def control(self) -> httpx.Client:
        return http_clients.client(base_url=f"{self.url}/_sim", timeout=30)

    def reset(self, seed: int) -> None:
        """Left alone: a reset would remove the accounts and webhook endpoints the target was configured with."""

    def stop(self) -> None:
        """Nothing to stop."""


def remote_app() -> RemoteApp:
    env = read_env_file(Path(os.environ[TARGET_CONFIG]))
    return RemoteApp(url=os.environ[TARGET_URL], config=Config.from_env(env))


def remote_simulators() -> RemoteSimulators:
    return RemoteSimulators(url=os.environ[TARGET_SIMULATORS])


class NoDatabases:
    """The target owns its database: nothing to create or drop per scenario."""

    def create(self) -> str:
        return ""

    def drop(self, url: str) -> None:
        pass

    def close(self) -> None:
        pass


# ----------------------------------------------------------------------------------------- plugin


def skip_reason(item: pytest.Item) -> str | None:
    """Why this test cannot run against a deployed target (None: it can)."""
    from harness.selection import scenario_of

    template = scenario_of(item)
    if template is None:
        return NOT_A_SCENARIO_REASON
    for step in template.steps:
        for pattern, reason in SHARED_DEPLOYMENT_LIMITS:
            if pattern.search(step.name):
                return reason
    return None


@pytest.fixture(scope="session")
def target_databases() -> NoDatabases:
    return NoDatabases()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not target_url():
        return
    for item in items:
        reason = skip_reason(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"deployed target: {reason}"))


def pytest_report_header(config: pytest.Config) -> str | None:
    if not target_url():
        return None
    return f"deployed target: {target_url()} (simulators {os.environ.get(TARGET_SIMULATORS)})"
