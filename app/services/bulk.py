"""Helpers for statements over many rows, shared by the services."""
from collections.abc import Iterable, Sequence

from sqlalchemy.dialects import postgresql, sqlite

# Rows or keys per statement: well below SQLite's limit of bound parameters.
CHUNK = 1000


def chunked(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def page_count(total: int, size: int) -> int:
    """How many pages of `size` hold `total` items; an empty list still has one page."""
    return max(1, -(-total // size))


def dialect_insert(db_session, table):
    """An INSERT of the session's database dialect, which has ON CONFLICT clauses."""
    dialect = db_session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
