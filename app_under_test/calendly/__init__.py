"""Calendly: slots, bookings made on Calendly's pages, and keeping the two in step.

``client`` is the one ``CalendlyClient`` (httpx) and the ``SlotProvider`` backed by it;
``payload`` reads webhook bodies into typed values; ``lookup`` finds the local booking an
invitee is about; ``sync`` applies an invitee's change to the bookings in any order;
``routing`` keeps routing form submissions; ``setup`` registers the webhook subscription;
``reconcile`` replays what Calendly has over a window; ``commands`` is the operator CLI.
See docs/calendly.md.
"""
