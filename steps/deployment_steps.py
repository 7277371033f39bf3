"""Steps for production configuration and health probes (the operator's and orchestrator's view)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pytest_bdd import given, parsers, then, when

from harness import http_clients
from harness.apps import start_app

COMPLETE = {
    "APP_ENV": "production",
    "CALENDLY_API_TOKEN": "eyJraWQiOiJhYmMiLCJ0eXAiOiJQQVQifQ.deploy-check-token",
    "CALENDLY_USERNAME": "ada-stone",
    "CALENDLY_WEBHOOK_SIGNING_KEY": "k7Hq2vXw9Rt4yLm3pQ8s",
    "STRIPE_SECRET_KEY": "sk_live_51Hb2aQ8kq9ZrTtYvDeploy",
    "STRIPE_WEBHOOK_SECRET": "whsec_9f8e7d6c5b4a3928Deploy",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_51Hb2aQ8kq9ZrTtYvDeploy",
    "SENDGRID_API_KEY": "SG.a1b2c3d4e5.f6g7h8i9j0Deploy",
    "SENDGRID_BOOKING_TEMPLATE_ID": "d-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "NEXT_PUBLIC_BASE_URL": "https://book.example.com",
    "DATABASE_URL": "postgresql://booking:DeployS3cret@db.internal:5432/booking",
    "SECRET_KEY": "q" * 40,
    "ADMIN_API_TOKEN": "t" * 32,
    "SLOT_PROVIDER": "calendly",
}
REQUIRED = [
    "CALENDLY_API_TOKEN",
    "CALENDLY_USERNAME",
    "CALENDLY_WEBHOOK_SIGNING_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "SENDGRID_API_KEY",
    "SENDGRID_BOOKING_TEMPLATE_ID",
    "NEXT_PUBLIC_BASE_URL",
    "DATABASE_URL",
]


@given(
    parsers.parse('a production environment where "{bad}" is "{value}" and "{missing}" is missing'),
    target_fixture="environment",
)
def partial_environment(bad: str, value: str, missing: str) -> dict:
    env = {"APP_ENV": "production", bad: value}
    env["_missing"] = missing
    return env


@given("a complete production environment", target_fixture="environment")
def complete_environment() -> dict:
    return dict(COMPLETE)


@when("the operator checks the configuration", target_fixture="check")
def check_configuration(environment: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in COMPLETE and k != "APP_ENV"}
    env.update({k: v for k, v in environment.items() if not k.startswith("_")})
    return subprocess.run(
        [sys.executable, "-m", "app_under_test.cli", "check-config"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@then(parsers.parse('the check fails naming "{problem}"'))
def check_fails(check: subprocess.CompletedProcess, problem: str):
    assert check.returncode != 0, check.stdout + check.stderr
    assert problem in check.stdout + check.stderr


@then(parsers.parse('the check names "{problem}"'))
def check_names(check: subprocess.CompletedProcess, problem: str):
    assert problem in check.stdout + check.stderr


@then("the check names every other required variable that is missing")
def check_names_all(check: subprocess.CompletedProcess, environment: dict):
    output = check.stdout + check.stderr
    for name in REQUIRED:
        if name not in environment:
            assert f"{name} is missing" in output, (name, output)


@then("no secret value appears in the output")
def no_secret_in_output(check: subprocess.CompletedProcess):
    assert "changeme" not in check.stdout + check.stderr


@then("the check passes")
def check_passes(check: subprocess.CompletedProcess):
    assert check.returncode == 0, check.stdout + check.stderr
    assert "configuration is complete" in check.stdout


@given("the service runs against a database that does not answer", target_fixture="probe_target")
def unreachable_database(free_port_url):
    running = start_app(free_port_url)
    yield running
    running.stop()


@pytest.fixture
def free_port_url() -> str:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/nothing?connect_timeout=2"


@pytest.fixture
def probe_target(app_server):
    return app_server


@when("the orchestrator probes the service", target_fixture="probes")
def probe(probe_target) -> dict:
    return {path: http_clients.get(probe_target.url + path, timeout=30) for path in ("/healthz", "/readyz")}


@then(parsers.parse('"{path}" answers {status:d} with status "{value}"'))
def probe_answers(probes: dict, path: str, status: int, value: str):
    assert probes[path].status_code == status, probes[path].text
    assert probes[path].json()["status"] == value
