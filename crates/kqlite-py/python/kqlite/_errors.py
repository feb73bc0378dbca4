"""The exceptions kqlite raises (the extension module raises them by name)."""


class Error(Exception):
    """Any error of kqlite's."""


class QueryError(Error):
    """A query that does not parse, plan or run. ``line`` and ``column`` (1-based) point at
    the fault in the query when it has a place there; ``str()`` shows the query line."""

    def __init__(self, message, line=None, column=None, rendered=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.rendered = rendered or message

    def __str__(self):
        return self.rendered.rstrip("\n")


class DataError(Error):
    """Data a session cannot attach or be handed: a missing folder, a damaged file, a
    column no Kusto type holds."""
