"""Money in integer minor units, as Stripe counts it, per currency.

Amounts are never floats: a session type's price is stored in the currency's
smallest unit (cents, pence; yen are already whole), and it goes to Stripe
unchanged. Only presentation divides, by the currency's own exponent.
"""

from __future__ import annotations

# Stripe's zero-decimal currencies: the amount is the whole amount (500 JPY is ``500``).
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
# Three-decimal currencies: Stripe takes three decimals but requires the last digit to be 0.
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}


def exponent(currency: str) -> int:
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def check_minor_units(amount: int, currency: str) -> int:
    """``amount`` as Stripe accepts it for ``currency``; raises ``ValueError`` otherwise."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValueError(f"an amount is a non-negative integer number of minor units, not {amount!r}")
    if exponent(currency) == 3 and amount % 10:
        raise ValueError(f"{currency.upper()} amounts must end in 0 (Stripe rounds to two of three decimals)")
    return amount


def format_amount(amount: int, currency: str) -> str:
    """``4500, "gbp"`` -> ``£45.00``; ``5000, "jpy"`` -> ``¥5,000``; unknown symbols get the code."""
    places = exponent(currency)
    whole, fraction = divmod(abs(amount), 10**places)
    text = f"{whole:,}" + (f".{fraction:0{places}d}" if places else "")
    symbol = SYMBOLS.get(currency.lower())
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"
