"""Transactional mail: booking confirmation, cancellation, moved, receipt, refund and reminder.

A booking change never talks to SendGrid itself. ``notices`` turns a change into
outbox rows (``outbox``) inside the change's own transaction, each under an
idempotency key, so a replayed webhook finds its mail already queued and a
rolled-back change queues nothing. Once that transaction commits, ``delivery``
tries to send the new rows at once (``sender``, a short timeout, never raising
into the caller); whatever fails is retried with backoff by ``send-due`` (cron,
or the operator API) and ends as a dead letter an operator can list and retry.

``install(app)`` wires this into one app instance: every session of the app's
database carries the app's configuration (``session.info``), and commits of
sessions that queued mail trigger delivery.
"""

from __future__ import annotations

from flask import Flask


def install(app: Flask) -> None:
    from app_under_test.mail.delivery import install_commit_hook

    install_commit_hook(app.extensions["booking_db"], app.extensions["booking_config"])
