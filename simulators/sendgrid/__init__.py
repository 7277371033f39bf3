"""Offline SendGrid: v3 Mail Send with dynamic templates, an inbox, and the signed Event Webhook.

``app.create_app(hub)`` is the v3 API the official ``sendgrid`` library talks
to (``host="<simulator>/sendgrid"``) plus the inbox pages; ``control.
control_blueprint(hub)`` is its control API under ``/_sim/sendgrid``.
"""
