"""Trimmed copies of the providers' published OpenAPI schemas, and the validator that reads them."""
