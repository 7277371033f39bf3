"""Stripe's error responses, as stripe-python parses them.

stripe-python picks its exception class from the HTTP status and the error
``type``/``code`` (``_api_requestor.specific_v1_api_error``): 400/404 ->
``InvalidRequestError`` (``IdempotencyError`` when ``type`` is
``idempotency_error``), 401 -> ``AuthenticationError``, 402 -> ``CardError``,
429 -> ``RateLimitError``, anything else -> ``APIError``. The body is always
``{"error": {type, code, message, param, decline_code, doc_url}}``.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    """An API error. ``saves_result``: Stripe stores the idempotent result only
    once an endpoint started executing, never for parameter validation errors."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        saves_result: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.saves_result = saves_result
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, code=code, param=param)


def missing_param(param: str) -> StripeError:
    return invalid(f"Missing required param: {param}.", param=param, code="parameter_missing")


def unknown_param(param: str) -> StripeError:
    return invalid(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def processing(message: str, *, code: str, param: str | None = None) -> StripeError:
    """A refusal decided while executing (stored for idempotent replay)."""
    return StripeError(400, message, code=code, param=param, saves_result=True)


def authentication(message: str) -> StripeError:
    return StripeError(401, message)


def idempotency_mismatch(key: str) -> StripeError:
    return StripeError(
        400,
        "Keys for idempotent requests can only be used with the same parameters "
        f"they were first used with. Try using a key other than '{key}' if you meant "
        "to execute a different request.",
        type="idempotency_error",
    )


def idempotency_endpoint_mismatch(key: str, first: str, now: str) -> StripeError:
    return StripeError(
        400,
        f"Keys for idempotent requests can only be used for the same endpoint "
        f"they were first used for ('{first}' vs '{now}'). Try using a key other than "
        f"'{key}' if you meant to execute a different request.",
        type="idempotency_error",
    )


def idempotency_in_use(key: str) -> StripeError:
    return StripeError(
        409,
        f"There is currently another in-progress request using this idempotency key ('{key}'). Please try again later.",
        code="idempotency_key_in_use",
    )


def rate_limited() -> StripeError:
    return StripeError(
        429,
        "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        code="rate_limit",
    )


def api_error(status: int = 500) -> StripeError:
    if status == 503:
        return StripeError(503, "Stripe is temporarily unavailable. Please try again later.", type="api_error")
    return StripeError(status, "An unknown error occurred", type="api_error")
