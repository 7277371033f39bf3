"""Calendly features: every webhook event, its faults, and recovery (out of order, outages, reconciliation)."""

from pytest_bdd import scenarios

scenarios("calendly")
