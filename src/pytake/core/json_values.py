"""Free-form JSON from clients (contact attributes, template components), checked before storage.

Python's JSON parser takes `NaN`, `Infinity` and numbers too large for a float (`1e400`, read
as infinity); PostgreSQL's JSON type refuses them and SQLite stores them as null, so they are
refused up front as invalid input.
"""

import math
from typing import Any, TypeVar

T = TypeVar("T")


def finite_json(value: T) -> T:
    """Returns `value` unchanged; raises ValueError naming the first non-finite number in it."""
    # A loop, not recursion: a body nested as deep as the parser allows must not overflow here.
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        place, item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            where = f" at {place}" if place else ""
            raise ValueError(f"numbers must be finite, not NaN or Infinity{where}")
        if isinstance(item, dict):
            children = [(f"{place}.{key}" if place else str(key), v) for key, v in item.items()]
        elif isinstance(item, list):
            children = [(f"{place}[{index}]", v) for index, v in enumerate(item)]
        else:
            continue
        pending.extend(reversed(children))
    return value
