"""How a provider's event can end besides being applied: ignored, or never applicable.

The domain raises these (Calendly sync, reconciliation, Stripe and SendGrid handlers) and the
webhook inbox records them: ``Ignore`` as 'ignored', ``Unprocessable`` as a dead letter at once.
They live below both so the domain never imports the webhook package.
"""

from __future__ import annotations


class Ignore(Exception):
    """Raised by a handler for an event that is valid but has nothing to do (recorded as 'ignored')."""


class Unprocessable(Exception):
    """A stored event whose data can never be applied (e.g. a required field missing): dead-lettered at once."""
