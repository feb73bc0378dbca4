"""Python values as KQL literals: query parameters are values, never query text."""

import datetime as _dt
import json
import math
import numbers


def literal(value):
    """The KQL literal of ``value``: None, bool, int, float, str, datetime, date, timedelta,
    or a list, tuple, set or dict (as ``dynamic``). Strings are quoted and escaped, so no
    value can change the query around it."""
    if value is None:
        return "dynamic(null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return f"long({int(value)})"
    if isinstance(value, numbers.Real):
        return _real(float(value))
    if isinstance(value, str):
        return _string(value)
    value = _from_numpy(value)
    if isinstance(value, _dt.datetime):
        return _datetime(value)
    if isinstance(value, _dt.date):
        return f"datetime({value.isoformat()})"
    if isinstance(value, _dt.timedelta):
        micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        return f"({micros} * 1microsecond)"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value if isinstance(value, dict) else list(value)
        return f"dynamic({json.dumps(items, ensure_ascii=False, default=_json_default)})"
    raise TypeError(f"no KQL literal for a value of type {type(value).__name__}")


def _real(value):
    if math.isnan(value):
        return "real(nan)"
    if math.isinf(value):
        return "real(+inf)" if value > 0 else "real(-inf)"
    return f"real({value!r})"


def _string(text):
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _datetime(value):
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return f"datetime({value.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z)"


def _from_numpy(value):
    """numpy's datetime64 and timedelta64 as Python's datetime and timedelta."""
    kind = type(value).__name__
    if kind == "datetime64":
        return value.astype("datetime64[us]").item()
    if kind == "timedelta64":
        return value.astype("timedelta64[us]").item()
    return value


def _json_default(value):
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"no JSON for a value of type {type(value).__name__}")
