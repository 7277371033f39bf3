"""Provider webhooks: verify, store durably in the inbox, then dispatch to idempotent handlers."""
