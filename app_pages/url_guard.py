"""Numbers a link brings for the number widgets, checked before any widget reads them.

Why: Streamlit turns a bound URL value into the widget's number before the page's code runs,
and ``top_k=inf`` or ``seed=1e400`` made that fail with an error box for the whole app. A value
that is not a finite number in a sane range is dropped from the link, with a notice, and the
widget starts from its default.
"""

from __future__ import annotations

import math
from typing import MutableMapping

# Every widget bound to the URL that holds a number (app_pages/*.py: bind="query-params").
NUMBER_KEYS = {
    "top_k": int, "seed": int, "temperature": float, "top_p": float, "pe_d_model": int, "pe_positions": int,
}
LARGEST = 1e9  # far past every widget's maximum, far below what an int conversion chokes on


def usable_number(text: str, kind: type) -> bool:
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):
        return False
    return math.isfinite(value) and abs(value) <= LARGEST and (kind is float or value == int(value))


def drop_bad_numbers(params: MutableMapping[str, str]) -> list[str]:
    """Remove from ``params`` every number-widget value that is not usable; return their keys."""
    bad = [key for key, kind in NUMBER_KEYS.items() if key in params and not usable_number(params[key], kind)]
    for key in bad:
        del params[key]
    return bad
