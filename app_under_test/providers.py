"""Builds the outside-world clients from configuration (slot provider, later payments and mail)."""

from __future__ import annotations

from flask import current_app

from app_under_test.availability import LocalSchedule, SlotProvider
from app_under_test.config import Config


def build_slot_provider(config: Config) -> SlotProvider:
    if config.slot_provider == "calendly":
        from app_under_test.calendly.client import CalendlySlotProvider

        return CalendlySlotProvider.from_config(config)
    return LocalSchedule()


def slot_provider() -> SlotProvider:
    provider: SlotProvider = current_app.extensions["slot_provider"]  # set by create_app
    return provider


def app_config() -> Config:
    config: Config = current_app.extensions["booking_config"]  # set by create_app
    return config
