"""Paid-session features: Stripe Checkout, its webhooks, failures and refunds."""

from pytest_bdd import scenarios

scenarios("payments")
