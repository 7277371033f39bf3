"""Consumer side: the booking service's real clients and webhook handlers against Pact."""
