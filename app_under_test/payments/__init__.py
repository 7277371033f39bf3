"""Paid sessions through Stripe Checkout.

``gateway`` builds the one ``stripe.StripeClient`` the app talks to Stripe with
and sorts Stripe's failures into "retry later" and "refused"; ``checkout`` opens
Checkout Sessions for held bookings; ``settlement`` applies what Stripe says
about a payment (paid, expired, failed) to the booking; ``refunds`` queues and
issues refunds; ``holds`` releases holds whose time ran out. See docs/payments.md.
"""
