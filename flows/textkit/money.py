"""Dollar amounts, and the phrases that say a value is not available."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_MONEY = re.compile(r"(?P<neg>-)?\$\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d{1,2})?")
NOT_AVAILABLE = re.compile(
    r"\b(?:not\s+available|n/?a\b|unavailable|not\s+reported|not\s+provided|no\s+data)",
    re.IGNORECASE,
)


def parse_money(text: str) -> Decimal | None:
    """The first dollar amount in `text` as a Decimal with two places, else None."""
    if "$" not in text:
        return None  # every amount has a dollar sign: skip the pattern's scan
    m = _MONEY.search(text)
    if not m:
        return None
    try:
        value = Decimal(m.group("num").replace(",", "") + (m.group("frac") or ""))
    except InvalidOperation:
        return None
    if m.group("neg"):
        value = -value
    return value.quantize(Decimal("0.01"))
