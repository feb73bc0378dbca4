"""kqlite: the KQL you hunt with in Microsoft Defender XDR, over your own exports, offline.

    import kqlite
    hunt = kqlite.connect(data="testdata/sample", now="2025-10-01")
    hunt.query("AlertInfo | summarize count() by Severity").to_pandas()

Results are Arrow tables (``Result.to_arrow()``, shared with kqlite without a copy), pandas
or polars frames; ``Session.register`` makes a DataFrame a table; ``%load_ext kqlite`` gives
the ``%kql`` and ``%%kql`` magics in Jupyter.
"""

from ._errors import DataError, Error, QueryError
from ._kqlite import __version__
from .literals import literal
from .session import Result, Session, TableInfo, connect

__all__ = [
    "DataError",
    "Error",
    "QueryError",
    "Result",
    "Session",
    "TableInfo",
    "__version__",
    "connect",
    "literal",
]


def load_ipython_extension(ipython):
    """``%load_ext kqlite``: the ``%kql`` line and ``%%kql`` cell magics."""
    from .magic import KqlMagics

    ipython.register_magics(KqlMagics)
