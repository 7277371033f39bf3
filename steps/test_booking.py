"""Booking flow features: free and pathway sessions, time zones, races, invalid input."""

from pytest_bdd import scenarios

scenarios("booking")
