"""One Calendly account per simulator hub, shared by the API app and the control routes.

``server.py`` builds the provider app and its control blueprint separately from
the same hub, so both look the account up here instead of each making their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.calendly.actions import Actions
from simulators.calendly.state import CalendlyState
from simulators.calendly.webhooks import Dispatcher
from simulators.hub import SimHub


@dataclass
class CalendlyAccount:
    state: CalendlyState
    dispatcher: Dispatcher
    actions: Actions


def account_for(hub: SimHub) -> CalendlyAccount:
    def create() -> CalendlyAccount:
        state = CalendlyState(hub)
        dispatcher = Dispatcher(state)
        hub.on_reset(state.clear)
        return CalendlyAccount(state, dispatcher, Actions(state, dispatcher))

    return hub.provider_state(CalendlyAccount, create)
