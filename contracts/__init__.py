"""Pact contracts between the booking service (consumer) and its providers.

The booking service's real client code and webhook handlers write the pacts
(``consumer/``); the simulators are verified against them (``provider/``); the
pact files live in ``pacts/`` and are committed, so a change to what the app
expects shows up in review. ``python -m contracts.can_i_deploy`` gates a deploy
on the latest verification results. See docs/contracts.md.
"""
