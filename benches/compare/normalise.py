"""Rows from different engines in one comparable form: every value as canonical text
(datetimes to the second in UTC, numbers without trailing zeros, nulls and empty strings
alike), rows sorted."""

import datetime
import re

ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")


def value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc)
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, (int, float)):
        return number(v)
    text = str(v)
    m = ISO.match(text)
    if m:
        return f"{m.group(1)}T{m.group(2)}"
    if text in ("true", "false"):
        return text
    try:
        return number(float(text))
    except ValueError:
        return text


def number(x):
    x = float(x)
    if x == int(x):
        return str(int(x))
    return f"{x:.6g}"


def normalise_rows(rows):
    return sorted([[value(v) for v in row] for row in rows])
