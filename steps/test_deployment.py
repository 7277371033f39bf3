"""Deployment features: production configuration and health probes."""

from pytest_bdd import scenarios

scenarios("deployment")
