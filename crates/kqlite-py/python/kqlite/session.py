"""Sessions over exports and DataFrames, and their results."""

import datetime as _dt
import json
import os
import warnings
from typing import NamedTuple

from . import _kqlite
from .literals import literal

_current = None


class TableInfo(NamedTuple):
    """A table a query can read: its name, rows, and where the rows came from."""

    name: str
    rows: int
    sources: list


def connect(data=None, *, tables=None, now=None, strict=False, export_tz=None, cluster=None):
    """A session over ``data``: a folder or file of exports, or a list of them (every
    export format and layout the command line reads). ``tables`` maps a table name to a
    path read as that table; ``now`` fixes the clock of ``now()`` and ``ago()`` (text or a
    datetime; the wall clock when None); ``strict`` fails on any malformed row instead of
    warning; ``export_tz`` is the zone of portal CSV times (UTC when None); ``cluster``
    (``"df://HOST:PORT"``) runs the queries on that Ballista scheduler, as ``kqlite
    --cluster`` does (a URL that is not one is a ``DataError``; a scheduler that cannot be
    reached fails each query with a ``QueryError`` naming it).

    The session becomes the one the ``%kql`` magics use."""
    global _current
    paths = [] if data is None else [data] if isinstance(data, (str, os.PathLike)) else data
    inner = _kqlite.Session(
        [os.fspath(p) for p in paths],
        [(name, os.fspath(path)) for name, path in (tables or {}).items()],
        _clock(now),
        strict,
        export_tz,
        cluster,
    )
    session = Session(inner)
    problems = inner.warnings()
    if problems:
        shown = "; ".join(problems[:3])
        warnings.warn(f"{len(problems)} problems in the data (Session.warnings() lists them): {shown}")
    _current = session
    return session


def current():
    """The session ``connect`` made last, if any."""
    return _current


class Session:
    """Attached exports and registered tables, and the queries over them."""

    def __init__(self, inner):
        self._inner = inner

    def query(self, kql, params=None):
        """Runs ``kql`` and returns the result of its last tabular statement. ``params``
        maps names to Python values the query reads as KQL values (bound by ``let``)."""
        return self.query_all(kql, params)[-1]

    def query_all(self, kql, params=None):
        """Runs ``kql`` and returns the result of each tabular statement."""
        bound = [(name, literal(value)) for name, value in (params or {}).items()]
        results = self._inner.query(kql, bound)
        if not results:
            raise ValueError("the query has no tabular statement")
        return [Result(r) for r in results]

    def explain(self, kql):
        """The logical and physical plans of ``kql``, as text."""
        return self._inner.explain(kql)

    def tables(self):
        """The tables attached or registered, as ``TableInfo`` (name, rows, sources)."""
        return [TableInfo(*row) for row in self._inner.tables()]

    def columns(self, table):
        """The columns of ``table`` with their Kusto types, as a dict."""
        found = self._inner.columns(table)
        if found is None:
            names = ", ".join(t.name for t in self.tables())
            raise KeyError(f"no table {table!r}; the tables are: {names}")
        return dict(found)

    def register(self, name, frame):
        """Makes ``frame`` (a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or
        anything with ``__arrow_c_stream__``) the table ``name``, replacing any table of that
        name. Returns its row count."""
        stream, origin = _arrow_stream(frame)
        return self._inner.register(name, stream, origin)

    def warnings(self):
        """Problems met in the attached files (rows skipped, values read as null)."""
        return self._inner.warnings()

    def __repr__(self):
        names = ", ".join(t.name for t in self.tables())
        return f"<kqlite.Session: {names or 'no tables'}>"


class Result:
    """One tabular result. Arrow consumers read it directly (``pyarrow.table(result)``,
    ``polars.DataFrame(result)``): it has ``__arrow_c_stream__``."""

    def __init__(self, inner):
        self._inner = inner

    def __arrow_c_stream__(self, requested_schema=None):
        return self._inner.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self):
        return self._inner.__arrow_c_schema__()

    def __len__(self):
        return len(self._inner)

    @property
    def schema(self):
        """The Arrow schema: datetime is ``timestamp[ns, tz=UTC]``, timespan
        ``duration[ns]``, dynamic JSON text (``large_string``)."""
        import pyarrow

        return pyarrow.schema(self._inner)

    @property
    def kusto_types(self):
        """Each column's Kusto type, by name, as ``getschema`` gives them."""
        return dict(self._inner.kusto_types)

    @property
    def columns(self):
        return [name for name, _ in self._inner.kusto_types]

    def to_arrow(self):
        """The rows as a ``pyarrow.Table`` sharing kqlite's buffers (no copy)."""
        import pyarrow

        return pyarrow.table(self._inner)

    def to_pandas(self, dynamic="json"):
        """The rows as a pandas DataFrame: datetimes UTC-aware, timespans timedeltas;
        ``dynamic`` values as JSON text (``"json"``) or as Python objects (``"python"``)."""
        if dynamic not in ("json", "python"):
            raise ValueError('dynamic is "json" or "python"')
        frame = self.to_arrow().to_pandas()
        if dynamic == "python":
            for name, kusto in self._inner.kusto_types:
                if kusto == "dynamic":
                    frame[name] = frame[name].map(_json_value, na_action="ignore")
        return frame

    def to_polars(self):
        """The rows as a polars DataFrame (polars must be installed)."""
        try:
            import polars
        except ImportError as missing:
            raise ImportError("to_polars() needs polars: pip install polars") from missing
        return polars.from_arrow(self.to_arrow())

    @property
    def chart(self):
        """The chart kind the query's ``render`` asks for (``"timechart"``...), or None."""
        return self._inner.chart_kind

    def chart_svg(self):
        """The chart ``render`` asks for, drawn as SVG text; None without ``render``."""
        return self._inner.chart_svg()

    def _repr_html_(self):
        """Jupyter shows a result as its DataFrame (and its chart, when it has one)."""
        svg = self.chart_svg() if self.chart else None
        table = self.to_pandas()._repr_html_()
        return (svg or "") + table

    def __repr__(self):
        return f"<kqlite.Result: {len(self)} rows, columns {', '.join(self.columns)}>"


def _json_value(text):
    return json.loads(text)


def _clock(now):
    if now is None or isinstance(now, str):
        return now
    if isinstance(now, _dt.datetime):
        if now.tzinfo is not None:
            now = now.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return now.isoformat()
    if isinstance(now, _dt.date):
        return now.isoformat()
    raise TypeError("now is text or a datetime")


def _arrow_stream(frame):
    """An Arrow C stream capsule over ``frame``, and what kind of frame it was."""
    kind = type(frame)
    origin = f"{kind.__module__.split('.')[0]} {kind.__name__}"
    if kind.__module__.startswith("pandas"):
        import pyarrow

        # The index is not a column in Kusto: only the frame's columns become the table's.
        frame = pyarrow.Table.from_pandas(frame, preserve_index=False)
    elif not hasattr(frame, "__arrow_c_stream__") and hasattr(frame, "to_arrow"):
        frame = frame.to_arrow()
    elif not hasattr(frame, "__arrow_c_stream__"):
        import pyarrow

        frame = pyarrow.table(frame)
    return frame.__arrow_c_stream__(), origin
