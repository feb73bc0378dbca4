"""Jupyter's ``%kql`` and ``%%kql`` magics (``%load_ext kqlite``).

    %kql --data testdata/sample --now 2025-10-01      # connect (options only)
    %kql AlertInfo | count                             # a one-line query: a DataFrame
    %%kql -o frame                                     # a cell: the query below it
    DataSecurityEvents | where AccountUpn == {user} | render timechart

``{name}`` in a query is the value of the Python variable ``name``, as a quoted KQL literal
(names that are no variable stay as written). A query ending in ``render`` also shows its
chart.
"""

import argparse
import re
import shlex

from IPython.core.magic import Magics, line_cell_magic, magics_class, needs_local_scope
from IPython.display import SVG, display

from . import session as _session
from .literals import literal

_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _options():
    parser = argparse.ArgumentParser(prog="%kql", add_help=False, exit_on_error=False)
    parser.add_argument("-d", "--data", action="append", default=[])
    parser.add_argument("--table", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--now")
    parser.add_argument("--export-tz")
    parser.add_argument("-o", "--output", help="also store the result in this variable")
    parser.add_argument("--arrow", action="store_true", help="a pyarrow Table, not pandas")
    parser.add_argument("--no-chart", action="store_true")
    return parser


def substitute(query, namespace):
    """``query`` with each ``{name}`` of a variable in ``namespace`` as its KQL literal."""

    def value_of(match):
        name = match.group(1)
        return literal(namespace[name]) if name in namespace else match.group(0)

    return _VARIABLE.sub(value_of, query)


@magics_class
class KqlMagics(Magics):
    @needs_local_scope
    @line_cell_magic
    def kql(self, line, cell=None, local_ns=None):
        namespace = {**self.shell.user_ns, **(local_ns or {})}
        if cell is None and not line.lstrip().startswith("-"):
            return self._run(line, _options().parse_args([]), namespace)
        try:
            options = _options().parse_args(shlex.split(line))
        except (argparse.ArgumentError, SystemExit) as bad:
            raise ValueError(f"%kql: {bad}") from None
        if options.data or options.table:
            self._connect(options)
        if cell is None:
            return None
        return self._run(cell, options, namespace)

    def _connect(self, options):
        tables = dict(pair.split("=", 1) for pair in options.table)
        hunt = _session.connect(
            options.data, tables=tables, now=options.now, export_tz=options.export_tz
        )
        names = ", ".join(f"{t.name} ({t.rows} rows)" for t in hunt.tables())
        print(f"kqlite: {names or 'no tables'}")

    def _run(self, query, options, namespace):
        hunt = _session.current()
        if hunt is None:
            raise RuntimeError("connect first: %kql --data PATH, or kqlite.connect(...)")
        result = hunt.query(substitute(query, namespace))
        if result.chart and not options.no_chart:
            display(SVG(result.chart_svg()))
        frame = result.to_arrow() if options.arrow else result.to_pandas()
        if options.output:
            self.shell.user_ns[options.output] = frame
        return frame
